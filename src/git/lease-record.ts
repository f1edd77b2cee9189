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
