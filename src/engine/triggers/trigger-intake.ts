import { mkdir, readdir, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type Clock } from '../../sys/clock.js';
import { Coalescer } from './coalescer.js';
import { fsWatchSource, type DirWatch, type WatchSource } from './dir-watch.js';
import { parseHookNotice } from './hook-notice.js';
import type { WatchTarget } from './watch-targets.js';

/**
 * The watcher's trigger intake: one stream of "look at project P again"
 * from three sources, coalesced per project (one run at a time, a burst is
 * one wake, a change during a run queues exactly one rerun):
 *  (a) hook notices: the shipped hooks truncate `<triggersDir>/<project>.<hook>`
 *      (see hook-notice.ts); handled at once;
 *  (b) the fallback watch of each project's refs, `logs/HEAD`, `packed-refs`
 *      and `.agents/beads/` (commits with hooks bypassed, other tools), handled
 *      after a short debounce so the handler reads settled state;
 *  (c) a periodic rescan of every project (the safety net for lost events).
 * The handler re-reads what it needs; an event says only which project and why.
 */

export type TriggerReason = 'hook' | 'fs' | 'rescan';

export interface TriggerEvent {
  project: string;
  reason: TriggerReason;
  /** The hook's name, the changed entry's path, or 'start' / 'timer' for a rescan. */
  detail: string;
}

export interface IntakeProject {
  /** The project's name; also its hook notice key. */
  name: string;
  targets: readonly WatchTarget[];
}

export interface TriggerIntakeOptions {
  projects: readonly IntakeProject[];
  /** `<workspace>/.orch/run/triggers`: created empty on start, removed on stop. Omit to take no hook notices. */
  triggersDir?: string;
  onTrigger(event: TriggerEvent): Promise<void> | void;
  /** A handler that threw, or a watch that failed; the intake goes on. Default: ignore. */
  onError?(error: unknown, context: TriggerEvent | { dir: string }): void;
  clock?: Clock;
  watchSource?: WatchSource;
  /** Wait after a file-system event before handling it (default 25 ms). */
  fsDebounceMs?: number;
  /** Rescan every project this often (default 30 s; 0 = never). */
  rescanMs?: number;
  /** Rescan every project once at start (default true). */
  rescanAtStart?: boolean;
}

const STRENGTH: Record<TriggerReason, number> = { hook: 3, fs: 2, rescan: 1 };

export class TriggerIntake {
  private readonly clock: Clock;
  private readonly coalescer: Coalescer<TriggerEvent>;
  private readonly names: ReadonlySet<string>;
  private readonly watches: DirWatch[] = [];
  private readonly rescanStop = new AbortController();
  private rescanLoop: Promise<void> | undefined;
  private state: 'new' | 'running' | 'stopped' = 'new';

  constructor(private readonly options: TriggerIntakeOptions) {
    this.clock = options.clock ?? systemClock;
    this.names = new Set(options.projects.map((project) => project.name));
    const onError = options.onError ?? (() => undefined);
    this.coalescer = new Coalescer<TriggerEvent>({
      clock: this.clock,
      run: (_key, event) => options.onTrigger(event),
      merge: (pending, next) => (STRENGTH[next.reason] > STRENGTH[pending.reason] ? next : pending),
      onError: (error, _key, event) => onError(error, event),
    });
  }

  /** Starts every watch (armed when this resolves) and the rescan timer. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('TriggerIntake.start() called twice');
    this.state = 'running';
    const source = this.options.watchSource ?? fsWatchSource;
    const onError = this.options.onError ?? (() => undefined);
    const triggersDir = this.options.triggersDir;
    if (triggersDir !== undefined) {
      await clearTriggersDir(triggersDir);
      await mkdir(triggersDir, { recursive: true });
      this.watches.push(source.watchDir(triggersDir, (name) => this.onNotice(name), (error) => onError(error, { dir: triggersDir })));
    }
    const debounce = this.options.fsDebounceMs ?? 25;
    for (const project of this.options.projects) {
      for (const target of project.targets) {
        const watch = source.watchDir(
          target.dir,
          (name) => {
            if (target.accepts(name)) this.poke({ project: project.name, reason: 'fs', detail: name === '' ? target.dir : `${target.dir}/${name}` }, debounce);
          },
          (error) => onError(error, { dir: target.dir }),
        );
        this.watches.push(watch);
      }
    }
    if (this.options.rescanAtStart ?? true) this.rescan('start');
    const every = this.options.rescanMs ?? 30_000;
    if (every > 0) this.rescanLoop = this.runRescans(every);
  }

  /** Asks for a run of one project now (e.g. after the engine's own landing). */
  poke(event: TriggerEvent, delayMs = 0): void {
    if (this.state !== 'running' || !this.names.has(event.project)) return;
    this.coalescer.poke(event.project, event, delayMs);
  }

  /** Stops watching, removes the triggers dir (hooks go quiet), waits for running handlers. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.rescanStop.abort();
    for (const watch of this.watches.splice(0)) watch.close();
    if (this.options.triggersDir !== undefined) {
      await clearTriggersDir(this.options.triggersDir);
      await rmdir(this.options.triggersDir).catch(() => undefined);
    }
    await this.rescanLoop;
    await this.coalescer.stop();
  }

  private onNotice(name: string): void {
    const notice = parseHookNotice(name);
    if (notice === undefined) return;
    this.poke({ project: notice.key, reason: 'hook', detail: notice.hook }, 0);
  }

  private rescan(detail: string): void {
    for (const watch of this.watches) watch.refresh();
    for (const name of this.names) this.poke({ project: name, reason: 'rescan', detail }, 0);
  }

  private async runRescans(every: number): Promise<void> {
    const signal = this.rescanStop.signal;
    while (!signal.aborted) {
      await this.clock.sleep(every, signal);
      if (!signal.aborted) this.rescan('timer');
    }
  }
}

/** Deletes the hook notices a previous watcher left (only those: never a recursive delete). */
async function clearTriggersDir(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((name) => parseHookNotice(name) !== undefined).map((name) => unlink(join(dir, name)).catch(() => undefined)));
}
