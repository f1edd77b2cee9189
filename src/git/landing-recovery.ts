import { rollbackCheckout } from './checkout-rollback.js';
import { git } from './exec.js';
import { lockIndex } from './index-lock.js';
import { releaseLock, unlinkQuietly } from './lock-file.js';
import { breakDeadLocks, findDeadLocks } from './lock-journal.js';
import { entryAt } from './merge-on-top.js';
import { listWorktrees, type Repo } from './repo.js';
import { diffTrees } from './tree-diff.js';

/**
 * Clean up after orch processes killed in the middle of a landing, using
 * their lock journals (which prove a leftover lock is theirs):
 *  - a branch lock they left is removed (the branch keeps its value);
 *  - if the branch reached the landed commit, the index was committed
 *    before it (landing commits the index first), so nothing is left to do;
 *  - otherwise working files and index entries the landing had already
 *    written, and only those still holding exactly the landed version, are
 *    put back, and the leftover index.lock is removed.
 * The person's own changes are never touched.
 */

export interface Recovered {
  worktree: string;
  outcome: 'finished' | 'undone' | 'busy';
  /** Paths put back to their version before the landing. */
  restored: string[];
}

async function isAncestor(repo: Repo, ancestor: string, descendant: string): Promise<boolean> {
  const result = await git(repo.path, ['merge-base', '--is-ancestor', ancestor, descendant], { reject: false });
  return result.exitCode === 0;
}

export async function recoverLandings(repo: Repo, options: { indexLockTimeoutMs?: number } = {}): Promise<Recovered[]> {
  breakDeadLocks(repo.commonDir);
  const out: Recovered[] = [];
  for (const worktree of listWorktrees(repo)) {
    for (const orphan of findDeadLocks(worktree.gitDir)) {
      const landing = orphan.journal.landing;
      if (landing === undefined) continue;
      let lock = orphan.lock;
      let done = true;
      try {
        const tip = await repo.refs.read(landing.ref);
        if (tip !== null && (tip === landing.to || (tip !== landing.from && (await isAncestor(repo, landing.to, tip))))) {
          out.push({ worktree: worktree.path, outcome: 'finished', restored: [] });
          continue;
        }
        if (lock === undefined) {
          const taken = await lockIndex(worktree, undefined, repo.clock, options.indexLockTimeoutMs ?? 5000);
          if (taken === 'busy') {
            // Try again next time: the journal stays.
            done = false;
            out.push({ worktree: worktree.path, outcome: 'busy', restored: [] });
            continue;
          }
          lock = taken;
        }
        const [from, to] = await Promise.all([repo.objects.readCommit(landing.from), repo.objects.readCommit(landing.to)]);
        const diff = await diffTrees(repo.objects, from.tree, to.tree);
        const headTree = worktree.head === undefined ? undefined : await repo.refs.read(worktree.head).then((oid) => (oid === null ? undefined : repo.objects.readCommit(oid)));
        const heads = new Map<string, Awaited<ReturnType<typeof entryAt>>>();
        if (headTree !== undefined) for (const change of diff) heads.set(change.path, await entryAt(repo.objects, headTree.tree, change.path));
        const restored = await rollbackCheckout(worktree, lock, diff, (change) => {
          const found = heads.get(change.path);
          return found === undefined || typeof found === 'string' ? null : found;
        });
        out.push({ worktree: worktree.path, outcome: 'undone', restored });
      } finally {
        if (lock !== undefined) releaseLock(lock);
        if (done) unlinkQuietly(orphan.journalPath);
      }
    }
  }
  return out;
}
