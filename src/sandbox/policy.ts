import { isAbsolute, normalize } from 'node:path';
import { OrchError } from '../errors/index.js';

/**
 * What one sandbox may see and do. The engine builds a policy per bead;
 * `buildBwrapArgs` turns it into bubblewrap arguments and the launcher runs
 * it. Everything not named here is absent inside the sandbox.
 */

/** The checkout mounted read-write at /project: a plain directory, or a copy-on-write layer over read-only bases. */
export type ProjectMount = { dir: string } | { overlay: OverlayLayers };

export interface OverlayLayers {
  /** Read-only base layers, topmost first (overlayfs lowerdir order). */
  lower: string[];
  /** Receives every change the sandbox makes (new and changed files, whiteouts for deletions). */
  upper: string;
  /** overlayfs work directory: empty, on the same filesystem as `upper`. */
  work: string;
}

export interface PeerMount {
  /** A project name: ^[a-z][a-z0-9-]{0,39}$; mounted at /project/.shared/<name>. */
  name: string;
  /** The peer's filtered snapshot directory on the host. */
  dir: string;
}

export interface ExtraBind {
  source: string;
  /** Absolute path inside the sandbox, outside /project, /proc and /dev. */
  dest: string;
}

export type NetworkPolicy = 'none' | 'full' | { proxySocket: string };

export interface TmpfsSizes {
  tmp: number;
  home: number;
  shm: number;
}

/** Host layout of the top-level links to /usr (merged-usr on Debian and friends). */
export interface HostRoot {
  /** e.g. {'/bin': 'usr/bin'}: recreated as symlinks. */
  symlinks: Record<string, string>;
  /** Top-level directories that are real directories on this host (bound read-only when present). */
  dirs: string[];
}

export interface SandboxPolicy {
  project: ProjectMount;
  peers: PeerMount[];
  /** A host directory bound read-only at /orch (prompt, lessons, plan files). Excludes lessonsFile/promptFile. */
  orchDir?: string;
  lessonsFile?: string;
  promptFile?: string;
  extraRoBinds: ExtraBind[];
  /** Already filtered by the caller from the project's `env` allow-list. HOME, USER and LOGNAME are always the sandbox's own. */
  env: Record<string, string>;
  tmpfsSizes: TmpfsSizes;
  network: NetworkPolicy;
  /** The uid and gid of the agent inside the sandbox (its files on the host belong to the launching uid). */
  uid: number;
  gid: number;
  hostname: string;
  hostRoot: HostRoot;
}

export const SANDBOX_PATHS = {
  project: '/project',
  shared: '/project/.shared',
  home: '/home/agent',
  lessons: '/orch/LESSONS.md',
  prompt: '/orch/PROMPT.md',
  orch: '/orch',
  proxySocket: '/run/orch/proxy.sock',
} as const;

export const DEFAULT_TMPFS_SIZES: TmpfsSizes = {
  tmp: 512 * 1024 * 1024,
  home: 256 * 1024 * 1024,
  shm: 64 * 1024 * 1024,
};

/** Debian/Ubuntu merged-usr. The launcher measures the real host with `describeHostRoot()`. */
export const MERGED_USR_ROOT: HostRoot = {
  symlinks: { '/bin': 'usr/bin', '/sbin': 'usr/sbin', '/lib': 'usr/lib', '/lib64': 'usr/lib64' },
  dirs: [],
};

const PEER_NAME = /^[a-z][a-z0-9-]{0,39}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HOSTNAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Destinations an extra bind may never cover or sit under. */
const RESERVED_DESTS = ['/', '/project', '/proc', '/dev', '/etc', '/orch', '/tmp', '/home', '/run', '/usr'];

function unsafe(message: string, data: Record<string, unknown> = {}): OrchError {
  return new OrchError('SANDBOX_UNSAFE', message, { data });
}

/** Throws SANDBOX_UNSAFE when a string would be cut or re-read when passed NUL-separated to bwrap. */
export function assertNoNul(value: string, what: string): void {
  if (value.includes('\0')) throw unsafe(`${what} contains a NUL byte`, { what });
}

export function assertHostPath(path: string, what: string): void {
  assertNoNul(path, what);
  if (!isAbsolute(path) || normalize(path) !== path || path.length > 1 && path.endsWith('/')) {
    throw unsafe(`${what} must be an absolute, normalised host path, got ${JSON.stringify(path)}`, { what, path });
  }
}

function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(root === '/' ? '/' : `${root}/`);
}

/** Checks a policy for anything that could turn into a wrong or dangerous mount. Pure. */
export function validatePolicy(policy: SandboxPolicy): void {
  if ('dir' in policy.project) {
    assertHostPath(policy.project.dir, 'project dir');
  } else {
    const { lower, upper, work } = policy.project.overlay;
    if (lower.length === 0) throw unsafe('an overlay needs at least one lower layer');
    for (const dir of [...lower, upper, work]) {
      assertHostPath(dir, 'overlay layer');
      // overlayfs splits its options on , and lowerdir on : ; refuse rather than escape.
      if (/[,:\\=]/.test(dir)) throw unsafe(`overlay layer path ${JSON.stringify(dir)} contains , : = or \\`, { path: dir });
    }
  }
  const names = new Set<string>();
  for (const peer of policy.peers) {
    if (!PEER_NAME.test(peer.name)) throw unsafe(`peer name ${JSON.stringify(peer.name)} is not a project name`, { peer: peer.name });
    if (names.has(peer.name)) throw unsafe(`peer ${peer.name} is listed twice`, { peer: peer.name });
    names.add(peer.name);
    assertHostPath(peer.dir, `peer ${peer.name} dir`);
  }
  if (policy.orchDir !== undefined) {
    assertHostPath(policy.orchDir, 'orch dir');
    if (policy.lessonsFile !== undefined || policy.promptFile !== undefined) {
      throw unsafe('give either orchDir or lessonsFile/promptFile: nothing can be mounted inside the read-only /orch');
    }
  }
  if (policy.lessonsFile !== undefined) assertHostPath(policy.lessonsFile, 'lessons file');
  if (policy.promptFile !== undefined) assertHostPath(policy.promptFile, 'prompt file');
  for (const bind of policy.extraRoBinds) {
    assertHostPath(bind.source, 'extra bind source');
    assertHostPath(bind.dest, 'extra bind destination');
    if (RESERVED_DESTS.some((reserved) => isUnder(reserved, bind.dest) || (reserved !== '/' && isUnder(bind.dest, reserved)))) {
      throw unsafe(`extra bind destination ${bind.dest} overlaps a path the sandbox owns`, { dest: bind.dest });
    }
  }
  for (const [name, value] of Object.entries(policy.env)) {
    if (!ENV_NAME.test(name)) throw unsafe(`environment variable name ${JSON.stringify(name)} is not valid`, { name });
    assertNoNul(value, `environment variable ${name}`);
  }
  if (typeof policy.network === 'object') assertHostPath(policy.network.proxySocket, 'proxy socket');
  for (const [key, size] of Object.entries(policy.tmpfsSizes)) {
    if (!Number.isSafeInteger(size) || size < 4096) throw unsafe(`tmpfs size for ${key} must be a whole number of bytes >= 4096`, { key, size });
  }
  for (const [key, id] of [['uid', policy.uid], ['gid', policy.gid]] as const) {
    if (!Number.isInteger(id) || id < 0 || id >= 65534) throw unsafe(`sandbox ${key} must be an integer in 0..65533`, { [key]: id });
  }
  if (!HOSTNAME.test(policy.hostname)) throw unsafe(`hostname ${JSON.stringify(policy.hostname)} is not a simple host name`);
  for (const [link, target] of Object.entries(policy.hostRoot.symlinks)) {
    assertHostPath(link, 'root symlink');
    assertNoNul(target, 'root symlink target');
  }
  for (const dir of policy.hostRoot.dirs) assertHostPath(dir, 'root dir');
}
