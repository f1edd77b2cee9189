import { execa, type Options as ExecaOptions, type ResultPromise } from 'execa';
import { OrchError } from '../errors/index.js';

/**
 * The one wrapper for every child process orch starts: no shell, an explicit
 * environment (nothing inherited unless passed), timeouts, exit code kept on
 * the error. Everything else in orch spawns through here.
 */

export type Env = Record<string, string>;

/** The few host variables a trusted host-side tool (git, tar) needs. */
export function hostToolEnv(extra: Env = {}): Env {
  const env: Env = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'TZ']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  if (env.PATH === undefined) env.PATH = '/usr/local/bin:/usr/bin:/bin';
  env.LC_ALL = 'C';
  return { ...env, ...extra };
}

export interface RunOptions {
  cwd?: string;
  /** The complete environment of the child. Default: hostToolEnv(). */
  env?: Env;
  input?: string | Buffer;
  timeoutMs?: number;
  /** Throw PROCESS_FAILED on a non-zero exit (default true). */
  reject?: boolean;
  uid?: number;
  gid?: number;
  maxBuffer?: number;
}

export interface RunResult {
  command: string;
  stdout: string;
  stderr: string;
  exitCode: number;
  signal: string | undefined;
  timedOut: boolean;
}

function describe(file: string, args: readonly string[]): string {
  return [file, ...args].join(' ').slice(0, 300);
}

export async function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const command = describe(file, args);
  const execaOptions: ExecaOptions = {
    cwd: options.cwd,
    env: options.env ?? hostToolEnv(),
    extendEnv: false,
    shell: false,
    reject: false,
    stripFinalNewline: false,
    maxBuffer: options.maxBuffer ?? 256 * 1024 * 1024,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  };
  const result = await execa(file, args, execaOptions);
  if (result.failed && result.exitCode === undefined && !result.timedOut && result.signal === undefined) {
    const code = (result.cause as NodeJS.ErrnoException | undefined)?.code;
    throw new OrchError('PROCESS_FAILED', `could not start ${file}: ${code ?? result.shortMessage}`, {
      data: { command, errno: code },
      cause: result.cause,
      hint: code === 'ENOENT' ? `install ${file} or put it on PATH` : undefined,
    });
  }
  const out: RunResult = {
    command,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    exitCode: result.exitCode ?? -1,
    signal: result.signal ?? undefined,
    timedOut: result.timedOut,
  };
  if (out.timedOut) {
    throw new OrchError('PROCESS_TIMEOUT', `${command} timed out after ${options.timeoutMs ?? 0} ms`, {
      data: { ...out },
    });
  }
  if ((options.reject ?? true) && out.exitCode !== 0) {
    throw new OrchError('PROCESS_FAILED', `${command} exited with ${out.signal ?? out.exitCode}: ${out.stderr.trim().slice(0, 2000)}`, {
      data: { ...out },
    });
  }
  return out;
}

export type SpawnOptions = Omit<RunOptions, 'input' | 'reject' | 'maxBuffer'> & {
  /** stdio for fd 0, 1, 2 and any extra descriptors (3, 4, ...). Default: pipes. */
  stdio?: ExecaOptions['stdio'];
  detached?: boolean;
  /** Signal used on timeout or cancel. */
  killSignal?: NodeJS.Signals;
  cancelSignal?: AbortSignal;
};

/**
 * A long-lived or streaming child (git cat-file --batch, update-ref --stdin,
 * bwrap). The caller owns its streams; the promise resolves with the result
 * and never rejects on a non-zero exit.
 */
export function spawnProcess(file: string, args: readonly string[], options: SpawnOptions = {}): ResultPromise {
  return execa(file, args, {
    cwd: options.cwd,
    env: options.env ?? hostToolEnv(),
    extendEnv: false,
    shell: false,
    reject: false,
    buffer: false,
    stdio: options.stdio ?? ['pipe', 'pipe', 'pipe'],
    detached: options.detached ?? false,
    ...(options.killSignal === undefined ? {} : { killSignal: options.killSignal }),
    ...(options.cancelSignal === undefined ? {} : { cancelSignal: options.cancelSignal }),
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
}
