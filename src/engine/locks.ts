import { OrchError } from '../errors/index.js';
import { acquireLock, listLocks, releaseLock, type NamedLease } from '../git/claims-and-locks.js';
import { isStale } from '../git/lease-record.js';
import type { AcquireResult, LeaseRequest, LeaseState, ReleaseByNameResult } from '../git/leases.js';
import { LOCKS_PREFIX, lockRef } from '../git/ref-name.js';
import { acquireRemoteLease, fetchRemoteLeases, takeOverRemoteLease } from '../git/remote-leases.js';
import { pushRefs } from '../git/remote-transport.js';
import type { RemoteLink } from './remote-link.js';
import type { Session } from './session.js';

/**
 * `orch lock` for a project: in its repo, or, when the project has a shared
 * remote, on the remote (issue 10), so every machine sees the same locks.
 * A lock from the CLI belongs to no process and nobody renews it: on a
 * remote it is taken over once its lease ran out by the clock, by a
 * compare-and-swap from the expired value seen.
 */

function unreachable(link: RemoteLink, message: string): OrchError {
  return new OrchError('REMOTE_UNREACHABLE', `the remote of ${link.project.name} (${link.url}) does not answer: ${message}`, {
    data: { project: link.project.name, remote: link.url },
    hint: 'check the network and the remote, then try again (nothing was changed)',
  });
}

async function remoteLocks(link: RemoteLink): Promise<LeaseState[]> {
  const listed = await fetchRemoteLeases(link.repo, link.url, LOCKS_PREFIX, 'clock');
  if (listed.kind !== 'ok') throw unreachable(link, listed.message);
  return listed.leases;
}

export async function acquireProjectLock(session: Session, project: string, name: string, request: LeaseRequest): Promise<AcquireResult> {
  const link = await session.remote(project);
  if (link === undefined) return acquireLock(await session.repo(project), name, request);
  const ref = lockRef(name);
  const first = await acquireRemoteLease(link.repo, link.url, ref, request);
  if (first.outcome === 'unreachable') throw unreachable(link, first.message);
  if (first.outcome === 'won') return { won: true, lease: first.lease };
  const current = (await remoteLocks(link)).find((state) => state.ref === ref) ?? null;
  if (current === null || !isStale(current.status)) return { won: false, current };
  const second = await takeOverRemoteLease(link.repo, link.url, current, request);
  if (second.outcome === 'unreachable') throw unreachable(link, second.message);
  if (second.outcome === 'won') return { won: true, lease: second.lease, recovered: current };
  return { won: false, current: (await remoteLocks(link)).find((state) => state.ref === ref) ?? null };
}

export async function releaseProjectLock(session: Session, project: string, name: string, options: { holder?: string; force?: boolean }): Promise<ReleaseByNameResult> {
  const link = await session.remote(project);
  if (link === undefined) return releaseLock(await session.repo(project), name, options);
  const ref = lockRef(name);
  for (let round = 0; round < 5; round++) {
    const current = (await remoteLocks(link)).find((state) => state.ref === ref);
    if (current === undefined) return { released: false, reason: 'absent' };
    if (options.force !== true && current.record?.holder !== options.holder) return { released: false, reason: 'not-holder', current };
    if (current.record === undefined && options.force !== true) return { released: false, reason: 'not-holder', current };
    // The delete swaps from the value just read, so a grant made in between is kept.
    const verdict = await pushRefs(link.repo.path, link.url, [{ ref, to: null, expect: current.oid }]);
    if (verdict.kind === 'ok') return { released: true, previous: current };
    if (verdict.kind === 'unreachable') throw unreachable(link, verdict.message);
  }
  throw new OrchError('REF_CONFLICT', `lock ${name} in ${project} kept changing on the remote; nothing released`, { data: { project, name } });
}

export async function listProjectLocks(session: Session, project: string): Promise<NamedLease[]> {
  const link = await session.remote(project);
  if (link === undefined) return listLocks(await session.repo(project));
  return (await remoteLocks(link)).map((state) => ({ ...state, name: state.ref.slice(LOCKS_PREFIX.length) }));
}
