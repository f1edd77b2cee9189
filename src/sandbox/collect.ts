import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { OrchError } from '../errors/index.js';
import { explainBadPath, explainEscape } from './collect-paths.js';
import { readOverlayXattrs } from './collect-xattrs.js';

/**
 * What a sandbox changed, against the tree it started from.
 *
 * From an overlay upper layer (collectFromUpper): the upper layer holds only
 * what changed. A regular file is a write (dropped when its content hashes to
 * the base blob: sha1 of "blob <len>\0" + content, in process); a character
 * device 0/0 is a whiteout: the base file, or every base file under the base
 * directory, is deleted; a directory whose `overlay.opaque` attribute is "y"
 * replaced the base directory, so every base file under it that the upper
 * layer does not hold is deleted. The mount must use `userxattr` (which
 * forbids metacopy and follows no redirects); a `redirect` or `metacopy`
 * attribute is refused, since the upper layer alone would then misstate
 * the change.
 *
 * From a plain directory (collectFromDir): a full scan, hashing only files
 * whose size matches the base.
 */

export interface BaseEntry {
  oid: string;
  mode: string;
  /** Blob size when known: a differing size skips the hash. */
  size?: number;
}

/** Repo-relative path -> blob of the tree the sandbox started from. */
export type BaseTree = ReadonlyMap<string, BaseEntry>;

export type Change =
  | { path: string; kind: 'write'; absPath: string; mode: '100644' | '100755' }
  | { path: string; kind: 'symlink'; target: string; escapes: boolean; escape?: string }
  | { path: string; kind: 'delete' };

/** Something in the sandbox's output that can never be committed (the engine rejects the run). */
export interface Refused {
  path: string;
  reason: string;
}

export interface Collected {
  /** Sorted by path. */
  changes: Change[];
  refused: Refused[];
}

class ChangeSet {
  readonly changes = new Map<string, Change>();
  readonly refused: Refused[] = [];
  constructor(readonly base: BaseTree, readonly index: BaseIndex) {}

  delete(path: string): void {
    if (this.base.has(path) && !this.changes.has(path)) this.changes.set(path, { path, kind: 'delete' });
  }

  deleteUnder(dir: string, keep: (path: string) => boolean = () => false): void {
    for (const path of this.index.filesUnder(dir)) if (!keep(path)) this.delete(path);
  }

  file(path: string, absPath: string, stats: Stats): void {
    const mode = (stats.mode & 0o100) !== 0 ? '100755' : '100644';
    const before = this.base.get(path);
    if (before !== undefined && before.mode === mode && sameBlob(before, absPath, stats.size)) {
      return;
    }
    this.changes.set(path, { path, kind: 'write', absPath, mode });
  }

  symlink(path: string, absPath: string): void {
    const target = readlinkSync(absPath);
    const before = this.base.get(path);
    if (before !== undefined && before.mode === '120000' && blobOid(Buffer.from(target)) === before.oid) {
      return;
    }
    const escape = explainEscape(path, target);
    this.changes.set(path, escape === undefined ? { path, kind: 'symlink', target, escapes: false } : { path, kind: 'symlink', target, escapes: true, escape });
  }

  result(): Collected {
    const changes = [...this.changes.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { changes, refused: this.refused.sort((a, b) => (a.path < b.path ? -1 : 1)) };
  }
}

/** Directories of the base tree and the files under each. */
class BaseIndex {
  private readonly children = new Map<string, string[]>();
  readonly dirs = new Set<string>();

  constructor(base: BaseTree) {
    for (const path of base.keys()) {
      const parent = parentOf(path);
      this.add(parent, path);
      for (let dir = parent; dir !== '' && !this.dirs.has(dir); dir = parentOf(dir)) {
        this.dirs.add(dir);
        this.add(parentOf(dir), `${dir}/`);
      }
    }
  }

  private add(dir: string, child: string): void {
    const list = this.children.get(dir);
    if (list === undefined) this.children.set(dir, [child]);
    else list.push(child);
  }

  *filesUnder(dir: string): Generator<string> {
    for (const child of this.children.get(dir) ?? []) {
      if (child.endsWith('/')) yield* this.filesUnder(child.slice(0, -1));
      else yield child;
    }
  }
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

export async function collectFromUpper(upper: string, base: BaseTree): Promise<Collected> {
  const index = new BaseIndex(base);
  const set = new ChangeSet(base, index);
  const inUpper = new Set<string>();
  const bothDirs: string[] = [];
  const copiedUp: string[] = [];
  walk(upper, '', (path, absPath, stats) => {
    inUpper.add(path);
    if (stats.isCharacterDevice() && stats.rdev === 0) {
      inUpper.delete(path);
      set.delete(path);
      if (index.dirs.has(path)) set.deleteUnder(path);
      return 'skip';
    }
    if (stats.isDirectory()) {
      if (base.has(path)) set.delete(path);
      if (index.dirs.has(path)) bothDirs.push(path);
      return 'descend';
    }
    if (!stats.isFile() && !stats.isSymbolicLink()) return 'special';
    if (index.dirs.has(path)) set.deleteUnder(path);
    if (base.has(path)) copiedUp.push(path);
    if (stats.isFile()) set.file(path, absPath, stats);
    else set.symlink(path, absPath);
    return 'skip';
  }, set.refused);

  const attrs = await readOverlayXattrs([...bothDirs, ...copiedUp].map((p) => join(upper, p)));
  for (const path of [...bothDirs, ...copiedUp]) {
    const found = attrs.get(join(upper, path)) ?? {};
    if (found.redirect !== undefined || found.metacopy !== undefined) {
      throw new OrchError('SANDBOX_FAILED', `overlay upper layer ${upper} has a ${found.redirect !== undefined ? 'redirect' : 'metacopy'} entry at ${path}`, {
        data: { upper, path },
        hint: 'mount the overlay with userxattr (no redirect_dir, no metacopy)',
      });
    }
    if (found.opaque === 'y' && bothDirs.includes(path)) set.deleteUnder(path, (p) => inUpper.has(p));
  }
  return set.result();
}

export async function collectFromDir(dir: string, base: BaseTree): Promise<Collected> {
  const set = new ChangeSet(base, new BaseIndex(base));
  const seen = new Set<string>();
  walk(dir, '', (path, absPath, stats) => {
    if (stats.isDirectory()) return 'descend';
    if (!stats.isFile() && !stats.isSymbolicLink()) return 'special';
    seen.add(path);
    if (stats.isFile()) set.file(path, absPath, stats);
    else set.symlink(path, absPath);
    return 'skip';
  }, set.refused);
  for (const path of base.keys()) if (!seen.has(path)) set.delete(path);
  return Promise.resolve(set.result());
}

type Visit = (path: string, absPath: string, stats: Stats) => 'descend' | 'skip' | 'special';

function walk(root: string, dir: string, visit: Visit, refused: Refused[]): void {
  for (const name of readdirSync(dir === '' ? root : join(root, dir))) {
    const path = dir === '' ? name : `${dir}/${name}`;
    const bad = explainBadPath(path);
    if (bad !== undefined) {
      refused.push({ path, reason: bad });
      continue;
    }
    const absPath = join(root, path);
    const stats = lstatSync(absPath);
    const verdict = visit(path, absPath, stats);
    if (verdict === 'descend') walk(root, path, visit, refused);
    else if (verdict === 'special') refused.push({ path, reason: 'not a regular file, symlink or directory' });
  }
}

function sameBlob(before: BaseEntry, absPath: string, size: number): boolean {
  if (before.size !== undefined && before.size !== size) return false;
  return hashFile(absPath, size) === before.oid;
}

/** git's blob id of a file: sha1 of "blob <size>\0" + content, read in 1 MiB pieces. */
export function hashFile(absPath: string, size: number): string {
  const hash = createHash('sha1').update(`blob ${size}\0`);
  const fd = openSync(absPath, 'r');
  try {
    const buffer = Buffer.allocUnsafe(Math.min(Math.max(size, 1), 1024 * 1024));
    let total = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
      total += n;
    }
    if (total !== size) return '';
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

export function blobOid(data: Buffer): string {
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}
