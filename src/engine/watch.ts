import { isOrchError } from '../errors/index.js';
import { Coalescer, startTriggerIntake, type TriggerEvent } from './triggers/index.js';
import { acquireWatcherLock } from './watcher-lock.js';
import { startRemotePolling } from './remote-poll.js';
import { Runner } from './runner.js';
import type { Session } from './session.js';

/**
 * `orch watch`: one watcher per workspace. Hook notices, ref and bead-dir
 * changes and a periodic re-scan wake the runner; bursts coalesce (one run
 * at a time, and a trigger during a run queues exactly one more).
 */
export interface WatchOptions {
  signal: AbortSignal;
  maxAgents?: number;
  /** Called once the watcher is listening (tests wait for it). */
  onReady?: () => void;
}

export async function watchWorkspace(session: Session, options: WatchOptions): Promise<void> {
  const lock = await acquireWatcherLock(session.dirs.root);
  const runner = new Runner(session);
  const runOptions = { signal: options.signal, ...(options.maxAgents === undefined ? {} : { maxAgents: options.maxAgents }) };
  // One run at a time; triggers during a run queue exactly one more.
  const runs = new Coalescer<null>({
    clock: session.clock,
    run: async () => {
      await runner.runUntilIdle(runOptions);
      if (!options.signal.aborted) session.bus.emit({ type: 'idle', at: session.clock.now() });
    },
    merge: () => null,
    onError: (error) => session.bus.emit({ type: 'warning', at: session.clock.now(), message: `run failed: ${isOrchError(error) ? error.message : String(error)}` }),
  });
  const kick = (): void => {
    if (!options.signal.aborted) runs.poke('engine', null);
  };

  const intake = await startTriggerIntake({
    runDir: session.dirs.root,
    repos: session.config.projects.map((p) => ({ name: p.name, repo: p.path, branch: p.branch })),
    onTrigger: (event: TriggerEvent) => {
      session.bus.emit({ type: 'trigger', at: session.clock.now(), project: event.project, reason: event.reason });
      kick();
    },
    onError: (error: unknown) => {
      session.bus.emit({ type: 'warning', at: session.clock.now(), message: `watch: ${error instanceof Error ? error.message : String(error)}` });
    },
  });
  const stopPolling = startRemotePolling(session, (project) => {
    session.bus.emit({ type: 'trigger', at: session.clock.now(), project, reason: 'remote changed' });
    kick();
  });
  try {
    options.onReady?.();
    kick();
    await new Promise<void>((resolve) => {
      if (options.signal.aborted) resolve();
      else options.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    stopPolling();
    await intake.stop();
    await runs.stop();
    await lock.release();
  }
}
