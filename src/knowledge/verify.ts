import { realpath } from 'node:fs/promises';
import { OrchError, isOrchError } from '../errors/index.js';
import { CatFile } from '../git/cat-file.js';
import { git } from '../git/exec.js';
import { LESSONS_DIR, MAIN_REF, readMain, readPinnedRoot } from './knowledge-repo.js';
import { listTree } from './plumbing.js';
import { findListedReviewer, parseReviewers, REVIEWERS_FILE } from './reviewers.js';

/**
 * Walks main's first-parent history from the tip to the root. Every commit
 * but the root must be a two-parent merge whose first parent is the commit
 * below it and whose message carries `Reviewed-by: NAME` for a NAME listed in
 * the reviewers file of that first parent. The root must hold no lessons and,
 * when `orch.root` is pinned, be that commit. The same rule as the
 * reference-transaction hook, read through git's own trailer parser in both.
 */

export interface Offender {
  commit: string;
  reason: string;
}

export type Verification =
  | { ok: true; head: string; root: string; merges: number }
  | { ok: false; head: string; commit: string; reason: string; offenders: Offender[] };

interface LogEntry {
  commit: string;
  parents: string[];
  trailers: string[];
}

/** main's first-parent commits, tip first; with `since`, only those above it. */
async function readFirstParentLog(repo: string, head: string, since?: string): Promise<LogEntry[]> {
  const format = '--format=%H%x00%P%x00%(trailers:key=Reviewed-by,valueonly,separator=%x1f)%x1e';
  const out = await git(repo, ['log', '--no-show-signature', '--first-parent', format, head, ...(since === undefined ? [] : [`^${since}`])]);
  const entries: LogEntry[] = [];
  for (const record of out.stdout.split('\x1e')) {
    const trimmed = record.replace(/^\n/, '');
    if (trimmed === '') continue;
    const [commit = '', parents = '', trailers = ''] = trimmed.split('\0');
    entries.push({
      commit,
      parents: parents.split(' ').filter((p) => p !== ''),
      trailers: trailers.split('\x1f').map((t) => t.trim()).filter((t) => t !== ''),
    });
  }
  return entries;
}

/** Reviewer lists of many commits through one cat-file, each distinct file parsed once. */
async function readReviewerLists(repo: string, commits: readonly string[]): Promise<Map<string, string[] | string>> {
  const cat = new CatFile(repo);
  let blobs;
  try {
    blobs = await cat.readMany(commits.map((commit) => `${commit}:${REVIEWERS_FILE}`));
  } finally {
    await cat.close();
  }
  const byBlob = new Map<string, string[] | string>();
  const lists = new Map<string, string[] | string>();
  for (const [index, commit] of commits.entries()) {
    const blob = blobs[index];
    if (blob === undefined || blob.type !== 'blob') {
      lists.set(commit, `its first parent ${commit} has no ${REVIEWERS_FILE}`);
      continue;
    }
    let result = byBlob.get(blob.oid);
    if (result === undefined) {
      try {
        const names = parseReviewers(blob.data.toString('utf8'), `${commit.slice(0, 12)}:${REVIEWERS_FILE}`);
        result = names.length > 0 ? names : `the ${REVIEWERS_FILE} of ${commit} lists nobody`;
      } catch (error) {
        if (!isOrchError(error, 'KNOWLEDGE_INVALID')) throw error;
        result = error.message;
      }
      byBlob.set(blob.oid, result);
    }
    lists.set(commit, result);
  }
  return lists;
}

async function checkRoot(repo: string, root: LogEntry, pinned: string | undefined): Promise<string | undefined> {
  if (root.parents.length !== 0) return `the first-parent walk ended at ${root.commit}, which has parents (shallow clone?)`;
  if (pinned !== undefined && pinned !== root.commit) return `root commit ${root.commit} is not the pinned root ${pinned} (git config orch.root): main was rewritten`;
  if ((await listTree(repo, `${root.commit}:${LESSONS_DIR}`)).length > 0) return `root commit ${root.commit} holds lessons that no reviewer approved`;
  return undefined;
}

/** Offenders among chain[0..n-2], each judged against the commit below it (chain[i + 1]). */
async function checkMerges(repo: string, chain: readonly LogEntry[]): Promise<Offender[]> {
  const offenders: Offender[] = [];
  const lists = await readReviewerLists(repo, chain.slice(1).map((entry) => entry.commit));
  // Oldest first, so the first offender is where main went wrong.
  for (let i = chain.length - 2; i >= 0; i--) {
    const entry = chain[i];
    const below = chain[i + 1];
    if (entry === undefined || below === undefined) continue;
    if (entry.parents.length !== 2 || entry.parents[0] !== below.commit) {
      const count = entry.parents.length;
      offenders.push({ commit: entry.commit, reason: `commit ${entry.commit} is not a merge onto ${below.commit} (it has ${count} parent${count === 1 ? '' : 's'})` });
      continue;
    }
    if (entry.trailers.length === 0) {
      offenders.push({ commit: entry.commit, reason: `merge ${entry.commit} has no Reviewed-by trailer` });
      continue;
    }
    const listed = lists.get(below.commit) ?? 'no reviewers file was read';
    if (typeof listed === 'string') {
      offenders.push({ commit: entry.commit, reason: `merge ${entry.commit} cannot be checked: ${listed}` });
    } else if (findListedReviewer(entry.trailers, listed) === undefined) {
      offenders.push({ commit: entry.commit, reason: `merge ${entry.commit} is reviewed by ${entry.trailers.join(', ')}, not by a listed reviewer (${listed.join(', ')})` });
    }
  }
  return offenders;
}

interface Verified {
  head: string;
  root: string;
  merges: number;
}

/**
 * Tips already verified, per repo and pinned root. A commit id names its whole
 * history, so a tip verified once stays verified; a newer tip whose
 * first-parent chain reaches it needs only the commits above it checked.
 */
const verifiedTips = new Map<string, Verified>();

function failure(head: string, offenders: Offender[]): Verification | undefined {
  const first = offenders[0];
  return first === undefined ? undefined : { ok: false, head, commit: first.commit, reason: first.reason, offenders };
}

export interface VerifyOptions {
  /** Verify this commit instead of main's tip. */
  head?: string;
  /** Check only what is above a tip this process verified before (default true). */
  incremental?: boolean;
}

export async function verifyKnowledge(repo: string, options: VerifyOptions = {}): Promise<Verification> {
  const head = options.head ?? (await readMain(repo));
  const pinned = await readPinnedRoot(repo);
  const key = `${await realpath(repo)}\0${pinned ?? ''}`;
  const known = options.incremental === false ? undefined : verifiedTips.get(key);
  if (known !== undefined && known.head === head) return { ok: true, ...known };
  if (known !== undefined) {
    const above = await readFirstParentLog(repo, head, known.head);
    const oldest = above[above.length - 1];
    if (oldest !== undefined && oldest.parents[0] === known.head) {
      const failed = failure(head, await checkMerges(repo, [...above, { commit: known.head, parents: [], trailers: [] }]));
      if (failed !== undefined) return failed;
      const verified = { head, root: known.root, merges: known.merges + above.length };
      verifiedTips.set(key, verified);
      return { ok: true, ...verified };
    }
  }
  const log = await readFirstParentLog(repo, head);
  const root = log[log.length - 1];
  if (root === undefined) return { ok: false, head, commit: head, reason: 'main has no history', offenders: [{ commit: head, reason: 'main has no history' }] };
  const offenders: Offender[] = [];
  const rootProblem = await checkRoot(repo, root, pinned);
  if (rootProblem !== undefined) offenders.push({ commit: root.commit, reason: rootProblem });
  offenders.push(...(await checkMerges(repo, log)));
  const failed = failure(head, offenders);
  if (failed !== undefined) return failed;
  const verified = { head, root: root.commit, merges: log.length - 1 };
  verifiedTips.set(key, verified);
  return { ok: true, ...verified };
}

/** verifyKnowledge, or KNOWLEDGE_UNVERIFIED naming the first offending commit. Returns main's verified tip. */
export async function assertKnowledgeVerified(repo: string): Promise<string> {
  const result = await verifyKnowledge(repo);
  if (result.ok) return result.head;
  throw new OrchError('KNOWLEDGE_UNVERIFIED', `knowledge repo ${repo}: ${MAIN_REF} is not verified: ${result.reason}; no lessons are injected`, {
    data: { commit: result.commit, head: result.head, offenders: result.offenders },
    hint: `inspect it with \`git -C ${repo} show ${result.commit.slice(0, 12)}\`; put main back on its last reviewed merge, and bring the change in again as a proposal (orch lessons propose) for review`,
  });
}
