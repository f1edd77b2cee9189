import type { AgentInstall } from './host-install.js';
import { installEnv } from './presets.js';
import { buildPrompt } from './prompt.js';
import { SANDBOX, sandboxBeadPath, type AgentAdapter, type AgentInput, type AgentPlan } from './types.js';

/**
 * A raw command array from the project config. Every element has
 * `{prompt_file}` replaced by /orch/PROMPT.md and `{bead_file}` by
 * /project/.agents/beads/<id>.md; nothing else is interpreted (no shell).
 * The prompt file is written as for the presets.
 */

export const PLACEHOLDERS = { promptFile: '{prompt_file}', beadFile: '{bead_file}' } as const;

export function substitutePlaceholders(argv: readonly string[], input: Pick<AgentInput, 'beadPathInProject'>): string[] {
  const bead = sandboxBeadPath(input);
  return argv.map((arg) => arg.replaceAll(PLACEHOLDERS.promptFile, SANDBOX.prompt).replaceAll(PLACEHOLDERS.beadFile, bead));
}

export function planCommand(argv: readonly string[], install: AgentInstall | undefined, input: AgentInput): AgentPlan {
  const command = substitutePlaceholders(argv, input);
  if (install !== undefined) command[0] = install.program;
  const env = install === undefined ? undefined : installEnv(install);
  return {
    files: [{ sandboxPath: SANDBOX.prompt, content: buildPrompt(input), mode: 0o644 }],
    command,
    ...(env === undefined ? {} : { env }),
    ...(install === undefined || install.roBinds.length === 0 ? {} : { roBinds: install.roBinds }),
  };
}

/** `install`: where argv[0] was found on the host, when it was (then it runs by that absolute path). */
export function createCommandAdapter(argv: readonly string[], install?: AgentInstall): AgentAdapter {
  const frozen = [...argv];
  return { name: 'command', plan: (input) => planCommand(frozen, install, input) };
}
