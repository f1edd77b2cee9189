import { RUNS_PREFIX, runRef } from '../git/ref-name.js';
import { chainHolds } from '../git/remote-runs.js';
import { fetchRefs, mirrorSpec, trackingRef } from '../git/remote-transport.js';
import type { Session } from './session.js';

/**
 * Where a project's run records are read from. A project with a shared
 * remote keeps the whole story there (attempts made on every machine): it
 * is fetched first and read from the tracking refs; attempts this machine
 * has not pushed yet are read from its own refs. Without a remote, the
 * project's own refs/orch/runs/.
 */

export interface RunHeads {
  /** Bead id -> the ref holding its chain of attempts. */
  refs: Map<string, string>;
  /** Set when the remote could not be fetched (the refs are as last fetched). */
  stale?: string;
}

export async function runHeadsOf(session: Session, project: string, only?: string): Promise<RunHeads> {
  const repo = await session.repo(project);
  const link = await session.remote(project);
  const local = await repo.refs.list(RUNS_PREFIX);
  const refs = new Map<string, string>();
  for (const ref of local.keys()) refs.set(ref.slice(RUNS_PREFIX.length), ref);
  if (link === undefined) return { refs };
  const pattern = only === undefined ? `${RUNS_PREFIX}*` : `${runRef(only)}*`;
  const fetched = await fetchRefs(repo.path, link.url, [mirrorSpec(pattern)], { prune: true, timeoutMs: 15_000 });
  const tracked = await repo.refs.list(trackingRef(RUNS_PREFIX));
  for (const [ref, oid] of tracked) {
    const id = ref.slice(trackingRef(RUNS_PREFIX).length);
    const mine = local.get(runRef(id));
    // The remote's chain, unless ours holds attempts it lacks (not pushed yet): then ours.
    if (mine === undefined || (await chainHolds(repo, oid, mine))) refs.set(id, ref);
  }
  return fetched.kind === 'ok' ? { refs } : { refs, stale: fetched.message };
}
