import { OrchError } from '../errors/index.js';
import { git } from './exec.js';
import { commitOnTip, prepareWork, type WorkRequest } from './landing-commit.js';
import { checkRefName } from './ref-name.js';
import { releaseUpdate, settleRemoteLease, type RemoteLease } from './remote-leases.js';
import { fetchRefs, mirrorSpec, pushRefs, trackingRef, type RefUpdate } from './remote-transport.js';
import type { Repo } from './repo.js';

/**
 * Landing on a remote target branch (issue 10): the same one commit per
 * bead, pushed with `--force-with-lease=refs/heads/<branch>:<expected>` and,
 * in the same atomic push, the deletion of the claim it was made under, so
 * work lands only while its claim is still held and the claim goes exactly
 * when the work lands. When the branch moved, fetch, merge on top, push
 * again; when the remote does not answer, wait and retry until the deadline
 * (the same commit, so a push that went through unheard is recognised).
 */

export interface RemoteLandRequest extends WorkRequest {
  remote: string;
  /** Short branch name ("main"). */
  branch: string;
  /** Released by the landing push itself. */
  lease?: RemoteLease;
  /** Asked about each newer tip before landing on it; false: do not land (e.g. the bead is no longer open there). */
  accept?: (tip: string) => Promise<boolean>;
  /** Keep retrying an unreachable remote until this clock time. */
  deadline: number;
  /** First retry delay (doubles, at most 2 s). Default 200 ms. */
  retryMs?: number;
  signal?: AbortSignal;
  /** Told about each retry (for progress and events). */
  onRetry?: (message: string) => void;
}

export type RemoteLandResult =
  | { kind: 'landed'; commit: string; parent: string; tree: string; merge: 'none' | 'in-process' | 'merge-tree' }
  | { kind: 'conflict'; tip: string; paths: string[]; messages: string[] }
  /** The claim is not ours any more: nothing landed. */
  | { kind: 'lost' }
  /** `accept` refused the tip the branch moved to. */
  | { kind: 'declined'; tip: string }
  | { kind: 'unreachable'; message: string };

const MAX_RACES = 20;

async function isAncestor(repo: Repo, ancestor: string, descendant: string): Promise<boolean> {
  const result = await git(repo.path, ['merge-base', '--is-ancestor', ancestor, descendant], { reject: false });
  return result.exitCode === 0;
}

/** Fetch the branch into its tracking ref; its new value, or undefined when unreachable. */
async function fetchTip(repo: Repo, remote: string, ref: string): Promise<string | undefined> {
  const fetched = await fetchRefs(repo.path, remote, [mirrorSpec(ref)]);
  if (fetched.kind !== 'ok') return undefined;
  return (await repo.refs.read(trackingRef(ref))) ?? undefined;
}

async function track(repo: Repo, ref: string, from: string | null, to: string | null): Promise<void> {
  await repo.refs.cas(trackingRef(ref), from, to).catch(() => undefined);
}

export async function landOnRemote(repo: Repo, request: RemoteLandRequest): Promise<RemoteLandResult> {
  const ref = checkRefName(`refs/heads/${request.branch}`);
  const prepared = await prepareWork(repo, request);
  let tip = request.base;
  let lease = request.lease;
  let delay = request.retryMs ?? 200;
  let races = 0;
  let made = await commitOnTip(repo, prepared, tip);
  for (;;) {
    if (made.kind === 'conflict') return made;
    const { commit } = made;
    const landed: RemoteLandResult = { kind: 'landed', commit, parent: made.parent, tree: made.tree, merge: made.merge };
    await repo.objects.flush();
    const updates: RefUpdate[] = [{ ref, to: commit, expect: tip }, ...(lease === undefined ? [] : [releaseUpdate(lease)])];
    const verdict = await pushRefs(repo.path, request.remote, updates);
    if (verdict.kind === 'ok') {
      await track(repo, ref, tip, commit);
      if (lease !== undefined) await track(repo, lease.ref, lease.oid, null);
      return landed;
    }
    if (verdict.kind === 'rejected') {
      if (verdict.refused.length > 0) {
        throw new OrchError('REMOTE_REJECTED', `the remote refused the landing on ${request.branch}: ${verdict.refused.map((r) => `${r.ref}: ${r.summary}`).join('; ')}`, {
          data: { refused: verdict.refused },
          hint: 'check the remote accepts pushes to this branch and to refs/orch/* (protected branch, hook, permission)',
        });
      }
      if (++races > MAX_RACES) return { kind: 'unreachable', message: `${request.branch} kept moving on the remote` };
      if (lease !== undefined && verdict.stale.includes(lease.ref)) {
        const settled = await settleRemoteLease(repo, request.remote, lease);
        if (settled === 'lost') {
          // An earlier push of this very commit may have gone through unheard (which also released the claim).
          const now = await fetchTip(repo, request.remote, ref);
          return now !== undefined && (await isAncestor(repo, commit, now)) ? landed : { kind: 'lost' };
        }
        if (settled !== 'unreachable') lease = settled;
      }
      if (verdict.stale.includes(ref)) {
        const now = await fetchTip(repo, request.remote, ref);
        if (now !== undefined && now !== tip) {
          if (await isAncestor(repo, commit, now)) return landed;
          if (request.accept !== undefined && !(await request.accept(now))) return { kind: 'declined', tip: now };
          tip = now;
          made = await commitOnTip(repo, prepared, tip);
        }
      }
      continue;
    }
    // No answer: the push may or may not have happened. The same commit is pushed again (or found there).
    if (repo.clock.now() >= request.deadline || request.signal?.aborted === true) return { kind: 'unreachable', message: verdict.message };
    request.onRetry?.(`${verdict.message}; retrying in ${delay} ms`);
    await repo.clock.sleep(delay, request.signal);
    delay = Math.min(delay * 2, 2000);
  }
}
