import { accessSync, constants, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { OrchError } from '../errors/index.js';
import type { SandboxTools } from './launch-chain.js';
import type { HostRoot } from './policy.js';

/**
 * Absolute paths of the host programs a sandbox launch needs. They are
 * spawned with an empty environment, so nothing is looked up on PATH at
 * spawn time; system directories are searched first.
 */

const SYSTEM_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin'];

export function findProgram(name: string, pathVar: string | undefined = process.env.PATH): string | undefined {
  const dirs = [...SYSTEM_DIRS, ...(pathVar ?? '').split(':').filter((dir) => dir.startsWith('/'))];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

let cached: SandboxTools | undefined;

/** The tools, found once per process. Throws SANDBOX_UNAVAILABLE without bwrap or sh. */
export function locateTools(): SandboxTools {
  if (cached !== undefined) return cached;
  const bwrap = findProgram('bwrap');
  const sh = findProgram('sh');
  if (bwrap === undefined || sh === undefined) {
    throw new OrchError('SANDBOX_UNAVAILABLE', `${bwrap === undefined ? 'bubblewrap (bwrap)' : 'sh'} is not installed`, {
      hint: 'install bubblewrap 0.8 or newer (apt-get install bubblewrap)',
    });
  }
  const tools: SandboxTools = { bwrap, sh };
  const unshare = findProgram('unshare');
  const mount = findProgram('mount');
  if (unshare !== undefined) tools.unshare = unshare;
  if (mount !== undefined) tools.mount = mount;
  cached = tools;
  return tools;
}

const ROOT_ENTRIES = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

let cachedRoot: HostRoot | undefined;

/**
 * How this host's top-level program directories relate to /usr: symlinks
 * into /usr are recreated (merged-usr), real directories are bound read-only.
 */
export function describeHostRoot(): HostRoot {
  if (cachedRoot !== undefined) return cachedRoot;
  const root: HostRoot = { symlinks: {}, dirs: [] };
  for (const entry of ROOT_ENTRIES) {
    let stats;
    try {
      stats = lstatSync(entry);
    } catch {
      continue;
    }
    if (stats.isSymbolicLink()) {
      const target = readlinkSync(entry);
      const absolute = target.startsWith('/') ? target : `/${target}`;
      if (absolute.startsWith('/usr/') && !absolute.includes('..')) root.symlinks[entry] = absolute.slice(1);
    } else if (stats.isDirectory()) {
      root.dirs.push(entry);
    }
  }
  cachedRoot = root;
  return root;
}
