import { formatMessage, orchSignature, parseTrailers } from './commit-message.js';
import { runRef } from './ref-name.js';
import { fetchRefs, mirrorSpec, pushRefs, trackingRef } from './remote-transport.js';
import type { Repo } from './repo.js';

/**
 * Publishing a bead's run records (`refs/orch/runs/<id>`, a chain of one
 * commit per attempt) to the project's remote. The local chain is appended
 * first (run-records.ts), so nothing depends on the network to be kept; then
 * the attempts the remote lacks are put on top of the remote's chain (other
 * machines' attempts stay, renumbered after them) and pushed by
 * compare-and-swap from the remote value just fetched. An unreachable remote
 * leaves the attempts local: a later publish sends them.
 */

export type PublishResult =
  | { kind: 'published'; tip: string }
  | { kind: 'nothing' }
  | { kind: 'unreachable'; message: string }
  /** The remote answered no for another reason than a race (a hook, a permission). */
  | { kind: 'refused'; message: string };

const ATTEMPT = 'Attempt';
const MAX_ROUNDS = 10;
/** Attempt chains are short; this bounds a walk over a corrupt one. */
const MAX_CHAIN = 10_000;

async function chainOf(repo: Repo, tip: string | null): Promise<string[]> {
  const out: string[] = [];
  let next: string | undefined = tip ?? undefined;
  while (next !== undefined && out.length < MAX_CHAIN) {
    out.push(next);
    next = (await repo.objects.readCommit(next)).parents[0];
  }
  return out;
}

/** Whether `oid` is one of the attempts in the chain ending at `tip`. */
export async function chainHolds(repo: Repo, tip: string, oid: string): Promise<boolean> {
  return (await chainOf(repo, tip)).includes(oid);
}

/** Put `commits` (oldest first) on top of `base`, numbering attempts after it. */
async function restack(repo: Repo, base: string, commits: readonly string[]): Promise<string> {
  let parent = base;
  let attempt = (await chainOf(repo, base)).length;
  for (const oid of commits) {
    const commit = await repo.objects.readCommit(oid);
    attempt++;
    const subject = commit.message.split('\n')[0] ?? `run`;
    const trailers = parseTrailers(commit.message).filter(([key]) => key !== ATTEMPT);
    const signature = orchSignature(commit.time);
    parent = repo.objects.writeCommit({ tree: commit.tree, parents: [parent], author: signature, committer: signature, message: formatMessage(subject, undefined, [...trailers, [ATTEMPT, String(attempt)]]) });
  }
  return parent;
}

export async function publishRuns(repo: Repo, remote: string, id: string): Promise<PublishResult> {
  const ref = runRef(id);
  const tracking = trackingRef(ref);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const local = await repo.refs.read(ref);
    if (local === null) return { kind: 'nothing' };
    // A glob that also matches the exact name: fetching a ref the remote lacks is then no error.
    const fetched = await fetchRefs(repo.path, remote, [mirrorSpec(`${ref}*`)], { prune: true });
    if (fetched.kind !== 'ok') return fetched;
    const remoteTip = await repo.refs.read(tracking);
    const remoteChain = new Set(await chainOf(repo, remoteTip));
    if (remoteChain.has(local)) {
      if (local !== remoteTip && remoteTip !== null) await repo.refs.cas(ref, local, remoteTip);
      return { kind: 'published', tip: remoteTip ?? local };
    }
    const localChain = await chainOf(repo, local);
    // The remote is behind (or empty): a fast-forward. Otherwise our attempts go on top of its chain.
    const next = remoteTip === null || localChain.includes(remoteTip) ? local : await restack(repo, remoteTip, localChain.filter((oid) => !remoteChain.has(oid)).reverse());
    await repo.objects.flush();
    const verdict = await pushRefs(repo.path, remote, [{ ref, to: next, expect: remoteTip }]);
    if (verdict.kind === 'unreachable') return verdict;
    if (verdict.kind === 'rejected') {
      if (verdict.stale.includes(ref)) continue;
      return { kind: 'refused', message: verdict.refused.map((r) => `${r.ref}: ${r.summary}`).join('; ') };
    }
    await repo.refs.cas(tracking, remoteTip, next).catch(() => undefined);
    if (next !== local) await repo.refs.cas(ref, local, next);
    return { kind: 'published', tip: next };
  }
  return { kind: 'unreachable', message: `${ref} kept moving on the remote` };
}
