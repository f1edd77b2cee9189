export { agentConfigSchema, DEFAULT_AGENT, isPresetName, PRESET_NAMES, type AgentConfig, type PresetName } from './config.js';
export { createCommandAdapter, PLACEHOLDERS, substitutePlaceholders } from './command.js';
export { locateProgram, type AgentInstall, type LocateOptions } from './host-install.js';
export { buildPrompt } from './prompt.js';
export { createPresetAdapter, PRESETS, type AgentPresetName } from './presets.js';
export { resolveAgent, type ResolveAgentOptions } from './resolve.js';
export { extractScriptBlocks, SCRIPT_TAG, type ScriptBlock } from './script-blocks.js';
export { RUNNER_PATH, scriptAgent } from './script.js';
export {
  SANDBOX,
  sandboxBeadPath,
  type AgentAdapter,
  type AgentBead,
  type AgentInput,
  type AgentNetwork,
  type AgentPlan,
  type PlanFile,
  type ReadOnlyBind,
} from './types.js';
