import { OrchError } from '../errors/index.js';
import { assessLease, assessRemoteLease, parseLease, type LeaseRecord } from './lease-record.js';
import type { LeaseObserver } from './lease-observer.js';
import { makeRecord, renewedRecord, writeRecord, type Lease, type LeaseRequest, type LeaseState } from './leases.js';
import type { PushVerdict } from './push-report.js';
import { fetchRefs, lsRemote, mirrorSpec, pushRefs, trackingRef, type RefUpdate } from './remote-transport.js';
import type { Repo } from './repo.js';

/**
 * Leases arbitrated by a remote (SPEC §1 refs, issue 10): the same records
 * as local claims and locks, but every step is a push the remote's
 * receive-pack checks under its own ref lock:
 *   acquire  = push creating the ref only if absent (`--force-with-lease=<ref>:`);
 *   renew    = push from the exact value held (the holder's heartbeat);
 *   release  = delete from the exact value held;
 *   takeover = push from the stale value observed, only once it is expired
 *              as watched from here (assessRemoteLease): never on the
 *              holder's pid or clock alone.
 * A push whose answer was lost may still have happened: its value is kept
 * as `unsure` and adopted if the remote turns out to hold it, so a heartbeat
 * lost on the wire does not lose the lease.
 */

export interface RemoteLease extends Lease {
  /** Values a push may have set without our hearing back; adopted when the remote holds one. */
  unsure: string[];
}

export type RemoteGrant =
  | { outcome: 'won'; lease: RemoteLease; recovered?: LeaseState }
  /** Somebody else holds it (a lost race, or a live holder). */
  | { outcome: 'held' }
  | { outcome: 'unreachable'; message: string };

export type RemoteSwap =
  | { outcome: 'ok'; lease: RemoteLease | undefined }
  /** The remote holds a value that is not ours: somebody took it over (or it was released). */
  | { outcome: 'lost' }
  /** Unknown; `lease` carries the new value as unsure, keep using it. */
  | { outcome: 'unreachable'; message: string; lease: RemoteLease };

function refused(ref: string, verdict: Extract<PushVerdict, { kind: 'rejected' }>): OrchError {
  const reasons = verdict.refused.map((r) => `${r.ref}: ${r.summary}`).join('; ');
  return new OrchError('REMOTE_REJECTED', `the remote refused to update ${ref}: ${reasons}`, {
    data: { ref, refused: verdict.refused },
    hint: 'check the remote allows pushes to refs/orch/* (a server-side hook or permission may block them)',
  });
}

/** What the remote holds at `ref` now (null: nothing), or undefined when it cannot be reached. */
async function remoteValue(repo: Repo, remote: string, ref: string): Promise<string | null | undefined> {
  const listed = await lsRemote(repo.path, remote, [ref]);
  if (listed.kind !== 'ok') return undefined;
  return listed.refs.get(ref) ?? null;
}

/** Note a value the remote now holds in the local tracking ref (best effort: a later fetch corrects it). */
async function track(repo: Repo, ref: string, value: string | null): Promise<void> {
  const tracking = trackingRef(ref);
  const current = await repo.refs.read(tracking).catch(() => undefined);
  if (current === undefined || current === value) return;
  await repo.refs.cas(tracking, current, value).catch(() => undefined);
}

async function grant(repo: Repo, remote: string, ref: string, expect: string | null, record: LeaseRecord, recovered?: LeaseState): Promise<RemoteGrant> {
  const oid = writeRecord(repo, record);
  const lease: RemoteLease = { ref, oid, record, unsure: [] };
  const won = (): RemoteGrant => ({ outcome: 'won', lease, ...(recovered === undefined ? {} : { recovered }) });
  const verdict = await pushRefs(repo.path, remote, [{ ref, to: oid, expect }]);
  if (verdict.kind === 'ok') {
    await track(repo, ref, oid);
    return won();
  }
  if (verdict.kind === 'rejected') {
    if (verdict.stale.includes(ref)) return { outcome: 'held' };
    throw refused(ref, verdict);
  }
  // The answer was lost: the push may have gone through. Our value is unique (nonce), so asking settles it.
  const now = await remoteValue(repo, remote, ref);
  if (now === oid) return won();
  // Absent: our push did not get through (the remote answers again, but did not then). Held: someone else's value.
  if (now === undefined || now === null || now === expect) return { outcome: 'unreachable', message: verdict.message };
  return { outcome: 'held' };
}

/** Create the lease on the remote if nobody holds it. */
export function acquireRemoteLease(repo: Repo, remote: string, ref: string, request: LeaseRequest): Promise<RemoteGrant> {
  return grant(repo, remote, ref, null, makeRecord(repo, request));
}

/** Replace a stale lease: a compare-and-swap from exactly the value that was judged stale. */
export function takeOverRemoteLease(repo: Repo, remote: string, stale: LeaseState, request: LeaseRequest): Promise<RemoteGrant> {
  return grant(repo, remote, stale.ref, stale.oid, makeRecord(repo, request, stale), stale);
}

/** The lease as the remote holds it now: adopt an unsure value it turned out to take. */
async function settle(repo: Repo, remote: string, lease: RemoteLease): Promise<RemoteLease | 'lost' | 'unreachable'> {
  const now = await remoteValue(repo, remote, lease.ref);
  if (now === undefined) return 'unreachable';
  if (now === lease.oid) return lease;
  if (now !== null && lease.unsure.includes(now)) {
    const object = await repo.objects.read(now, 'blob').catch(() => undefined);
    const record = object === undefined ? undefined : parseLease(object.toString('utf8'));
    if (record !== undefined) return { ref: lease.ref, oid: now, record, unsure: [] };
  }
  return 'lost';
}

/** Move a held lease to `next` (a new record, or null to delete) by compare-and-swap. */
async function swap(repo: Repo, remote: string, lease: RemoteLease, next: LeaseRecord | null): Promise<RemoteSwap> {
  const to = next === null ? null : writeRecord(repo, next);
  let held = lease;
  for (let round = 0; round < 3; round++) {
    const verdict = await pushRefs(repo.path, remote, [{ ref: held.ref, to, expect: held.oid }]);
    const after = to === null || next === null ? undefined : { ref: held.ref, oid: to, record: next, unsure: [] };
    if (verdict.kind === 'ok') {
      await track(repo, held.ref, to);
      return { outcome: 'ok', lease: after };
    }
    if (verdict.kind === 'unreachable') {
      return { outcome: 'unreachable', message: verdict.message, lease: { ...held, unsure: to === null ? held.unsure : [...held.unsure, to] } };
    }
    if (!verdict.stale.includes(held.ref)) throw refused(held.ref, verdict);
    // Who holds it now? Still us (a server-side lock clash), a value we pushed unheard, or somebody else.
    const settled = await settle(repo, remote, held);
    if (settled === 'unreachable') return { outcome: 'unreachable', message: 'the remote stopped answering', lease: held };
    if (settled === 'lost') return { outcome: 'lost' };
    held = settled;
  }
  return { outcome: 'lost' };
}

/** The holder's heartbeat: extend the lease by `ttlMs` from now. */
export function renewRemoteLease(repo: Repo, remote: string, lease: RemoteLease, ttlMs: number): Promise<RemoteSwap> {
  return swap(repo, remote, lease, renewedRecord(repo, lease.record, ttlMs));
}

/** Give the lease back (a delete from the exact value held). */
export function releaseRemoteLease(repo: Repo, remote: string, lease: RemoteLease): Promise<RemoteSwap> {
  return swap(repo, remote, lease, null);
}

/** The push expectation for a held lease inside a larger atomic push (e.g. a landing): delete it. */
export function releaseUpdate(lease: RemoteLease): RefUpdate {
  return { ref: lease.ref, to: null, expect: lease.oid };
}

/** Settle a lease whose atomic push came back stale or unanswered; see `settle`. */
export function settleRemoteLease(repo: Repo, remote: string, lease: RemoteLease): Promise<RemoteLease | 'lost' | 'unreachable'> {
  return settle(repo, remote, lease);
}

export type RemoteListing = { kind: 'ok'; leases: LeaseState[] } | { kind: 'unreachable'; message: string };

/**
 * Fetch the remote's leases under `prefix` (e.g. refs/orch/claims/) into the
 * tracking refs and judge each one, the observer remembering how long each
 * value has sat unchanged.
 */
export async function fetchRemoteLeases(repo: Repo, remote: string, prefix: string, observer: LeaseObserver | 'clock'): Promise<RemoteListing> {
  const fetched = await fetchRefs(repo.path, remote, [mirrorSpec(`${prefix}*`)], { prune: true });
  if (fetched.kind !== 'ok') return fetched;
  return { kind: 'ok', leases: await readTrackedLeases(repo, prefix, observer) };
}

/**
 * The leases last fetched under `prefix` (no network), judged with the
 * observer (claims: their holders renew), or by the clock alone ('clock':
 * locks taken from the CLI, which nobody renews and which simply run out).
 */
export async function readTrackedLeases(repo: Repo, prefix: string, observer: LeaseObserver | 'clock'): Promise<LeaseState[]> {
  const tracking = trackingRef(prefix);
  const values = new Map<string, string>();
  for (const [ref, oid] of await repo.refs.list(tracking)) values.set(prefix + ref.slice(tracking.length), oid);
  const now = repo.clock.now();
  if (observer !== 'clock') observer.observe(values, now);
  const states: LeaseState[] = [];
  for (const [ref, oid] of values) {
    const object = await repo.objects.read(oid, 'blob').catch(() => undefined);
    const record = object === undefined ? undefined : parseLease(object.toString('utf8'));
    const status = observer === 'clock' ? assessLease(record, now, () => undefined) : assessRemoteLease(record, now, observer.unchangedFor(ref, oid, now));
    states.push({ ref, oid, record, status });
  }
  return states;
}
