export {
  AGENT_PRESETS,
  DEFAULTS,
  PROJECT_NAME,
  WORKSPACE_VERSION,
  projectSchema,
  workspaceSchema,
  type AgentPreset,
  type NetworkPolicy,
  type ProjectConfig,
  type RemoteConfig,
  type WorkspaceConfig,
} from './schema.js';
export { parseWorkspaceConfig, type ConfigProblem, type ParsedWorkspace, type WorkspaceSource } from './parse.js';
export { WORKSPACE_DIR, WORKSPACE_FILE, findWorkspaceRoot, loadWorkspace, workspaceFile, type LoadedWorkspace } from './load.js';
export { addProjectToConfig, addProjectToWorkspace, createWorkspaceConfig, writeNewWorkspace, type NewProject, type NewWorkspace } from './edit.js';
export { checkWorkspaceRules, type RuleProblem } from './rules.js';
