import { OrchError } from '../errors/index.js';
import { isValidEntryName, normalizeMode, type WriteEntry } from './object-format.js';
import type { ObjectStore } from './object-store.js';

/**
 * A new tree from a base tree plus changes, without a checkout or an index:
 * only the trees on the changed paths are read and rewritten; every other
 * subtree is shared with the base.
 */

/** '160000' (a submodule commit) only with `{oid}`. */
export type FileMode = '100644' | '100755' | '120000' | '160000';

/**
 * One file-level change. `content` is the file's bytes (for a symlink, mode
 * '120000', the link target), or `{oid}` naming a blob already in the repo.
 * Writing under a path that is a file in the base replaces the file with a
 * directory, and the reverse; deleting a path that is absent does nothing; a
 * delete of a path that other changes write under is redundant and ignored.
 */
export type Change =
  | { kind: 'write'; path: string; content: Uint8Array | string | { oid: string }; mode?: FileMode }
  | { kind: 'delete'; path: string };

export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** Why a repo-relative path may not be changed, or undefined when it may. */
export function explainBadPath(path: string): string | undefined {
  if (path.length === 0) return 'empty path';
  if (path.startsWith('/') || path.endsWith('/')) return 'must be relative, without a leading or trailing "/"';
  if (path.includes('\\')) return 'contains "\\"';
  for (const part of path.split('/')) {
    if (!isValidEntryName(part)) return `component "${part}" is empty, ".", "..", ".git" or contains NUL`;
  }
  return undefined;
}

interface Node {
  children: Map<string, Node>;
  change?: Change;
}

/** Group changes by directory; refuse bad paths, duplicates and a file that is also a directory. */
function plan(changes: readonly Change[]): Node {
  const root: Node = { children: new Map() };
  for (const change of changes) {
    const problem = explainBadPath(change.path);
    if (problem !== undefined) {
      throw new OrchError('SCOPE_VIOLATION', `cannot write "${change.path.slice(0, 200)}": ${problem}`, { data: { path: change.path } });
    }
    let node = root;
    for (const part of change.path.split('/')) {
      // A file deleted where a directory is now written: the write replaces it anyway.
      if (node.change?.kind === 'delete') delete node.change;
      if (node.change !== undefined) break;
      let child = node.children.get(part);
      if (child === undefined) {
        child = { children: new Map() };
        node.children.set(part, child);
      }
      node = child;
    }
    if (change.kind === 'delete' && node.change === undefined && node.children.size > 0) continue;
    if (node.change !== undefined || node.children.size > 0) {
      throw new OrchError('SCOPE_VIOLATION', `changes collide at "${change.path.slice(0, 200)}" (the same path twice, or a file and a directory)`, {
        data: { path: change.path },
      });
    }
    node.change = change;
  }
  return root;
}

function blobOf(objects: ObjectStore, change: Extract<Change, { kind: 'write' }>): string {
  const content = change.content;
  if (typeof content === 'string' || content instanceof Uint8Array) return objects.writeBlob(content);
  if (!/^[0-9a-f]{40}$/.test(content.oid)) throw new OrchError('INTERNAL', `invalid blob id "${content.oid}" for ${change.path}`);
  return content.oid;
}

async function apply(objects: ObjectStore, treeOid: string | undefined, node: Node): Promise<string | undefined> {
  const entries = new Map<string, WriteEntry>();
  if (treeOid !== undefined) {
    for (const entry of await objects.readTree(treeOid)) entries.set(entry.name, { mode: normalizeMode(entry.mode), name: entry.name, oid: entry.oid });
  }
  const subtrees = [...node.children].filter(([, child]) => child.change === undefined);
  const rebuilt = await Promise.all(
    subtrees.map(async ([name, child]) => {
      const existing = entries.get(name);
      return apply(objects, existing?.mode === '40000' ? existing.oid : undefined, child);
    }),
  );
  subtrees.forEach(([name], i) => {
    const oid = rebuilt[i];
    if (oid === undefined) entries.delete(name);
    else entries.set(name, { mode: '40000', name, oid });
  });
  for (const [name, child] of node.children) {
    const change = child.change;
    if (change === undefined) continue;
    if (change.kind === 'delete') entries.delete(name);
    else entries.set(name, { mode: change.mode ?? '100644', name, oid: blobOf(objects, change) });
  }
  if (entries.size === 0) return undefined;
  return objects.writeTree([...entries.values()]);
}

/** The tree `base` (a tree id, or undefined for none) with `changes` applied. */
export async function buildTree(objects: ObjectStore, base: string | undefined, changes: readonly Change[]): Promise<string> {
  const root = plan(changes);
  if (root.children.size === 0) return base ?? objects.writeTree([]);
  return (await apply(objects, base, root)) ?? objects.writeTree([]);
}
