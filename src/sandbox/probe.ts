import { chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOrchError } from '../errors/index.js';
import { run } from '../sys/process.js';
import { resolveSandboxIdentity, type HostIdentity } from './identity.js';
import { OVERLAY_SCRIPT, overlayOptions } from './launch-chain.js';
import { runInSandbox } from './exec.js';
import { DEFAULT_LIMITS } from './limits.js';
import { findProgram, locateTools } from './tools.js';

/**
 * What works on this machine, for `orch doctor` and for the engine's choice
 * between an overlay and a plain checkout. Each check runs the real thing.
 */

export interface SandboxProblem {
  what: string;
  detail: string;
  hint: string;
}

export interface SandboxProbe {
  bwrap: { path: string; version: string } | undefined;
  /** A sandbox started (user namespaces work for the uid bwrap runs as). */
  userns: boolean;
  /** The seccomp filter was in force inside it. */
  seccomp: boolean;
  /** Unprivileged overlayfs works (copy-on-write checkouts). */
  overlay: boolean;
  /** Process, file-size and descriptor limits were in force inside. */
  limits: boolean;
  /** The host uid the sandbox runs as when orch is root. */
  identity: HostIdentity | undefined;
  problems: SandboxProblem[];
}

export interface ProbeOptions {
  runDir?: string;
  identity?: HostIdentity;
}

async function makeProbeDir(options: ProbeOptions, identity: HostIdentity | undefined, subdirs: string[]): Promise<string> {
  const dir = await mkdtemp(join(options.runDir ?? tmpdir(), 'orch-probe-'));
  for (const sub of subdirs) await mkdir(join(dir, sub), { mode: 0o755 });
  if (identity !== undefined) {
    for (const path of [dir, ...subdirs.map((sub) => join(dir, sub))]) await chown(path, identity.uid, identity.gid);
  }
  return dir;
}

/** Mounts a throwaway overlay in an unprivileged user namespace and writes through it. */
export async function probeOverlay(options: ProbeOptions = {}): Promise<boolean> {
  const unshare = findProgram('unshare');
  const mount = findProgram('mount');
  const sh = findProgram('sh');
  if (unshare === undefined || mount === undefined || sh === undefined) return false;
  const identity = resolveSandboxIdentity(options.identity);
  const dir = await makeProbeDir(options, identity, ['lower', 'upper', 'work', 'merged']);
  try {
    await writeFile(join(dir, 'lower', 'base'), 'base\n');
    if (identity !== undefined) await chown(join(dir, 'lower', 'base'), identity.uid, identity.gid);
    const layers = { lower: [join(dir, 'lower')], upper: join(dir, 'upper'), work: join(dir, 'work') };
    const result = await run(
      unshare,
      ['--map-root-user', '--mount', '--', sh, '-c', OVERLAY_SCRIPT, 'orch-probe', overlayOptions(layers), join(dir, 'merged'), mount, sh, '-c', 'echo changed >> "$1/base"', 'orch-probe', join(dir, 'merged')],
      { env: {}, cwd: '/', reject: false, timeoutMs: 10_000, ...(identity === undefined ? {} : { uid: identity.uid, gid: identity.gid }) },
    );
    return result.exitCode === 0 && (await readdir(layers.upper)).includes('base');
  } catch {
    return false;
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

export async function probeSandbox(options: ProbeOptions = {}): Promise<SandboxProbe> {
  const problems: SandboxProblem[] = [];
  const probe: SandboxProbe = { bwrap: undefined, userns: false, seccomp: false, overlay: false, limits: false, identity: undefined, problems };
  let tools;
  try {
    tools = locateTools();
    probe.identity = resolveSandboxIdentity(options.identity);
  } catch (error) {
    problems.push({ what: 'bubblewrap', detail: error instanceof Error ? error.message : String(error), hint: 'install bubblewrap 0.8 or newer (apt-get install bubblewrap)' });
    return probe;
  }
  const version = await run(tools.bwrap, ['--version'], { env: {}, reject: false });
  probe.bwrap = { path: tools.bwrap, version: version.stdout.trim().replace(/^bubblewrap\s*/, '') };
  const dir = await makeProbeDir(options, probe.identity, ['project']);
  try {
    const result = await runInSandbox({ project: { dir: join(dir, 'project') } }, ['/bin/sh', '-c', 'grep "^Seccomp:" /proc/self/status; ulimit -u 2>/dev/null || ulimit -p'], {
      timeoutMs: 10_000,
      ...(options.identity === undefined ? {} : { identity: options.identity }),
    });
    probe.userns = result.exitCode === 0;
    probe.seccomp = /Seccomp:\s*2/.test(result.output);
    probe.limits = result.output.split('\n').includes(String(DEFAULT_LIMITS.processes));
    if (!probe.limits) problems.push({ what: 'limits', detail: 'the process limit was not in force inside the sandbox', hint: 'check that /bin/sh supports ulimit -p or -u' });
    if (!probe.seccomp) problems.push({ what: 'seccomp', detail: 'the seccomp filter was not in force inside the sandbox', hint: 'use a kernel built with CONFIG_SECCOMP_FILTER' });
  } catch (error) {
    const detail = isOrchError(error) ? error.message : String(error);
    problems.push({ what: 'user namespaces', detail, hint: 'enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 or user.max_user_namespaces > 0; on Ubuntu 24.04 allow bwrap in AppArmor)' });
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
  probe.overlay = await probeOverlay(options);
  if (!probe.overlay) problems.push({ what: 'overlayfs', detail: 'unprivileged overlayfs is not available: sandboxes use plain checkouts (slower)', hint: 'use Linux 5.11 or newer with overlayfs' });
  return probe;
}
