import { SANDBOX_PATH } from '../sandbox/profile.js';
import { buildPrompt } from './prompt.js';
import type { AgentInstall } from './host-install.js';
import { SANDBOX, type AgentAdapter, type AgentInput, type AgentNetwork, type AgentPlan } from './types.js';

/**
 * The usual non-interactive command line of each agent CLI, fed the prompt
 * file /orch/PROMPT.md. orch's sandbox is the containment, so each agent's own
 * approval prompts and sandbox are turned off (there is nobody to answer them,
 * and nested sandboxes cannot start under --disable-userns and seccomp).
 * - claude: `claude -p` reads the prompt from stdin when no prompt argument is given.
 * - codex: `codex exec ... -` reads the prompt from stdin; `--skip-git-repo-check`
 *   because /project need not be a git repo.
 * - aider: `--message-file` reads the prompt file; history files go to /tmp so
 *   they are not collected as changes; the declared files that are plain paths
 *   (no glob) are added to the chat.
 * - gemini: `-p` runs headless and appends the prompt to what stdin holds.
 */

export type AgentPresetName = 'claude' | 'codex' | 'aider' | 'gemini';

interface PresetSpec {
  /** The program looked up on the host PATH. */
  binary: string;
  args(input: AgentInput): string[];
  /** Feed /orch/PROMPT.md on stdin (through a tiny `sh -c` that redirects it). */
  promptOnStdin: boolean;
  /** The hosts its default model API needs. */
  apiHosts: string[];
}

const GLOB_CHARS = /[*?[\]{}!]/;

/** Declared files that name one path (no glob), made safe to pass as arguments. */
export function literalFiles(files: readonly string[]): string[] {
  return files.filter((file) => file !== '' && !GLOB_CHARS.test(file)).map((file) => (file.startsWith('-') ? `./${file}` : file));
}

export const PRESETS: Record<AgentPresetName, PresetSpec> = {
  claude: {
    binary: 'claude',
    args: () => ['-p', '--output-format', 'text', '--dangerously-skip-permissions'],
    promptOnStdin: true,
    apiHosts: ['api.anthropic.com'],
  },
  codex: {
    binary: 'codex',
    args: () => ['exec', '--skip-git-repo-check', '--sandbox', 'danger-full-access', '--color', 'never', '-'],
    promptOnStdin: true,
    apiHosts: ['api.openai.com'],
  },
  aider: {
    binary: 'aider',
    args: (input) => [
      '--message-file',
      SANDBOX.prompt,
      '--yes-always',
      '--no-git',
      '--no-check-update',
      '--analytics-disable',
      '--no-stream',
      '--chat-history-file',
      '/tmp/aider.chat.history.md',
      '--input-history-file',
      '/tmp/aider.input.history',
      ...literalFiles(input.bead.files),
    ],
    promptOnStdin: false,
    apiHosts: [],
  },
  gemini: {
    binary: 'gemini',
    args: () => ['--yolo', '-p', `Carry out the task described above. The same text is in ${SANDBOX.prompt}.`],
    promptOnStdin: true,
    apiHosts: ['generativelanguage.googleapis.com'],
  },
};

export function isAgentPresetName(name: string): name is AgentPresetName {
  return Object.hasOwn(PRESETS, name);
}

/** `sh -c 'exec "$0" "$@" < /orch/PROMPT.md' program args...`: no quoting of the program or its arguments. */
export function withPromptOnStdin(argv: readonly string[]): string[] {
  return ['/bin/sh', '-c', `exec "$0" "$@" < ${SANDBOX.prompt}`, ...argv];
}

function networkWarning(name: string, hosts: readonly string[], network: AgentNetwork | undefined): string | undefined {
  if (hosts.length === 0 || network === 'full') return undefined;
  const allowed = network === undefined || network === 'none' ? [] : network.allow;
  const missing = hosts.filter((host) => !allowed.includes(host));
  if (missing.length === 0) return undefined;
  return `agent ${name} needs ${missing.join(', ')} but the project's network does not allow it; add network: {allow: [${missing.join(', ')}]}`;
}

/** The environment the install needs inside the sandbox (PATH when the interpreter lives outside /usr). */
export function installEnv(install: AgentInstall): Record<string, string> | undefined {
  if (install.pathDirs.length === 0) return undefined;
  return { PATH: [...install.pathDirs, SANDBOX_PATH].join(':') };
}

export function planPreset(name: AgentPresetName, install: AgentInstall, input: AgentInput): AgentPlan {
  const spec = PRESETS[name];
  const argv = [install.program, ...spec.args(input)];
  const env = installEnv(install);
  const warning = networkWarning(name, spec.apiHosts, input.network);
  return {
    files: [{ sandboxPath: SANDBOX.prompt, content: buildPrompt(input), mode: 0o644 }],
    command: spec.promptOnStdin ? withPromptOnStdin(argv) : argv,
    ...(env === undefined ? {} : { env }),
    ...(install.roBinds.length === 0 ? {} : { roBinds: install.roBinds }),
    ...(warning === undefined ? {} : { warnings: [warning] }),
  };
}

export function createPresetAdapter(name: AgentPresetName, install: AgentInstall): AgentAdapter {
  return { name, plan: (input) => planPreset(name, install, input) };
}
