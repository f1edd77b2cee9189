/**
 * When did this process first see each lease value? A remote lease is taken
 * over only after its exact value sat unchanged, as watched from here, for a
 * whole lease length (see assessRemoteLease): the observation, not the
 * holder's clock, is what a takeover trusts. Pure bookkeeping; the caller
 * passes the time.
 */
export class LeaseObserver {
  private readonly seen = new Map<string, { oid: string; since: number }>();

  /** Record the values a listing returned (refs missing from it are forgotten). */
  observe(values: ReadonlyMap<string, string>, now: number): void {
    for (const ref of [...this.seen.keys()]) if (!values.has(ref)) this.seen.delete(ref);
    for (const [ref, oid] of values) this.see(ref, oid, now);
  }

  see(ref: string, oid: string, now: number): void {
    const known = this.seen.get(ref);
    if (known === undefined || known.oid !== oid) this.seen.set(ref, { oid, since: now });
  }

  /** How long `ref` has been seen holding `oid` (0 when first seen now, or holding something else). */
  unchangedFor(ref: string, oid: string, now: number): number {
    const known = this.seen.get(ref);
    return known === undefined || known.oid !== oid ? 0 : Math.max(0, now - known.since);
  }
}
