import {
  acquireFirst,
  acquireLease,
  listLeases,
  readLease,
  recoverLease,
  releaseByHolder,
  type AcquireResult,
  type Lease,
  type LeaseRequest,
  type LeaseState,
  type ReleaseByNameResult,
} from './leases.js';
import { CLAIMS_PREFIX, LOCKS_PREFIX, claimRef, lockRef } from './ref-name.js';
import type { Repo } from './repo.js';

/**
 * Claims (`refs/orch/claims/<id>`) and locks (`refs/orch/locks/<name>`): the
 * same lease protocol under two names. Renew and release of a held lease are
 * `renewLease` / `releaseLease` from leases.ts.
 */

export interface NamedLease extends LeaseState {
  /** The claim id or lock name (the last ref component). */
  name: string;
}

function named(prefix: string, state: LeaseState): NamedLease {
  return { ...state, name: state.ref.slice(prefix.length) };
}

export function acquireClaim(repo: Repo, id: string, request: LeaseRequest): Promise<AcquireResult> {
  return acquireLease(repo, claimRef(id), request);
}

export function recoverClaim(repo: Repo, id: string, request: LeaseRequest): Promise<AcquireResult> {
  return recoverLease(repo, claimRef(id), request);
}

export async function readClaim(repo: Repo, id: string): Promise<NamedLease | null> {
  const state = await readLease(repo, claimRef(id));
  return state === null ? null : named(CLAIMS_PREFIX, state);
}

export async function listClaims(repo: Repo): Promise<NamedLease[]> {
  return (await listLeases(repo, CLAIMS_PREFIX)).map((state) => named(CLAIMS_PREFIX, state));
}

/** Claim the first of `ids` that can be claimed (stale claims are recovered). */
export async function claimFirst(
  repo: Repo,
  ids: readonly string[],
  request: LeaseRequest,
  options: { recover?: boolean } = {},
): Promise<{ id: string; lease: Lease; recovered?: LeaseState } | undefined> {
  const won = await acquireFirst(repo, ids.map(claimRef), request, options);
  return won === undefined ? undefined : { id: won.ref.slice(CLAIMS_PREFIX.length), lease: won.lease, ...(won.recovered === undefined ? {} : { recovered: won.recovered }) };
}

/** Take a lock; a stale one (dead holder, expired lease) is recovered. */
export async function acquireLock(repo: Repo, name: string, request: LeaseRequest): Promise<AcquireResult> {
  const ref = lockRef(name);
  const result = await acquireLease(repo, ref, request);
  if (result.won || result.current === null || result.current.status === 'live') return result;
  return recoverLease(repo, ref, request);
}

/** Release a lock by name: only its holder may, unless `force`. */
export function releaseLock(repo: Repo, name: string, options: { holder?: string; force?: boolean }): Promise<ReleaseByNameResult> {
  return releaseByHolder(repo, lockRef(name), options);
}

export async function readLock(repo: Repo, name: string): Promise<NamedLease | null> {
  const state = await readLease(repo, lockRef(name));
  return state === null ? null : named(LOCKS_PREFIX, state);
}

export async function listLocks(repo: Repo): Promise<NamedLease[]> {
  return (await listLeases(repo, LOCKS_PREFIX)).map((state) => named(LOCKS_PREFIX, state));
}
