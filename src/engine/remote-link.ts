import { CLAIMS_PREFIX, RUNS_PREFIX } from '../git/ref-name.js';
import { publishRuns } from '../git/remote-runs.js';
import { LeaseObserver } from '../git/lease-observer.js';
import type { LeaseState } from '../git/leases.js';
import { readTrackedLeases } from '../git/remote-leases.js';
import { fetchRefs, mirrorSpec, trackingRef } from '../git/remote-transport.js';
import type { Repo } from '../git/repo.js';
import type { ProjectConfig, RemoteConfig } from '../workspace/index.js';
import type { EventBus, RemoteOp } from './events.js';

/**
 * One project's link to its shared remote (issue 10): the fetch that brings
 * the remote's target branch and claims into tracking refs (one at a time;
 * callers that arrive during a fetch share it), the observer that times how
 * long each foreign claim sat unchanged, and the reachability the person
 * is told about (one event when the remote stops answering, one when it is
 * back, not one per retry).
 */

export interface RefreshResult {
  ok: boolean;
  /** The branch tip or a claim changed since the last refresh. */
  changed: boolean;
}

export class RemoteLink {
  readonly config: RemoteConfig;
  readonly branchRef: string;
  /** Where the remote's branch is mirrored: the ref beads are read from. */
  readonly tipRef: string;
  readonly observer = new LeaseObserver();
  private inFlight: Promise<RefreshResult> | undefined;
  private reachable = true;
  private lastFetchAt: number | undefined;
  private lastError: string | undefined;
  /** Beads whose run records are only here so far (the remote did not answer). */
  private readonly unpublished = new Set<string>();

  constructor(
    readonly project: ProjectConfig & { remote: RemoteConfig },
    readonly repo: Repo,
    private readonly bus: EventBus,
  ) {
    this.config = project.remote;
    this.branchRef = `refs/heads/${project.branch}`;
    this.tipRef = trackingRef(this.branchRef);
  }

  get url(): string {
    return this.config.url;
  }

  /** Fetch the branch and the claims (shared with a fetch already running). */
  refresh(): Promise<RefreshResult> {
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetch(): Promise<RefreshResult> {
    const before = await this.snapshot();
    const result = await fetchRefs(this.repo.path, this.url, [mirrorSpec(this.branchRef), mirrorSpec(`${CLAIMS_PREFIX}*`)], { prune: true, timeoutMs: 15_000 });
    if (result.kind !== 'ok') {
      this.report('fetch', false, result.message);
      return { ok: false, changed: false };
    }
    this.report('fetch', true, 'fetched');
    this.lastFetchAt = this.repo.clock.now();
    await this.publishPending();
    return { ok: true, changed: (await this.snapshot()) !== before };
  }

  /** Remember a bead whose run records still have to reach the remote. */
  queuePublish(id: string): void {
    this.unpublished.add(id);
  }

  /** Queue every bead whose local run records the remote has not been seen to hold (after a restart). */
  async findUnpublished(): Promise<void> {
    const local = await this.repo.refs.list(RUNS_PREFIX);
    const published = await this.repo.refs.list(trackingRef(RUNS_PREFIX));
    for (const [ref, oid] of local) {
      const id = ref.slice(RUNS_PREFIX.length);
      if (published.get(trackingRef(ref)) !== oid) this.unpublished.add(id);
    }
  }

  private async publishPending(): Promise<void> {
    for (const id of [...this.unpublished]) {
      const result = await publishRuns(this.repo, this.url, id).catch(() => undefined);
      if (result === undefined || result.kind === 'unreachable') return;
      this.unpublished.delete(id);
    }
  }

  private async snapshot(): Promise<string> {
    const claims = await this.repo.refs.list(trackingRef(CLAIMS_PREFIX));
    return JSON.stringify([await this.repo.refs.read(this.tipRef), [...claims]]);
  }

  /** The remote's claims as last fetched, judged by how long each sat unchanged here. */
  claims(): Promise<LeaseState[]> {
    return readTrackedLeases(this.repo, CLAIMS_PREFIX, this.observer);
  }

  /** The remote branch tip as last fetched. */
  tip(): Promise<string | null> {
    return this.repo.refs.read(this.tipRef);
  }

  /** Say when the remote stops or starts answering (once per change, not per retry). */
  report(op: RemoteOp, ok: boolean, detail: string): void {
    if (!ok) this.lastError = detail;
    if (ok === this.reachable) return;
    this.reachable = ok;
    this.bus.emit({
      type: 'remote',
      at: this.repo.clock.now(),
      project: this.project.name,
      op,
      ok,
      detail: ok ? `${this.url} answers again` : `${this.url} does not answer (${detail}); retrying`,
    });
  }

  status(): { url: string; reachable: boolean; lastFetchAt: number | undefined; lastError: string | undefined } {
    return { url: this.url, reachable: this.reachable, lastFetchAt: this.lastFetchAt, lastError: this.reachable ? undefined : this.lastError };
  }
}
