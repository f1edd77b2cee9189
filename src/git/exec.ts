import { OrchError } from '../errors/index.js';
import { hostToolEnv, run, spawnProcess, type Env, type RunResult, type SpawnOptions } from '../sys/process.js';

/**
 * Every git child process goes through here: GIT_DIR and friends are never
 * inherited, prompts are off, and hooks are off unless asked for (orch runs
 * git on trees it does not trust).
 */

export interface GitOptions {
  input?: string | Buffer;
  /** Extra environment on top of the clean git environment. */
  env?: Env;
  /** Let the repo's hooks run (default false). */
  hooks?: boolean;
  timeoutMs?: number;
  /** Throw GIT_FAILED on a non-zero exit (default true). */
  reject?: boolean;
}

export const ORCH_IDENTITY: Env = {
  GIT_AUTHOR_NAME: 'orch',
  GIT_AUTHOR_EMAIL: 'orch@localhost',
  GIT_COMMITTER_NAME: 'orch',
  GIT_COMMITTER_EMAIL: 'orch@localhost',
};

export function gitEnv(extra: Env = {}): Env {
  return hostToolEnv({ GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', ...extra });
}

function gitArgs(args: readonly string[], hooks: boolean | undefined): string[] {
  return hooks === true ? [...args] : ['-c', 'core.hooksPath=/dev/null', ...args];
}

export async function git(cwd: string, args: readonly string[], options: GitOptions = {}): Promise<RunResult> {
  let result: RunResult;
  try {
    result = await run('git', gitArgs(args, options.hooks), {
      cwd,
      env: gitEnv(options.env),
      ...(options.input === undefined ? {} : { input: options.input }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      reject: false,
    });
  } catch (error) {
    if (error instanceof OrchError && error.data.errno === 'ENOENT') {
      throw new OrchError('GIT_MISSING', 'git is not installed or not on PATH', {
        cause: error,
        hint: 'install git 2.28 or newer (apt-get install git)',
      });
    }
    throw error;
  }
  if ((options.reject ?? true) && result.exitCode !== 0) {
    throw new OrchError('GIT_FAILED', `git ${args.join(' ').slice(0, 200)} failed in ${cwd}: ${result.stderr.trim().slice(0, 2000)}`, {
      data: { args: [...args], cwd, exitCode: result.exitCode, stderr: result.stderr },
    });
  }
  return result;
}

/** A long-lived git child (cat-file --batch, update-ref --stdin). */
export function spawnGit(cwd: string, args: readonly string[], options: Omit<SpawnOptions, 'cwd' | 'env'> & { env?: Env; hooks?: boolean } = {}) {
  const { env, hooks, ...rest } = options;
  return spawnProcess('git', gitArgs(args, hooks), { ...rest, cwd, env: gitEnv(env) });
}

/** `git rev-parse --verify --quiet REF^{commit}`, or undefined when it does not exist. */
export async function resolveCommit(repo: string, ref: string): Promise<string | undefined> {
  const result = await git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { reject: false });
  const oid = result.stdout.trim();
  return result.exitCode === 0 && oid.length > 0 ? oid : undefined;
}
