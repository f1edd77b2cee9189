import { normalizeMode, type EntryMode } from './object-format.js';
import type { ObjectStore } from './object-store.js';

/** The file-level difference between two trees, reading only the subtrees that differ. */

export interface FileEntry {
  mode: EntryMode;
  oid: string;
}

export interface FileDiff {
  path: string;
  /** null: absent on that side. */
  before: FileEntry | null;
  after: FileEntry | null;
}

async function entriesOf(objects: ObjectStore, tree: string | undefined): Promise<Map<string, FileEntry>> {
  const map = new Map<string, FileEntry>();
  if (tree === undefined) return map;
  for (const entry of await objects.readTree(tree)) map.set(entry.name, { mode: normalizeMode(entry.mode), oid: entry.oid });
  return map;
}

export async function diffTrees(objects: ObjectStore, before: string | undefined, after: string | undefined, prefix = ''): Promise<FileDiff[]> {
  if (before === after) return [];
  const [a, b] = await Promise.all([entriesOf(objects, before), entriesOf(objects, after)]);
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  const nested: Promise<FileDiff[]>[] = [];
  const out: FileDiff[] = [];
  for (const name of names) {
    const x = a.get(name);
    const y = b.get(name);
    if (x !== undefined && y !== undefined && x.mode === y.mode && x.oid === y.oid) continue;
    const path = prefix + name;
    const xTree = x?.mode === '40000';
    const yTree = y?.mode === '40000';
    if (xTree || yTree) nested.push(diffTrees(objects, xTree ? x?.oid : undefined, yTree ? y?.oid : undefined, `${path}/`));
    const xFile = x !== undefined && !xTree ? x : null;
    const yFile = y !== undefined && !yTree ? y : null;
    if (xFile !== null || yFile !== null) out.push({ path, before: xFile, after: yFile });
  }
  for (const list of await Promise.all(nested)) out.push(...list);
  return out.sort((p, q) => (p.path < q.path ? -1 : p.path > q.path ? 1 : 0));
}
