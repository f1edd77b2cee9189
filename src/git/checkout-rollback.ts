import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { indexInfoLine, lstatKind, removeEmptyParents, writeTempIndex } from './checkout-sync.js';
import { renameOver, unlinkQuietly, type HeldLock } from './lock-file.js';
import { hashObject } from './object-format.js';
import type { Worktree } from './repo.js';
import type { FileDiff, FileEntry } from './tree-diff.js';
import { readStatus } from './worktree-status.js';

/**
 * Undo a landing's checkout work that never became a landing (the branch
 * did not move): index entries and working files that hold exactly the
 * landed version go back to the version before. Anything else (a person's
 * edit made meanwhile) is left alone. The caller holds the worktree's
 * index.lock, which this commits.
 */

function same(a: FileEntry | null, b: FileEntry | null): boolean {
  return a === null || b === null ? a === b : a.mode === b.mode && a.oid === b.oid;
}

/** Whether the working file holds exactly `entry` (absent for null). Filtered content never matches: left alone. */
function holds(worktree: Worktree, path: string, entry: FileEntry | null): boolean {
  const full = join(worktree.path, path);
  if (entry === null) return lstatKind(full) === 'absent';
  try {
    const info = lstatSync(full);
    if (entry.mode === '120000') return info.isSymbolicLink() && hashObject('blob', Buffer.from(readlinkSync(full))).oid === entry.oid;
    if (!info.isFile()) return false;
    return hashObject('blob', readFileSync(full)).oid === entry.oid;
  } catch {
    return false;
  }
}

/** `head`: the entry the worktree's HEAD has for a path (normally the diff's `before`). Returns the paths put back. */
export async function rollbackCheckout(
  worktree: Worktree,
  lock: HeldLock,
  diff: readonly FileDiff[],
  head: (change: FileDiff) => FileEntry | null = (change) => change.before,
): Promise<string[]> {
  const status = await readStatus(worktree, diff.map((change) => change.path));
  const indexLines: string[] = [];
  const checkout: string[] = [];
  const restored: string[] = [];
  for (const change of diff) {
    const { path, before, after } = change;
    if (same(before, after)) continue;
    const st = status.get(path);
    if (st?.kind === 'unmerged') continue;
    const index = st?.kind === 'changed' && st.stagedChange ? st.index : st?.kind === 'untracked' ? null : head(change);
    const indexLanded = same(index, after);
    if (indexLanded) indexLines.push(indexInfoLine(path, before));
    if (!indexLanded && !same(index, before)) continue;
    if (!holds(worktree, path, after)) {
      if (indexLanded) restored.push(path);
      continue;
    }
    restored.push(path);
    if (before === null) {
      const full = join(worktree.path, path);
      unlinkQuietly(full);
      removeEmptyParents(worktree.path, full);
    } else if (before.mode !== '160000') {
      checkout.push(path);
    }
  }
  const temp = await writeTempIndex(worktree, lock, indexLines, checkout);
  renameOver(lock, temp);
  return restored.sort();
}
