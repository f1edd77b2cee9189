import { AGENT_USER, HOST_ETC_ALLOW_LIST, HOST_ETC_FOR_NETWORK, HOST_ETC_FULL_NETWORK } from './etc-files.js';
import { proxyEnvironment } from './forwarder.js';
import { SANDBOX_PATHS, assertNoNul, validatePolicy, type SandboxPolicy } from './policy.js';

/**
 * The bubblewrap profile: a pure function from a policy to bwrap's argument
 * list. Allow-list only (never `--ro-bind / /`); the root is bwrap's own tmpfs,
 * remounted read-only as the very last mount. The launcher passes the list on
 * descriptor 3 (`--args 3`), so none of it shows in /proc/<pid>/cmdline.
 *
 * Descriptors the launcher provides, by number: see SANDBOX_FDS.
 */

export const SANDBOX_FDS = {
  /** NUL-separated bwrap arguments. */
  args: 3,
  /** The classic-BPF seccomp program. */
  seccomp: 4,
  /**
   * One byte arrives here when bwrap's setup is done and the command is about
   * to run (written by START_SCRIPT inside, which closes it before exec).
   * Nothing arriving means bwrap failed while setting up.
   */
  started: 5,
  passwd: 6,
  group: 7,
  hosts: 8,
} as const;

/** The PATH inside the sandbox unless the policy's env sets one. */
export const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The directory mounted at /project: the plain checkout, or the merged overlay the launcher mounts first. */
export function projectSource(policy: SandboxPolicy, mergedDir: string | undefined): string {
  if ('dir' in policy.project) return policy.project.dir;
  if (mergedDir === undefined) throw new Error('an overlay project needs the merged directory');
  return mergedDir;
}

function namespaceArgs(policy: SandboxPolicy): string[] {
  return [
    '--unshare-user',
    '--unshare-ipc',
    '--unshare-pid',
    ...(policy.network === 'full' ? [] : ['--unshare-net']),
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--disable-userns',
    '--die-with-parent',
    '--new-session',
    // No unfiltered bwrap init inside: the command is pid 1 and carries the seccomp filter.
    '--as-pid-1',
    '--cap-drop',
    'ALL',
    '--uid',
    String(policy.uid),
    '--gid',
    String(policy.gid),
    '--hostname',
    policy.hostname,
  ];
}

function environmentArgs(policy: SandboxPolicy): string[] {
  const env: Record<string, string> = { PATH: SANDBOX_PATH, LANG: 'C.UTF-8', TERM: 'dumb', ...policy.env };
  env.HOME = SANDBOX_PATHS.home;
  env.USER = AGENT_USER;
  env.LOGNAME = AGENT_USER;
  env.TMPDIR = '/tmp';
  if (typeof policy.network === 'object') Object.assign(env, proxyEnvironment(), { ORCH_PROXY_SOCKET: SANDBOX_PATHS.proxySocket });
  const out = ['--clearenv'];
  for (const name of Object.keys(env).sort()) out.push('--setenv', name, env[name] ?? '');
  return out;
}

function systemArgs(policy: SandboxPolicy): string[] {
  const out = ['--ro-bind', '/usr', '/usr'];
  for (const [link, target] of Object.entries(policy.hostRoot.symlinks).sort()) out.push('--symlink', target, link);
  for (const dir of policy.hostRoot.dirs) out.push('--ro-bind-try', dir, dir);
  const etc: string[] = [...HOST_ETC_ALLOW_LIST];
  if (policy.network !== 'none') etc.push(...HOST_ETC_FOR_NETWORK);
  if (policy.network === 'full') etc.push(...HOST_ETC_FULL_NETWORK);
  for (const path of etc) out.push('--ro-bind-try', path, path);
  out.push('--perms', '0444', '--file', String(SANDBOX_FDS.passwd), '/etc/passwd');
  out.push('--perms', '0444', '--file', String(SANDBOX_FDS.group), '/etc/group');
  if (policy.network !== 'full') out.push('--perms', '0444', '--file', String(SANDBOX_FDS.hosts), '/etc/hosts');
  out.push('--proc', '/proc', '--dev', '/dev');
  // bwrap's /dev is an unbounded tmpfs: cap /dev/shm, then make /dev itself read-only.
  out.push('--size', String(policy.tmpfsSizes.shm), '--tmpfs', '/dev/shm', '--remount-ro', '/dev');
  out.push('--size', String(policy.tmpfsSizes.tmp), '--tmpfs', '/tmp');
  out.push('--size', String(policy.tmpfsSizes.home), '--tmpfs', SANDBOX_PATHS.home);
  return out;
}

function projectArgs(policy: SandboxPolicy, mergedDir: string | undefined): string[] {
  const out = ['--bind', projectSource(policy, mergedDir), SANDBOX_PATHS.project];
  if (policy.peers.length > 0) {
    // A small read-only tmpfs holds the peer mount points, so nothing is ever
    // created inside the checkout below .shared and writes there go nowhere.
    out.push('--size', '65536', '--tmpfs', SANDBOX_PATHS.shared);
    for (const peer of [...policy.peers].sort((a, b) => a.name.localeCompare(b.name))) {
      out.push('--ro-bind', peer.dir, `${SANDBOX_PATHS.shared}/${peer.name}`);
    }
    out.push('--remount-ro', SANDBOX_PATHS.shared);
  }
  return out;
}

function orchArgs(policy: SandboxPolicy): string[] {
  const out: string[] = [];
  if (policy.orchDir !== undefined) out.push('--ro-bind', policy.orchDir, SANDBOX_PATHS.orch);
  if (policy.lessonsFile !== undefined) out.push('--ro-bind', policy.lessonsFile, SANDBOX_PATHS.lessons);
  if (policy.promptFile !== undefined) out.push('--ro-bind', policy.promptFile, SANDBOX_PATHS.prompt);
  for (const bind of policy.extraRoBinds) out.push('--ro-bind', bind.source, bind.dest);
  // connect(2) on a unix socket needs write permission on it: a plain bind, the socket is the only thing there.
  if (typeof policy.network === 'object') out.push('--bind', policy.network.proxySocket, SANDBOX_PATHS.proxySocket);
  return out;
}

/**
 * bwrap's options, without the command. `mergedDir` is where the launcher
 * mounted the overlay (overlay projects only). bwrap takes options from
 * `--args` but not the command: that follows `--args 3 --` on its argv.
 */
export function buildBwrapArgs(policy: SandboxPolicy, mergedDir?: string): string[] {
  validatePolicy(policy);
  const args = [
    ...namespaceArgs(policy),
    ...environmentArgs(policy),
    ...systemArgs(policy),
    ...projectArgs(policy, mergedDir),
    ...orchArgs(policy),
    '--seccomp',
    String(SANDBOX_FDS.seccomp),
    '--remount-ro',
    '/',
    '--chdir',
    SANDBOX_PATHS.project,
  ];
  for (const arg of args) assertNoNul(arg, 'a bwrap argument');
  return args;
}

/** bwrap's options, NUL-terminated, as read by `--args`. */
export function encodeArgs(args: readonly string[]): Uint8Array {
  for (const arg of args) assertNoNul(arg, 'a bwrap argument');
  return new TextEncoder().encode(args.map((arg) => `${arg}\0`).join(''));
}
