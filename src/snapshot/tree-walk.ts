import { OrchError } from '../errors/index.js';
import { parseTree, type CatFile } from '../git/cat-file.js';
import { checkComponent, checkPeerMode, type PathCheck, type PathFilter, type SkipReason } from './filter.js';

/**
 * Walk a committed tree through one `git cat-file --batch`, level by level
 * with every tree of a level in flight at once, and decide per entry what is
 * written: the listing that materialize turns into files and that the cache
 * keeps as the snapshot's manifest.
 */

export type SnapshotKind = 'peer' | 'base';
export type FileMode = '100644' | '100755' | '120000';

export interface FileNode {
  name: string;
  oid: string;
  mode: FileMode;
  /** Blob size in bytes; -1 until known. */
  size: number;
  /** Symlink target (base checkouts only), once read. */
  target?: string;
}

export interface Skipped {
  path: string;
  reason: SkipReason;
  detail: string;
}

export interface DirNode {
  /** The tree object this directory was made from. */
  tree: string;
  files: FileNode[];
  /** Names of the subdirectories written. */
  dirs: string[];
  /** Entries of this directory that were left out. */
  skipped: Skipped[];
}

/** Directory path ('' for the root) -> what was written there. */
export type TreeListing = Map<string, DirNode>;

export interface WalkOptions {
  cat: CatFile;
  tree: string;
  kind: SnapshotKind;
  /** The deny rules (peer snapshots). */
  filter?: PathFilter;
  /** A previous listing of the same source and policy: subtrees with an equal tree id are copied from it unread. */
  previous?: TreeListing;
}

export function joinPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}

export async function walkTree(options: WalkOptions): Promise<TreeListing> {
  const listing: TreeListing = new Map();
  let level: { path: string; tree: string }[] = [{ path: '', tree: options.tree }];
  while (level.length > 0) {
    const toRead: { path: string; tree: string }[] = [];
    for (const dir of level) {
      if (options.previous?.get(dir.path)?.tree === dir.tree) copySubtree(options.previous, dir.path, listing);
      else toRead.push(dir);
    }
    const objects = await readInBatches(options.cat, toRead.map((d) => d.tree));
    const next: { path: string; tree: string }[] = [];
    toRead.forEach((dir, i) => {
      const object = objects[i];
      if (object === undefined || object.type !== 'tree') {
        throw new OrchError('SNAPSHOT_FAILED', `tree ${dir.tree} at "${dir.path || '/'}" is missing from ${options.cat.repo}`, {
          hint: 'run `git fsck` in that repository',
        });
      }
      const node = classifyEntries(dir.path, dir.tree, object.data, options);
      listing.set(dir.path, node.dir);
      next.push(...node.subtrees);
    });
    level = next;
  }
  return listing;
}

/** CatFile answers in order from one queue; batches keep that queue short (its shift() is O(length)). */
const BATCH = 1024;

async function readInBatches(cat: CatFile, oids: readonly string[]) {
  const out: Awaited<ReturnType<CatFile['readMany']>> = [];
  for (let i = 0; i < oids.length; i += BATCH) out.push(...(await cat.readMany(oids.slice(i, i + BATCH))));
  return out;
}

function classifyEntries(path: string, tree: string, data: Buffer, options: WalkOptions) {
  const dir: DirNode = { tree, files: [], dirs: [], skipped: [] };
  const subtrees: { path: string; tree: string }[] = [];
  const seen = new Set<string>();
  for (const entry of parseTree(data)) {
    const entryPath = joinPath(path, entry.name);
    const verdict = checkEntry(path, entry.name, entry.mode, options);
    if (!verdict.ok) {
      dir.skipped.push({ path: entryPath, reason: verdict.reason, detail: verdict.detail });
      continue;
    }
    if (seen.has(entry.name)) {
      dir.skipped.push({ path: entryPath, reason: 'duplicate', detail: `"${entry.name}" appears twice in tree ${tree}` });
      continue;
    }
    seen.add(entry.name);
    if (entry.mode === '040000') {
      dir.dirs.push(entry.name);
      subtrees.push({ path: entryPath, tree: entry.oid });
    } else {
      dir.files.push({ name: entry.name, oid: entry.oid, mode: entry.mode as FileMode, size: -1 });
    }
  }
  return { dir, subtrees };
}

function checkEntry(parent: string, name: string, mode: string, options: WalkOptions): PathCheck {
  const nameCheck = options.filter === undefined ? checkComponent(name) : options.filter.checkEntry(parent, name);
  if (!nameCheck.ok) return nameCheck;
  if (options.kind === 'peer') return checkPeerMode(mode);
  if (mode === '100644' || mode === '100755' || mode === '120000' || mode === '040000') return { ok: true };
  if (mode === '160000') return { ok: false, reason: 'submodule', detail: 'submodules are not checked out' };
  return { ok: false, reason: 'bad-mode', detail: `mode ${mode} is not a file, symlink or directory` };
}

/** Copy `path` and everything under it from `from` into `to` (an unchanged subtree). */
export function copySubtree(from: TreeListing, path: string, to: TreeListing): void {
  const node = from.get(path);
  if (node === undefined) return;
  to.set(path, node);
  for (const name of node.dirs) copySubtree(from, joinPath(path, name), to);
}

/** Every file of a listing with its repo-relative path, in directory order. */
export function* listFiles(listing: TreeListing): Generator<{ path: string; file: FileNode }> {
  for (const [dirPath, node] of listing) {
    for (const file of node.files) yield { path: joinPath(dirPath, file.name), file };
  }
}

/** Every skipped entry of a listing. */
export function listSkipped(listing: TreeListing): Skipped[] {
  const out: Skipped[] = [];
  for (const node of listing.values()) out.push(...node.skipped);
  return out;
}
