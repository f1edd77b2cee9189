import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { OrchError } from '../errors/index.js';
import { spawnProcess, type SpawnOptions } from '../sys/process.js';
import { closeInheritableDescriptors } from './descriptors.js';
import { DEFAULT_FORWARDER } from './forwarder.js';
import { buildSandboxFiles } from './etc-files.js';
import { resolveSandboxIdentity, type HostIdentity } from './identity.js';
import { buildLaunchChain } from './launch-chain.js';
import { DEFAULT_LIMITS, type SandboxLimits } from './limits.js';
import { prepareMountPoints, removeCreatedMountPoints } from './mount-guard.js';
import { handOver, handOverPrivateDir } from './ownership.js';
import { validatePolicy, type SandboxPolicy } from './policy.js';
import { buildBwrapArgs, encodeArgs, SANDBOX_FDS } from './profile.js';
import { OutputBuffer } from './output-buffer.js';
import { buildSeccompProgram, hostSeccompArch } from './seccomp.js';
import { locateTools } from './tools.js';

/**
 * Runs one command in a sandbox. bwrap is spawned with an empty environment,
 * its arguments on descriptor 3, the seccomp program on 4, a "started" pipe
 * on 5 and the synthetic /etc files on 6-8; nothing else is inherited. As root it
 * runs as an unprivileged uid. A timeout or an abort kills the whole sandbox:
 * bwrap is SIGKILLed, and with it (--die-with-parent, pid namespace) every
 * process inside, daemons included.
 */

export interface LaunchOptions {
  timeoutMs?: number;
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
  /** rlimits set inside before the command runs (default DEFAULT_LIMITS; pass {} for none). */
  limits?: SandboxLimits;
  /** Written to the command's stdin; default: stdin is /dev/null. */
  input?: string | Uint8Array;
  /** The host uid/gid to run as when orch runs as root (default nobody). Ignored otherwise. */
  identity?: HostIdentity;
  /** Where private launch directories go (the overlay mount point). Default: the OS temp dir. */
  runDir?: string;
  /** Output kept in the result (the tail); default 8 MiB. onOutput sees all of it. */
  maxOutputBytes?: number;
}

export interface SandboxResult {
  /** The command's exit code; 128+n when a signal n ended it (bwrap's convention). Undefined when orch killed the sandbox. */
  exitCode: number | undefined;
  /** The signal orch sent (timeout or abort). */
  signal: string | undefined;
  timedOut: boolean;
  cancelled: boolean;
  /** stdout and stderr interleaved as they arrived (the last maxOutputBytes). */
  output: string;
  outputTruncated: boolean;
}

const seccompPrograms = new Map<string, Uint8Array>();

function seccompProgram(): Uint8Array {
  const arch = hostSeccompArch();
  let program = seccompPrograms.get(arch);
  if (program === undefined) {
    program = buildSeccompProgram(arch);
    seccompPrograms.set(arch, program);
  }
  return program;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function drain(stream: Readable | null | undefined, onText: (text: string) => void): Promise<void> {
  if (stream === null || stream === undefined) return Promise.resolve();
  const decoder = new TextDecoder();
  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer) => {
      const text = decoder.decode(chunk, { stream: true });
      if (text.length > 0) onText(text);
    });
    stream.on('error', () => resolve());
    stream.on('close', () => {
      const rest = decoder.decode();
      if (rest.length > 0) onText(rest);
      resolve();
    });
  });
}

export async function launchSandbox(policy: SandboxPolicy, command: readonly string[], options: LaunchOptions = {}): Promise<SandboxResult> {
  validatePolicy(policy);
  const tools = locateTools();
  const identity = resolveSandboxIdentity(options.identity);
  const seccomp = seccompProgram();
  if (options.signal?.aborted === true) {
    return { exitCode: undefined, signal: undefined, timedOut: false, cancelled: true, output: '', outputTruncated: false };
  }
  closeInheritableDescriptors();
  const created = await prepareMountPoints(policy);
  let privateDir: string | undefined;
  try {
    await handOver(policy, identity, created);
    let merged: string | undefined;
    if ('overlay' in policy.project) {
      privateDir = mkdtempSync(join(options.runDir ?? tmpdir(), 'orch-sandbox-'));
      merged = join(privateDir, 'merged');
      mkdirSync(merged, { mode: 0o755 });
      if (identity !== undefined) handOverPrivateDir(privateDir, merged, identity);
    }
    const args = buildBwrapArgs(policy, merged);
    const chain = buildLaunchChain({
      tools,
      command,
      limits: options.limits ?? DEFAULT_LIMITS,
      ...(typeof policy.network === 'object' ? { forwarder: DEFAULT_FORWARDER } : {}),
      ...('overlay' in policy.project && merged !== undefined ? { overlay: { layers: policy.project.overlay, merged } } : {}),
    });
    return await runChain(chain, { stdio: descriptorsFor(policy, args, seccomp, options.input), identity, options });
  } finally {
    await removeCreatedMountPoints(created);
    if (privateDir !== undefined) removeQuietly(privateDir);
  }
}

/** The private launch directory holds only the (unmounted, empty) overlay mount point. */
function removeQuietly(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // left for the run dir's own clean-up
  }
}

type Stdio = SpawnOptions['stdio'];
type Descriptor = 'ignore' | 'pipe' | Uint8Array;

/** What bwrap finds on each descriptor, by SANDBOX_FDS number. */
function descriptorsFor(policy: SandboxPolicy, args: string[], seccomp: Uint8Array, input: string | Uint8Array | undefined): Stdio {
  const encoder = new TextEncoder();
  const files = buildSandboxFiles(policy);
  const fds: Descriptor[] = [input === undefined ? 'ignore' : typeof input === 'string' ? encoder.encode(input) : input, 'pipe', 'pipe'];
  fds[SANDBOX_FDS.args] = encodeArgs(args);
  fds[SANDBOX_FDS.seccomp] = seccomp;
  fds[SANDBOX_FDS.started] = 'pipe';
  fds[SANDBOX_FDS.passwd] = encoder.encode(files.passwd);
  fds[SANDBOX_FDS.group] = encoder.encode(files.group);
  fds[SANDBOX_FDS.hosts] = policy.network === 'full' ? 'ignore' : encoder.encode(files.hosts);
  // execa types stdio per position; this list is built by descriptor number instead.
  return Array.from(fds, (fd) => fd ?? 'ignore') as unknown as Stdio;
}

async function runChain(
  chain: [string, ...string[]],
  context: { stdio: Stdio; identity: HostIdentity | undefined; options: LaunchOptions },
): Promise<SandboxResult> {
  const { options, identity } = context;
  const [file, ...args] = chain;
  const output = new OutputBuffer(options.maxOutputBytes ?? 8 * 1024 * 1024);
  const child = spawnProcess(file, args, {
    env: {},
    cwd: '/',
    detached: true,
    stdio: context.stdio,
    ...(identity === undefined ? {} : { uid: identity.uid, gid: identity.gid }),
  });
  let timedOut = false;
  let cancelled = false;
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          killGroup(child.pid);
        }, options.timeoutMs);
  const onAbort = (): void => {
    cancelled = true;
    killGroup(child.pid);
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted === true) onAbort();
  let started = '';
  const streams = child.stdio as unknown as (Readable | null | undefined)[];
  const reading = Promise.all([
    drain(child.stdout as Readable | null, (text) => {
      output.push(text);
      options.onOutput?.(text, 'stdout');
    }),
    drain(child.stderr as Readable | null, (text) => {
      output.push(text);
      options.onOutput?.(text, 'stderr');
    }),
    drain(streams[SANDBOX_FDS.started], (text) => {
      started += text;
    }),
  ]);
  let result;
  try {
    result = await child;
    await reading;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (timedOut || cancelled) {
    return { exitCode: undefined, signal: 'SIGKILL', timedOut, cancelled, output: output.text(), outputTruncated: output.truncated };
  }
  if (started.length === 0) {
    const text = output.text();
    throw new OrchError('SANDBOX_FAILED', `the sandbox did not start: ${text.trim().split('\n').slice(-5).join(' | ').slice(0, 1000) || `exit ${String(result.exitCode)}`}`, {
      data: { exitCode: result.exitCode, signal: result.signal, output: text.slice(-4000) },
      hint: 'run `orch doctor` to check bubblewrap, user namespaces and overlayfs',
    });
  }
  return {
    exitCode: result.exitCode ?? undefined,
    signal: result.signal ?? undefined,
    timedOut: false,
    cancelled: false,
    output: output.text(),
    outputTruncated: output.truncated,
  };
}
