import { randomBytes } from 'node:crypto';
import { assessLease, isStale, parseLease, serializeLease, type LeaseRecord, type LeaseStatus } from './lease-record.js';
import { HOST, holderAlive, processStartTime } from './process-alive.js';
import type { RefValue } from './ref-store.js';
import type { Repo } from './repo.js';

/**
 * Leases on refs: the one protocol behind claims and locks. A lease is a ref
 * pointing at a JSON blob (LeaseRecord). Every step is one compare-and-swap:
 *   acquire = create if absent; renew = swap from the exact value held;
 *   release = delete from the exact value held; recover = swap from the stale
 *   value observed (dead holder or expired lease) to a new grant.
 * Each grant carries a nonce, so a value is never reused (no ABA).
 */

export interface LeaseRequest {
  /** Who asks: a runner id, or "person@host". */
  holder: string;
  ttlMs: number;
  /** The holding process (default: this one); null for a lease that outlives its process. */
  pid?: number | null;
  runId?: string;
  note?: string;
}

/** A lease this process holds: the exact ref value to swap from. */
export interface Lease {
  ref: string;
  oid: string;
  record: LeaseRecord;
}

/** What a ref holds now, as seen by a reader. */
export interface LeaseState {
  ref: string;
  oid: string;
  /** undefined when the record is unreadable. */
  record: LeaseRecord | undefined;
  status: LeaseStatus;
}

export type AcquireResult = { won: true; lease: Lease; recovered?: LeaseState } | { won: false; current: LeaseState | null };
export type SwapResult = { ok: true; lease?: Lease } | { ok: false; current: LeaseState | null };

/** A new grant's record (a takeover names the stale value it replaced). */
export function makeRecord(repo: Repo, request: LeaseRequest, recovered?: LeaseState): LeaseRecord {
  const now = repo.clock.now();
  const pid = request.pid === undefined ? process.pid : request.pid;
  const pidStart = pid === null ? undefined : processStartTime(pid);
  return {
    version: 1,
    holder: request.holder,
    host: HOST,
    ...(pid === null ? {} : { pid }),
    ...(pidStart === undefined ? {} : { pidStart }),
    ...(request.runId === undefined ? {} : { runId: request.runId }),
    acquiredAt: new Date(now).toISOString(),
    leaseUntil: new Date(now + request.ttlMs).toISOString(),
    ttlMs: request.ttlMs,
    nonce: randomBytes(8).toString('hex'),
    ...(request.note === undefined ? {} : { note: request.note }),
    ...(recovered === undefined
      ? {}
      : {
          recovered: {
            oid: recovered.oid,
            reason: recovered.status === 'live' ? 'expired' : recovered.status,
            ...(recovered.record === undefined ? {} : { holder: recovered.record.holder }),
          },
        }),
  };
}

export function writeRecord(repo: Repo, record: LeaseRecord): string {
  return repo.objects.writeBlob(serializeLease(record));
}

/** The state of `ref` given its value (null: no lease). */
export async function stateOf(repo: Repo, ref: string, oid: RefValue): Promise<LeaseState | null> {
  if (oid === null) return null;
  let record: LeaseRecord | undefined;
  if (/^[0-9a-f]{40}$/.test(oid)) {
    const object = await repo.objects.read(oid, 'blob').catch(() => undefined);
    record = object === undefined ? undefined : parseLease(object.toString('utf8'));
  }
  return { ref, oid, record, status: assessLease(record, repo.clock.now(), holderAlive) };
}

export async function readLease(repo: Repo, ref: string): Promise<LeaseState | null> {
  return stateOf(repo, ref, await repo.refs.read(ref));
}

export async function listLeases(repo: Repo, prefix: string): Promise<LeaseState[]> {
  const refs = await repo.refs.list(prefix);
  const states = await Promise.all([...refs].map(([ref, oid]) => stateOf(repo, ref, oid)));
  return states.filter((state): state is LeaseState => state !== null);
}

/** Create the lease if nobody holds it. */
export async function acquireLease(repo: Repo, ref: string, request: LeaseRequest): Promise<AcquireResult> {
  const record = makeRecord(repo, request);
  const oid = writeRecord(repo, record);
  const result = await repo.refs.cas(ref, null, oid);
  if (result.ok) return { won: true, lease: { ref, oid, record } };
  return { won: false, current: await stateOf(repo, ref, result.actual) };
}

/** Take over a lease whose holder is dead or whose lease expired; a live lease is left alone. */
export async function recoverLease(repo: Repo, ref: string, request: LeaseRequest): Promise<AcquireResult> {
  const current = await readLease(repo, ref);
  if (current === null) return acquireLease(repo, ref, request);
  if (!isStale(current.status)) return { won: false, current };
  const record = makeRecord(repo, request, current);
  const oid = writeRecord(repo, record);
  const result = await repo.refs.cas(ref, current.oid, oid);
  if (result.ok) return { won: true, lease: { ref, oid, record }, recovered: current };
  return { won: false, current: await stateOf(repo, ref, result.actual) };
}

/** The record of a renewal: the same grant, a new deadline and a new nonce (so a new object id). */
export function renewedRecord(repo: Repo, record: LeaseRecord, ttlMs: number): LeaseRecord {
  return { ...record, leaseUntil: new Date(repo.clock.now() + ttlMs).toISOString(), ttlMs, nonce: randomBytes(8).toString('hex') };
}

/** Extend a held lease by `ttlMs` from now. */
export async function renewLease(repo: Repo, lease: Lease, ttlMs: number): Promise<SwapResult> {
  const record = renewedRecord(repo, lease.record, ttlMs);
  const oid = writeRecord(repo, record);
  const result = await repo.refs.cas(lease.ref, lease.oid, oid);
  if (result.ok) return { ok: true, lease: { ref: lease.ref, oid, record } };
  return { ok: false, current: await stateOf(repo, lease.ref, result.actual) };
}

/** Give a held lease back. Fails (without touching it) when someone recovered it meanwhile. */
export async function releaseLease(repo: Repo, lease: Lease): Promise<SwapResult> {
  const result = await repo.refs.cas(lease.ref, lease.oid, null);
  if (result.ok) return { ok: true };
  return { ok: false, current: await stateOf(repo, lease.ref, result.actual) };
}

export type ReleaseByNameResult =
  | { released: true; previous: LeaseState }
  | { released: false; reason: 'absent' }
  | { released: false; reason: 'not-holder'; current: LeaseState };

/**
 * Release whatever `ref` holds now, if its holder is `holder` (or `force`).
 * The delete swaps from the value just read, so a grant made in between is kept.
 */
export async function releaseByHolder(repo: Repo, ref: string, options: { holder?: string; force?: boolean }): Promise<ReleaseByNameResult> {
  for (;;) {
    const current = await readLease(repo, ref);
    if (current === null) return { released: false, reason: 'absent' };
    if (options.force !== true && current.record?.holder !== options.holder) return { released: false, reason: 'not-holder', current };
    const result = await repo.refs.cas(ref, current.oid, null);
    if (result.ok) return { released: true, previous: current };
  }
}

/**
 * "Ready and claim" in one step: try each ref in order (recovering stale
 * leases unless told not to) and return the first one won, or undefined.
 */
export async function acquireFirst(
  repo: Repo,
  refs: readonly string[],
  request: LeaseRequest,
  options: { recover?: boolean } = {},
): Promise<{ ref: string; lease: Lease; recovered?: LeaseState } | undefined> {
  for (const ref of refs) {
    let result = await acquireLease(repo, ref, request);
    if (!result.won && options.recover !== false && result.current !== null && isStale(result.current.status)) {
      result = await recoverLease(repo, ref, request);
    }
    if (result.won) return { ref, lease: result.lease, ...(result.recovered === undefined ? {} : { recovered: result.recovered }) };
  }
  return undefined;
}
