import { acquireClaim, recoverClaim } from '../git/claims-and-locks.js';
import { isStale } from '../git/lease-record.js';
import { releaseLease, type Lease, type LeaseRequest } from '../git/leases.js';
import type { Repo } from '../git/repo.js';
import type { WorkRequest } from '../git/landing-commit.js';
import { land, type LandResult } from '../git/landing.js';
import type { Session } from './session.js';

/**
 * A bead's claim while its attempt runs, and everything that must happen
 * under it: reading the tip to build on, landing (or failing) the bead,
 * publishing the run record, releasing. Two kinds: a claim in the project's
 * own repo (this machine arbitrates) and a claim on the project's shared
 * remote (remote-claim.ts: the remote arbitrates, the holder renews).
 */

export type LandOutcome =
  | { kind: 'landed'; commit: string; leftBehind: { path: string; reason: string }[] }
  | { kind: 'conflict'; tip: string; paths: string[] }
  /** A person's git kept index.lock; nothing landed. */
  | { kind: 'busy'; path: string }
  /** The claim was taken over: nothing landed. */
  | { kind: 'lost' }
  /** The branch moved to a tip where the bead is no longer open: nothing landed. */
  | { kind: 'declined' }
  | { kind: 'unreachable'; message: string };

export interface HeldClaim {
  /** Aborts when the claim is lost, so the attempt stops. */
  readonly lost: AbortSignal;
  /** The branch tip the attempt builds on, read after the claim was won. */
  tip(): Promise<string | null>;
  /** Put one commit on the target branch under this claim (`isOpen` tells whether the bead is still open at a newer tip). */
  land(work: WorkRequest, isOpen: (tip: string) => Promise<boolean>): Promise<LandOutcome>;
  /** Make the bead's run records durable where others can read them (a remote: push; local: already). */
  publish(id: string): Promise<void>;
  release(): Promise<void>;
}

export type ClaimResult = { won: true; claim: HeldClaim; recovered?: string } | { won: false; reason: string };

/** A claim in the project's own repo: compare-and-swap of a local ref, a lease long enough for the whole attempt. */
export class LocalClaim implements HeldClaim {
  readonly lost = new AbortController().signal;

  constructor(
    private readonly session: Session,
    private readonly repo: Repo,
    private readonly branch: string,
    private readonly lease: Lease,
  ) {}

  tip(): Promise<string | null> {
    return this.repo.refs.read(`refs/heads/${this.branch}`);
  }

  /**
   * Answers as soon as the branch has moved; the landing's index.lock settle
   * (landing.ts) finishes in the commit queue meanwhile, before that repo's
   * next landing (the runner waits for the queue before it returns).
   */
  land(work: WorkRequest): Promise<LandOutcome> {
    const outcome = (landed: LandResult): LandOutcome =>
      landed.kind === 'landed' ? { kind: 'landed', commit: landed.commit, leftBehind: landed.checkout?.leftBehind ?? [] } : landed;
    return new Promise<LandOutcome>((resolve, reject) => {
      let answered = false;
      const answer = (landed: LandResult): void => {
        answered = true;
        resolve(outcome(landed));
      };
      this.session.commits.run(this.repo.path, () => land(this.repo, { branch: this.branch, ...work, onLanded: answer })).then(answer, (error: unknown) => {
        if (!answered) {
          reject(error);
          return;
        }
        // The branch had moved already: the bead landed; only letting go of the locks failed.
        const message = error instanceof Error ? error.message : String(error);
        this.session.bus.emit({ type: 'warning', at: this.session.clock.now(), message: `after landing in ${this.repo.path}: ${message}` });
      });
    });
  }

  async publish(): Promise<void> {}

  async release(): Promise<void> {
    await releaseLease(this.repo, this.lease).catch(() => undefined);
  }
}

export async function claimLocally(session: Session, repo: Repo, branch: string, id: string, request: LeaseRequest): Promise<ClaimResult> {
  const first = await acquireClaim(repo, id, request);
  if (first.won) return { won: true, claim: new LocalClaim(session, repo, branch, first.lease) };
  if (first.current !== null && isStale(first.current.status)) {
    const second = await recoverClaim(repo, id, request);
    if (second.won) return { won: true, claim: new LocalClaim(session, repo, branch, second.lease), recovered: `claim of a ${first.current.status} holder taken over` };
  }
  return { won: false, reason: 'claimed by another runner' };
}
