import { z } from 'zod';

/**
 * The record a claim or lock ref points at (a blob of JSON), and how alive
 * it is. Pure: the clock reading and the liveness test are passed in.
 */

export const LeaseRecordSchema = z.looseObject({
  version: z.literal(1),
  /** Who holds it: a runner id, or "person@host" for `orch lock acquire`. */
  holder: z.string().min(1),
  host: z.string().min(1),
  /** The holding process; absent when the lease outlives its process (a lock taken from the CLI). */
  pid: z.number().int().positive().optional(),
  /** The process's start time (Linux clock ticks since boot), so a reused pid is not mistaken for the holder. */
  pidStart: z.number().int().nonnegative().optional(),
  runId: z.string().optional(),
  acquiredAt: z.iso.datetime(),
  leaseUntil: z.iso.datetime(),
  /** How long each grant or renewal lasts; a holder renews well within it (remote claims renew every third). */
  ttlMs: z.number().int().positive().optional(),
  /** Unique per grant, so two grants never share an object id (no ABA). */
  nonce: z.string().min(8),
  note: z.string().optional(),
  /** Set when this grant replaced a dead or expired holder. */
  recovered: z.object({ oid: z.string(), holder: z.string().optional(), reason: z.enum(['dead', 'expired', 'corrupt']) }).optional(),
});

export type LeaseRecord = z.infer<typeof LeaseRecordSchema>;

/** live: held. dead: its process is gone (same host). expired: lease ran out. corrupt: unreadable record. */
export type LeaseStatus = 'live' | 'dead' | 'expired' | 'corrupt';

export function serializeLease(record: LeaseRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

export function parseLease(text: string): LeaseRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = LeaseRecordSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** Answers whether a process is alive: true, false, or undefined when it cannot tell (another host). */
export type Liveness = (record: LeaseRecord) => boolean | undefined;

export function assessLease(record: LeaseRecord | undefined, now: number, isAlive: Liveness): LeaseStatus {
  if (record === undefined) return 'corrupt';
  if (isAlive(record) === false) return 'dead';
  if (Date.parse(record.leaseUntil) <= now) return 'expired';
  return 'live';
}

export function isStale(status: LeaseStatus): boolean {
  return status !== 'live';
}

/** The lease length a record promises: its ttlMs, or (older records) leaseUntil - acquiredAt. */
export function leaseLengthOf(record: LeaseRecord): number {
  return record.ttlMs ?? Math.max(0, Date.parse(record.leaseUntil) - Date.parse(record.acquiredAt));
}

/**
 * A lease arbitrated by a remote, seen from another machine. The holder's pid
 * means nothing here (same host name is no proof of the same host), and its
 * clock may be off: it counts as expired only when its leaseUntil has passed
 * on our clock AND we have watched this exact value (same object id: every
 * renewal makes a new one) sit unchanged for a whole lease length, so a
 * holder that keeps renewing is never taken over, whatever the clocks say.
 */
export function assessRemoteLease(record: LeaseRecord | undefined, now: number, unchangedForMs: number): LeaseStatus {
  if (record === undefined) return unchangedForMs >= CORRUPT_GRACE_MS ? 'corrupt' : 'live';
  if (Date.parse(record.leaseUntil) > now) return 'live';
  return unchangedForMs >= leaseLengthOf(record) ? 'expired' : 'live';
}

/** An unreadable remote record is left alone this long before it may be replaced. */
export const CORRUPT_GRACE_MS = 60_000;
