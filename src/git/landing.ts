import { join } from 'node:path';
import { OrchError } from '../errors/index.js';
import { rollbackCheckout } from './checkout-rollback.js';
import { planCheckout, prepareCheckout, type CheckoutReport } from './checkout-sync.js';
import { orchSignature, type Trailer } from './commit-message.js';
import { commitOnTip, prepareWork } from './landing-commit.js';
import { lockIndex } from './index-lock.js';
import { releaseLock, replaceHeld } from './lock-file.js';
import { recoverLandings } from './landing-recovery.js';
import { checkRefName } from './ref-name.js';
import type { RefLock } from './ref-store.js';
import { findCheckout, type Repo } from './repo.js';
import type { Change } from './tree-builder.js';
import { diffTrees } from './tree-diff.js';
import { readStatus } from './worktree-status.js';

/**
 * Landing: one commit on a branch holding the work (base tree + changes),
 * built in-process without touching anyone's index, then a compare-and-swap
 * of the branch. If the branch moved, the work is put on top of it (a
 * conflict lands nothing). If the branch is checked out, its index.lock is
 * taken before the swap, so a person's `git commit` cannot build on a stale
 * index, and the index and working tree are brought along only where the
 * person has no uncommitted change.
 */

export interface LandRequest {
  /** Target branch, short name ("main"). */
  branch: string;
  /** The commit the work was built on. */
  base: string;
  changes: readonly Change[];
  subject: string;
  body?: string;
  /** e.g. landingTrailers({bead, run, wave}). */
  trailers?: readonly Trailer[];
  /** How long to wait for a person's git to release index.lock (default 5000 ms). */
  indexLockTimeoutMs?: number;
  /** fsync objects and the ref before reporting success (default true). */
  durable?: boolean;
  /**
   * How long index.lock stays held after the index and branch moved (default
   * 10 ms), so a person's `git commit` that read the old index just before
   * fails to lock it instead of writing the old index back.
   */
  settleMs?: number;
  /** Called synchronously as a checked-out landing passes each stage (progress; crash tests stop it there). */
  onStep?: (step: LandStep) => void;
  /**
   * Called once the branch has moved, with the result land() will return:
   * the landing is final then, but land() itself returns only after the
   * index.lock settle, so a caller may go on with other work meanwhile (it
   * must still wait for land() before its next landing or exit).
   */
  onLanded?: (result: Landed) => void;
}

export type Landed = Extract<LandResult, { kind: 'landed' }>;

/**
 * locked: index.lock and the branch lock held; prepared: working files
 * written, new index ready; index: new index in place, branch not moved;
 * branch: branch moved, index.lock still held while settling.
 */
export type LandStep = 'locked' | 'prepared' | 'index' | 'branch';

export type LandResult =
  | {
      kind: 'landed';
      commit: string;
      /** The branch tip it was put on (the base, unless the branch moved). */
      parent: string;
      tree: string;
      /** none: landed on the base; in-process: the branch moved elsewhere; merge-tree: file contents were merged. */
      merge: 'none' | 'in-process' | 'merge-tree';
      /** Present when the branch is checked out: what was brought along and what was left. */
      checkout: CheckoutReport | undefined;
    }
  | { kind: 'conflict'; tip: string; paths: string[]; messages: string[] }
  /** index.lock stayed held (a person's git is busy); nothing landed, try again later. */
  | { kind: 'busy'; path: string };

const MAX_ROUNDS = 20;

export async function land(repo: Repo, request: LandRequest): Promise<LandResult> {
  const ref = checkRefName(`refs/heads/${request.branch}`);
  const durable = request.durable ?? true;
  await recoverLandings(repo);
  const prepared = await prepareWork(repo, request);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const tip = await repo.refs.read(ref);
    if (tip === null) {
      throw new OrchError('REF_INVALID', `branch ${request.branch} does not exist in ${repo.path}`, {
        data: { branch: request.branch },
        hint: 'create the branch, or set the project\'s branch in .orch/workspace.yaml',
      });
    }
    const made = await commitOnTip(repo, prepared, tip);
    if (made.kind === 'conflict') return made;
    const { commit, tree, tipTree, merge } = made;
    if (durable) await repo.objects.flush();
    const landed = { kind: 'landed' as const, commit, parent: tip, tree, merge };
    const who = orchSignature(repo.clock.now());
    const reflog = { who, message: `orch: ${request.subject}` };

    const worktree = findCheckout(repo, ref);
    if (worktree === undefined) {
      if ((await repo.refs.cas(ref, tip, commit, { durable, reflog })).ok) {
        const result: Landed = { ...landed, checkout: undefined };
        request.onLanded?.(result);
        return result;
      }
      continue;
    }
    const held = await lockIndex(worktree, { ref, from: tip, to: commit }, repo.clock, request.indexLockTimeoutMs ?? 5000);
    if (held === 'busy') return { kind: 'busy', path: join(worktree.gitDir, 'index.lock') };
    let branch: RefLock | undefined;
    try {
      // Under the index lock nobody can switch this worktree's branch with git checkout; check it was not switched before.
      if (findCheckout(repo, ref)?.gitDir !== worktree.gitDir) continue;
      // Hold the branch too, so it cannot move while the index and files are prepared.
      branch = await repo.refs.lock(ref);
      if (branch.current !== tip) continue;
      request.onStep?.('locked');
      const diff = await diffTrees(repo.objects, tipTree, tree);
      const status = await readStatus(worktree, diff.map((change) => change.path));
      const plan = planCheckout(diff, status, (change) => change.before);
      let prepared;
      try {
        prepared = await prepareCheckout(worktree, held, plan);
      } catch (error) {
        await rollbackCheckout(worktree, held, diff);
        throw error;
      }
      request.onStep?.('prepared');
      // The new index goes in first, while index.lock stays held; then the branch moves. A person's
      // `git commit` reads HEAD before the index, so one that sees the new HEAD sees the new index;
      // one that read the old index earlier cannot write it back while the lock is held, and the
      // lock is held a little longer (settleMs) for such a commit to give up. The journal stays
      // until both are done, so a crash in between is undone by recoverLandings.
      replaceHeld(held, prepared.temp);
      request.onStep?.('index');
      try {
        branch.update(commit, { durable, reflog: { ...reflog, alsoTo: [join(worktree.gitDir, 'logs/HEAD')] } });
      } catch (error) {
        await rollbackCheckout(worktree, held, diff);
        throw error;
      }
      request.onStep?.('branch');
      const result: Landed = { ...landed, checkout: prepared.report };
      request.onLanded?.(result);
      await repo.clock.sleep(request.settleMs ?? 10);
      return result;
    } finally {
      branch?.release();
      releaseLock(held);
    }
  }
  throw new OrchError('REF_CONFLICT', `branch ${request.branch} in ${repo.path} kept moving; nothing landed`, { data: { branch: request.branch } });
}
