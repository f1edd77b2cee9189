import { OrchError } from '../errors/index.js';
import { createCommandAdapter } from './command.js';
import { DEFAULT_AGENT, PRESET_NAMES } from './config.js';
import { locateProgram, type AgentInstall, type LocateOptions } from './host-install.js';
import { createPresetAdapter, isAgentPresetName, PRESETS } from './presets.js';
import { scriptAgent } from './script.js';
import { SANDBOX, type AgentAdapter } from './types.js';

/**
 * From a project's `agent` setting to an adapter. Presets are located on the
 * host PATH now, so a missing CLI fails before any sandbox is made; a raw
 * command's program is located too when it is a bare name or an absolute host
 * path (a path inside /project or /orch is left to the sandbox).
 */

export interface ResolveAgentOptions extends LocateOptions {
  /** Replaces the host lookup (tests). */
  locate?: (program: string, options: LocateOptions) => Promise<AgentInstall | undefined>;
}

function isSandboxPath(program: string): boolean {
  return [SANDBOX.project, SANDBOX.orch].some((root) => program === root || program.startsWith(`${root}/`));
}

export async function resolveAgent(config: string | readonly string[] | undefined, options: ResolveAgentOptions = {}): Promise<AgentAdapter> {
  const locate = options.locate ?? locateProgram;
  const lookup: LocateOptions = options.pathEnv === undefined ? {} : { pathEnv: options.pathEnv };
  const agent = config ?? DEFAULT_AGENT;
  if (typeof agent !== 'string') {
    const program = agent[0];
    if (program === undefined || program.trim() === '') {
      throw new OrchError('AGENT_UNKNOWN', 'the agent command array is empty', { hint: 'give the program first, e.g. agent: [my-agent, "{prompt_file}"]' });
    }
    const locatable = !program.includes('{') && (!program.includes('/') || (program.startsWith('/') && !isSandboxPath(program)));
    const install = locatable ? await locate(program, lookup) : undefined;
    return createCommandAdapter(agent, install);
  }
  if (agent === 'script') return scriptAgent;
  if (!isAgentPresetName(agent)) {
    throw new OrchError('AGENT_UNKNOWN', `unknown agent preset "${agent}"`, {
      data: { agent },
      hint: `use one of ${PRESET_NAMES.join(', ')}, or a command array like [my-agent, "{prompt_file}"]`,
    });
  }
  const { binary } = PRESETS[agent];
  const install = await locate(binary, lookup);
  if (install === undefined) {
    throw new OrchError('AGENT_MISSING', `agent ${agent} needs the program "${binary}", which is not on the PATH of orch`, {
      data: { agent, binary },
      hint: `install ${binary} (or put it on PATH) on this host, or set the project's agent to another preset or a command array`,
    });
  }
  return createPresetAdapter(agent, install);
}
