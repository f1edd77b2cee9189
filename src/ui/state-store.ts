import type { EngineEvent } from '../engine/events.js';
import { isOrchError } from '../errors/index.js';
import type { Clock } from '../sys/clock.js';
import { DEFAULT_LAYOUT, layoutGraph, type GraphLayout, type LayoutOptions } from './layout.js';
import { overlayBeadStates } from './overlay.js';
import type { BeadInfo, ClaimInfo, DashboardSource, ProblemInfo, ProjectInfo, ProposalInfo } from './source.js';
import { createViewModel, DEFAULT_LIMITS, foldEvent, type ViewLimits, type ViewModel } from './view-model.js';

/**
 * The dashboard's state: the view model folded from events, plus the last
 * answers of the source. Source queries coalesce (debounced; one at a time;
 * a burst during a query causes exactly one more). Clients get the state as
 * parts; a push carries only the parts whose JSON changed since the last push.
 */

export const PART_NAMES = ['projects', 'beads', 'layout', 'claims', 'proposals', 'problems', 'model', 'source'] as const;
export type PartName = (typeof PART_NAMES)[number];

export interface SourceStatus {
  refreshing: boolean;
  fetchedAt?: number;
  /** One line per source method that failed in the last query. */
  errors: string[];
}

export interface StateStoreOptions {
  refreshDebounceMs: number;
  pushThrottleMs: number;
  limits: ViewLimits;
  layout: LayoutOptions;
}

export const DEFAULT_STORE: StateStoreOptions = { refreshDebounceMs: 150, pushThrottleMs: 50, limits: DEFAULT_LIMITS, layout: DEFAULT_LAYOUT };

interface Cache {
  projects: ProjectInfo[];
  beads: BeadInfo[];
  claims: ClaimInfo[];
  proposals: ProposalInfo[];
  problems: ProblemInfo[];
}

export class StateStore {
  private model: ViewModel = createViewModel();
  private cache: Cache = { projects: [], beads: [], claims: [], proposals: [], problems: [] };
  private status: SourceStatus = { refreshing: false, errors: [] };
  private fetchedSeq = -1;
  private version = 0;
  private readonly sent = new Map<PartName, string>();
  private layoutKey = '';
  private layoutJson = '';
  private refreshTimer: NodeJS.Timeout | undefined;
  private pushTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private rerun = false;
  private closed = false;

  constructor(
    private readonly source: DashboardSource,
    private readonly clock: Clock,
    private readonly onPush: (message: string) => void,
    private readonly options: StateStoreOptions = DEFAULT_STORE,
  ) {}

  /** Folds one engine event; schedules a push and a source query as it needs. */
  apply(event: EngineEvent): void {
    const fold = foldEvent(this.model, event, this.options.limits);
    this.model = fold.model;
    if (fold.requery) this.requestRefresh();
    if (fold.push) this.schedulePush();
  }

  /** Queries the source now (coalesced with any query already running), then pushes. */
  refresh(): Promise<void> {
    if (this.running !== undefined) {
      this.rerun = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.rerun = false;
        await this.fetchOnce();
        this.push();
      } while (this.rerun && !this.closed);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  currentModel(): ViewModel {
    return this.model;
  }

  beads(): BeadInfo[] {
    return overlayBeadStates(this.cache.beads, this.model, this.fetchedSeq);
  }

  cached<K extends keyof Cache>(key: K): Cache[K] {
    return this.cache[key];
  }

  /** Every part, as one JSON object (`/api/state` and a new client's first message). */
  fullJson(): string {
    return this.message(this.computeParts(), PART_NAMES);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.refreshTimer);
    clearTimeout(this.pushTimer);
  }

  private requestRefresh(): void {
    if (this.closed) return;
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh();
    }, this.options.refreshDebounceMs);
  }

  private schedulePush(): void {
    if (this.closed || this.pushTimer !== undefined) return;
    this.pushTimer = setTimeout(() => {
      this.pushTimer = undefined;
      this.push();
    }, this.options.pushThrottleMs);
  }

  private async fetchOnce(): Promise<void> {
    const seq = this.model.seq;
    this.status = { ...this.status, refreshing: true };
    const source = this.source;
    const [projects, beads, claims, proposals, problems] = await Promise.allSettled([
      source.projects(),
      source.beads(),
      source.claims(),
      source.proposals(),
      source.problems(),
    ]);
    const errors: string[] = [];
    const keep = <T>(name: string, result: PromiseSettledResult<T>, last: T): T => {
      if (result.status === 'fulfilled') return result.value;
      errors.push(`${name}: ${describeError(result.reason)}`);
      return last;
    };
    this.cache = {
      projects: keep('projects', projects, this.cache.projects),
      beads: keep('beads', beads, this.cache.beads),
      claims: keep('claims', claims, this.cache.claims),
      proposals: keep('proposals', proposals, this.cache.proposals),
      problems: keep('problems', problems, this.cache.problems),
    };
    this.fetchedSeq = seq;
    this.status = { refreshing: false, fetchedAt: this.clock.now(), errors };
  }

  private push(): void {
    if (this.closed) return;
    clearTimeout(this.pushTimer);
    this.pushTimer = undefined;
    const parts = this.computeParts();
    const changed = PART_NAMES.filter((name) => this.sent.get(name) !== parts[name]);
    if (changed.length === 0) return;
    for (const name of changed) this.sent.set(name, parts[name]);
    this.version += 1;
    this.onPush(this.message(parts, changed));
  }

  private computeParts(): Record<PartName, string> {
    const beads = this.beads();
    const beadsJson = JSON.stringify(beads);
    const projectNames = this.cache.projects.map((p) => p.name);
    const key = `${projectNames.join('\n')}\n${beadsJson}`;
    if (key !== this.layoutKey) {
      const layout: GraphLayout = layoutGraph(beads, projectNames, this.options.layout);
      this.layoutKey = key;
      this.layoutJson = JSON.stringify(layout);
    }
    return {
      projects: JSON.stringify(this.cache.projects),
      beads: beadsJson,
      layout: this.layoutJson,
      claims: JSON.stringify(this.cache.claims),
      proposals: JSON.stringify(this.cache.proposals),
      problems: JSON.stringify(this.cache.problems),
      model: JSON.stringify(this.model),
      source: JSON.stringify(this.status),
    };
  }

  private message(parts: Record<PartName, string>, names: readonly PartName[]): string {
    return `{"version":${this.version}${names.map((name) => `,"${name}":${parts[name]}`).join('')}}`;
  }
}

function describeError(error: unknown): string {
  if (isOrchError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
