import type { WorkRequest } from '../git/landing-commit.js';
import type { LeaseRequest } from '../git/leases.js';
import { claimRef } from '../git/ref-name.js';
import { landOnRemote } from '../git/remote-landing.js';
import { acquireRemoteLease, releaseRemoteLease, renewRemoteLease, takeOverRemoteLease, type RemoteLease } from '../git/remote-leases.js';
import { publishRuns } from '../git/remote-runs.js';
import { isStale } from '../git/lease-record.js';
import type { ClaimResult, HeldClaim, LandOutcome } from './bead-claim.js';
import type { RemoteLink } from './remote-link.js';
import type { Session } from './session.js';

/**
 * A claim arbitrated by the project's shared remote (issue 10). Won by a
 * create-only push, or by a takeover of a claim this watcher has itself seen
 * sit expired for a whole lease; kept by a heartbeat (a compare-and-swap
 * push every third of the lease); given up by the landing push itself, which
 * deletes it atomically with the branch update. Renewals and the landing
 * never run at once (they both swap from the value held).
 */

const RELEASE_TRIES = 3;

export class RemoteClaim implements HeldClaim {
  private readonly controller = new AbortController();
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private done = false;
  private renewing = false;

  constructor(
    private readonly session: Session,
    private readonly link: RemoteLink,
    private lease: RemoteLease,
  ) {
    const every = Math.max(100, Math.floor(link.config.leaseMs / 3));
    this.timer = setInterval(() => {
      // A renewal still waiting on a silent remote is not queued behind by another.
      if (this.renewing) return;
      this.renewing = true;
      void this.exclusive(() => this.renew()).finally(() => {
        this.renewing = false;
      });
    }, every);
    this.timer.unref();
  }

  get lost(): AbortSignal {
    return this.controller.signal;
  }

  /** One swap from the held value at a time. */
  private exclusive<T>(step: () => Promise<T>): Promise<T> {
    const next = this.chain.then(step, step);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async renew(): Promise<void> {
    if (this.done) return;
    const renewed = await renewRemoteLease(this.link.repo, this.link.url, this.lease, this.link.config.leaseMs).catch((error: unknown) => ({ outcome: 'unreachable' as const, message: String(error), lease: this.lease }));
    if (renewed.outcome === 'lost') {
      this.stop();
      this.session.bus.emit({ type: 'warning', at: this.session.clock.now(), project: this.link.project.name, message: `claim ${this.lease.ref} was taken over by another watcher; this attempt stops and lands nothing` });
      this.controller.abort();
      return;
    }
    this.link.report('renew', renewed.outcome === 'ok', renewed.outcome === 'unreachable' ? renewed.message : 'renewed');
    if (renewed.lease !== undefined) this.lease = renewed.lease;
  }

  private stop(): void {
    this.done = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The remote's branch tip, fetched now that the claim is ours (a bead landed elsewhere just before is seen closed). */
  async tip(): Promise<string | null> {
    // Unreachable: build on the tip last fetched; a landing on a tip where the bead is closed is declined anyway.
    await this.link.refresh();
    return this.link.tip();
  }

  land(work: WorkRequest, isOpen: (tip: string) => Promise<boolean>): Promise<LandOutcome> {
    return this.exclusive(async (): Promise<LandOutcome> => {
      if (this.done) return { kind: 'lost' };
      const { leaseMs } = this.link.config;
      const result = await this.session.commits.run(this.link.repo.path, () =>
        landOnRemote(this.link.repo, {
          ...work,
          remote: this.link.url,
          branch: this.link.project.branch,
          lease: this.lease,
          accept: isOpen,
          deadline: Math.max(Date.parse(this.lease.record.leaseUntil), this.session.clock.now()) + leaseMs,
          onRetry: (message) => this.link.report('land', false, message),
        }),
      );
      if (result.kind === 'landed' || result.kind === 'lost') this.stop();
      if (result.kind === 'landed') {
        this.link.report('land', true, 'landed');
        return { kind: 'landed', commit: result.commit, leftBehind: [] };
      }
      if (result.kind === 'declined') return { kind: 'declined' };
      return result;
    });
  }

  async publish(id: string): Promise<void> {
    const deadline = this.session.clock.now() + this.link.config.leaseMs;
    let delay = 200;
    for (;;) {
      const result = await publishRuns(this.link.repo, this.link.url, id);
      if (result.kind === 'published' || result.kind === 'nothing') return;
      if (result.kind === 'refused' || this.session.clock.now() >= deadline) {
        this.link.queuePublish(id);
        this.session.bus.emit({ type: 'warning', at: this.session.clock.now(), project: this.link.project.name, message: `run record of ${id} kept here for now (${result.message}); it is pushed when the remote answers` });
        return;
      }
      this.link.report('publish', false, result.message);
      await this.session.clock.sleep(delay);
      delay = Math.min(delay * 2, 2000);
    }
  }

  release(): Promise<void> {
    return this.exclusive(async () => {
      if (this.done) return;
      this.stop();
      for (let attempt = 0; attempt < RELEASE_TRIES; attempt++) {
        const released = await releaseRemoteLease(this.link.repo, this.link.url, this.lease).catch(() => ({ outcome: 'lost' as const }));
        if (released.outcome !== 'unreachable') return;
        this.lease = released.lease;
        await this.session.clock.sleep(200 * 2 ** attempt);
      }
      // Still unanswered: the claim runs out by itself (and is taken over after its lease).
    });
  }
}

export async function claimOnRemote(session: Session, link: RemoteLink, id: string, request: LeaseRequest): Promise<ClaimResult> {
  const ref = claimRef(id);
  const ask = { ...request, ttlMs: link.config.leaseMs };
  const first = await acquireRemoteLease(link.repo, link.url, ref, ask);
  if (first.outcome === 'won') return { won: true, claim: new RemoteClaim(session, link, first.lease) };
  if (first.outcome === 'unreachable') {
    link.report('claim', false, first.message);
    return { won: false, reason: `the remote does not answer (${first.message}); the bead stays open` };
  }
  // Held. Taken over only when this watcher watched that very value sit past its lease.
  const seen = (await link.claims()).find((state) => state.ref === ref);
  if (seen === undefined || !isStale(seen.status)) return { won: false, reason: 'claimed by another watcher' };
  const second = await takeOverRemoteLease(link.repo, link.url, seen, ask);
  if (second.outcome !== 'won') return { won: false, reason: 'claimed by another watcher' };
  const holder = seen.record === undefined ? 'an unreadable claim' : `${seen.record.holder} on ${seen.record.host}, lease until ${seen.record.leaseUntil}`;
  return { won: true, claim: new RemoteClaim(session, link, second.lease), recovered: `claim of ${holder} (${seen.status}) taken over` };
}
