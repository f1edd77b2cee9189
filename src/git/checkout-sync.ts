import { copyFileSync, lstatSync, rmdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { git } from './exec.js';
import { indexTempName } from './lock-journal.js';
import { unlinkQuietly, type HeldLock } from './lock-file.js';
import { ZERO_OID } from './ref-name.js';
import type { Worktree } from './repo.js';
import type { FileDiff, FileEntry } from './tree-diff.js';
import type { PathStatus } from './worktree-status.js';

/**
 * Bring a checked-out branch's index and working tree along after the branch
 * moved from `before` to `after`, path by path, only where the person has no
 * uncommitted change. Runs while this process holds the worktree's
 * index.lock; the new index is built in a temp file (git's own
 * update-index / checkout-index, so filters and index extensions are
 * handled by git) that the caller puts in place (replaceHeld or renameOver).
 */

export type LeftReason = 'staged' | 'modified' | 'untracked' | 'unmerged';

export interface LeftBehind {
  path: string;
  reason: LeftReason;
}

export interface CheckoutReport {
  worktree: string;
  /** Paths whose index entry and working file now match the new commit. */
  updated: string[];
  /** Paths the person had changed: their index entry or file was kept (see reason). */
  leftBehind: LeftBehind[];
}

export type PathAction =
  /** Index and working file to the new version. */
  | { path: string; action: 'update'; after: FileEntry | null; before: FileEntry | null }
  /** Index entry to the new version; the person's working file is kept. */
  | { path: string; action: 'index-only'; after: FileEntry | null; reason: LeftReason }
  /** Nothing touched. */
  | { path: string; action: 'leave'; reason: LeftReason | null };

function same(a: FileEntry | null, b: FileEntry | null): boolean {
  return a === null || b === null ? a === b : a.mode === b.mode && a.oid === b.oid;
}

/**
 * Decide per path. `head` is the entry the worktree's HEAD had for the path
 * when `status` was taken (status compares against HEAD).
 */
export function planCheckout(diff: readonly FileDiff[], status: ReadonlyMap<string, PathStatus>, head: (change: FileDiff) => FileEntry | null): PathAction[] {
  return diff.map((change): PathAction => {
    const { path, before, after } = change;
    const st = status.get(path);
    if (st?.kind === 'unmerged') return { path, action: 'leave', reason: 'unmerged' };
    const index = st?.kind === 'changed' && st.stagedChange ? st.index : st?.kind === 'untracked' ? null : head(change);
    const worktreeClean = st === undefined || (st.kind === 'changed' && !st.worktreeChange);
    if (same(index, before)) {
      if (worktreeClean) return { path, action: 'update', before, after };
      return { path, action: 'index-only', after, reason: st?.kind === 'untracked' ? 'untracked' : 'modified' };
    }
    if (same(index, after)) return { path, action: 'leave', reason: worktreeClean ? null : 'modified' };
    return { path, action: 'leave', reason: 'staged' };
  });
}

export function lstatKind(path: string): 'absent' | 'dir' | 'file' | 'blocked' {
  try {
    return lstatSync(path).isDirectory() ? 'dir' : 'file';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'absent' : 'blocked';
  }
}

export function removeEmptyParents(root: string, path: string): void {
  for (let dir = dirname(path); dir.length > root.length && dir.startsWith(root); dir = dirname(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      return;
    }
  }
}

/** One `git update-index -z --index-info` record (mode 0 removes the entry). */
export function indexInfoLine(path: string, entry: FileEntry | null): string {
  return entry === null ? `0 ${ZERO_OID}\t${path}\0` : `${entry.mode} ${entry.oid}\t${path}\0`;
}

export interface PreparedCheckout {
  /** The new index, beside the real one; rename it over the held lock to commit. */
  temp: string;
  report: CheckoutReport;
}

/**
 * Carry out the plan in the working tree and build the new index in a temp
 * file, leaving the real index alone (commit with renameOver(lock, temp)).
 * If this throws, working files may already be written: roll back with
 * rollbackCheckout.
 */
export async function prepareCheckout(worktree: Worktree, lock: HeldLock, plan: readonly PathAction[]): Promise<PreparedCheckout> {
  const report: CheckoutReport = { worktree: worktree.path, updated: [], leftBehind: [] };
  const indexLines: string[] = [];
  const checkout: string[] = [];
  // Deletions first, so a directory can replace a file (and the reverse).
  for (const step of plan) {
    if (step.action === 'leave') {
      if (step.reason !== null) report.leftBehind.push({ path: step.path, reason: step.reason });
      continue;
    }
    indexLines.push(indexInfoLine(step.path, step.after));
    if (step.action === 'index-only') {
      report.leftBehind.push({ path: step.path, reason: step.reason });
      continue;
    }
    if (step.after !== null) continue;
    const full = join(worktree.path, step.path);
    const kind = lstatKind(full);
    if (kind === 'dir') {
      report.leftBehind.push({ path: step.path, reason: 'untracked' });
      continue;
    }
    if (kind === 'file') unlinkQuietly(full);
    removeEmptyParents(worktree.path, full);
    report.updated.push(step.path);
  }
  for (const step of plan) {
    if (step.action !== 'update' || step.after === null) continue;
    // A new file may be written only where nothing of the person's is.
    if (step.before === null && step.after.mode !== '160000' && lstatKind(join(worktree.path, step.path)) !== 'absent') {
      report.leftBehind.push({ path: step.path, reason: 'untracked' });
      continue;
    }
    if (step.after.mode !== '160000') checkout.push(step.path);
    report.updated.push(step.path);
  }
  const temp = await writeTempIndex(worktree, lock, indexLines, checkout);
  report.updated.sort();
  report.leftBehind.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { temp, report };
}

/**
 * A copy of the index with `indexLines` (update-index --index-info format)
 * applied and `checkout` paths written to the working tree from it (their
 * stat data recorded), by git itself so filters and extensions are honoured.
 */
export async function writeTempIndex(worktree: Worktree, lock: HeldLock, indexLines: readonly string[], checkout: readonly string[]): Promise<string> {
  const temp = join(dirname(lock.target), indexTempName());
  try {
    try {
      copyFileSync(lock.target, temp);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const env = { GIT_INDEX_FILE: temp };
    if (indexLines.length > 0) await git(worktree.path, ['update-index', '-z', '--index-info'], { env, input: indexLines.join('') });
    if (checkout.length > 0) {
      await git(worktree.path, ['checkout-index', '-f', '-u', '-z', '--stdin'], { env, input: checkout.map((p) => `${p}\0`).join('') });
    }
    return temp;
  } catch (error) {
    unlinkQuietly(temp);
    throw error;
  }
}
