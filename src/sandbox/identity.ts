import { readFileSync, statSync } from 'node:fs';
import { lchown, lstat, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { OrchError } from '../errors/index.js';

/**
 * Who bwrap runs as on the host. A plain user runs it as itself. Root never
 * runs a sandbox as root: it switches to an unprivileged uid (default
 * `nobody`, 65534) and hands that uid the directories the sandbox writes.
 */

export interface HostIdentity {
  uid: number;
  gid: number;
}

export const NOBODY: HostIdentity = { uid: 65534, gid: 65534 };

/** `nobody` from /etc/passwd, else 65534. */
export function lookupNobody(passwdText?: string): HostIdentity {
  let text = passwdText;
  if (text === undefined) {
    try {
      text = readFileSync('/etc/passwd', 'utf8');
    } catch {
      return NOBODY;
    }
  }
  for (const line of text.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === 'nobody' && uid !== undefined && gid !== undefined && /^\d+$/.test(uid) && /^\d+$/.test(gid)) {
      return { uid: Number(uid), gid: Number(gid) };
    }
  }
  return NOBODY;
}

/**
 * The identity to switch to, or undefined to run as the current user.
 * `configured` applies only when running as root; root itself is refused.
 */
export function resolveSandboxIdentity(configured?: HostIdentity, currentUid: number = process.getuid?.() ?? -1): HostIdentity | undefined {
  if (currentUid !== 0) return undefined;
  const identity = configured ?? lookupNobody();
  if (identity.uid === 0 || identity.gid === 0) {
    throw new OrchError('SANDBOX_UNSAFE', 'a sandbox never runs as host root', {
      hint: 'configure an unprivileged uid and gid for sandboxes (default: nobody)',
      data: { ...identity },
    });
  }
  return identity;
}

/** Gives a tree (never following symlinks) to `identity`, touching only entries owned by someone else. */
export async function chownTree(root: string, identity: HostIdentity): Promise<void> {
  const rootStats = await lstat(root);
  if (rootStats.uid !== identity.uid || rootStats.gid !== identity.gid) await lchown(root, identity.uid, identity.gid);
  if (!rootStats.isDirectory()) return;
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop() ?? '';
    const entries = await readdir(dir, { withFileTypes: true });
    await Promise.all(
      entries.map(async (entry) => {
        const path = join(dir, entry.name);
        const stats = await lstat(path);
        if (stats.uid !== identity.uid || stats.gid !== identity.gid) await lchown(path, identity.uid, identity.gid);
        if (stats.isDirectory()) pending.push(path);
      }),
    );
  }
}

function allows(stats: { mode: number; uid: number; gid: number }, identity: HostIdentity, bits: number): boolean {
  if (stats.uid === identity.uid) return (stats.mode & (bits << 6)) === bits << 6;
  if (stats.gid === identity.gid) return (stats.mode & (bits << 3)) === bits << 3;
  return (stats.mode & bits) === bits;
}

/**
 * Throws SANDBOX_UNAVAILABLE unless `identity` can reach `path`: search
 * permission on every ancestor, read (and for `write`, write) on the path.
 * bwrap opens every mount source as that identity.
 */
export async function assertReachable(path: string, identity: HostIdentity, access: 'read' | 'write', what: string): Promise<void> {
  // A dozen stats per launch, synchronous: each takes microseconds, a thread-pool round trip each costs more.
  try {
    statSync(path);
  } catch (error) {
    throw new OrchError('SANDBOX_FAILED', `${what} ${path} does not exist`, { cause: error, data: { path } });
  }
  const ancestors: string[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    ancestors.unshift(dir);
    if (dir === '/') break;
  }
  for (const dir of ancestors) {
    const stats = statSync(dir);
    if (!allows(stats, identity, 0o1)) {
      throw new OrchError('SANDBOX_UNAVAILABLE', `the sandbox user (uid ${identity.uid}) cannot reach ${what} ${path}: no search permission on ${dir}`, {
        data: { path, dir, ...identity },
        hint: `keep sandbox directories where uid ${identity.uid} can reach them (chmod o+x ${dir}), or configure another sandbox uid`,
      });
    }
  }
  const stats = statSync(path);
  const bits = (access === 'write' ? 0o2 : 0) | 0o4 | (stats.isDirectory() ? 0o1 : 0);
  if (!allows(stats, identity, bits)) {
    throw new OrchError('SANDBOX_UNAVAILABLE', `the sandbox user (uid ${identity.uid}) cannot ${access} ${what} ${path}`, {
      data: { path, ...identity },
      hint: `give uid ${identity.uid} ${access} access to ${path}`,
    });
  }
}
