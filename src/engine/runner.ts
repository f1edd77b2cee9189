import { beadKey } from '../beads/index.js';
import { runBead, type BeadResult } from './pipeline.js';
import { recoverWorkspace } from './recovery.js';
import type { Session } from './session.js';
import { readWorkspaceView } from './workspace-view.js';

/**
 * `orch run`: plan, run one wave (claimed, run in parallel, fully landed or
 * failed), plan again, until nothing is ready (or after one wave with
 * `once`). `orch watch` calls the same loop on every trigger.
 */

export interface RunOptions {
  once?: boolean;
  projects?: readonly string[];
  maxAgents?: number;
  signal?: AbortSignal;
}

export interface RunSummary {
  waves: number;
  results: BeadResult[];
}

/**
 * A bead that did not land is tried at most this often per engine run (one
 * runUntilIdle call: `orch run`, or one wake of the watcher, so a bead a
 * person re-opens runs again however often the watcher has seen it fail).
 */
const MAX_ATTEMPTS_PER_RUN = 2;

export class Runner {
  private wave = 0;
  private readonly reported = new Set<string>();
  private recovered = false;

  constructor(private readonly session: Session) {}

  async runUntilIdle(options: RunOptions = {}): Promise<RunSummary> {
    const { session } = this;
    if (!this.recovered) {
      await recoverWorkspace(session);
      this.recovered = true;
    }
    const results: BeadResult[] = [];
    let waves: number;
    try {
      waves = await this.runWaves(options, results);
    } finally {
      // Landings answer before their index.lock settle is over (bead-claim.ts): every lock is let go before returning.
      await session.commits.idle();
    }
    return { waves, results };
  }

  /** Plan and run waves until nothing is ready; returns how many ran. */
  private async runWaves(options: RunOptions, results: BeadResult[]): Promise<number> {
    const { session } = this;
    const attempts = new Map<string, number>();
    let waves = 0;
    for (;;) {
      if (options.signal?.aborted === true) break;
      // Remote projects: see beads committed and claims taken on other machines.
      await session.refreshRemotes();
      const view = await readWorkspaceView(session, {
        ...(options.projects === undefined ? {} : { projects: options.projects }),
        ...(options.maxAgents === undefined ? {} : { maxAgents: options.maxAgents }),
      });
      this.reportProblems(view.problems);
      const first = view.plan.waves[0];
      const beads = (first?.beads ?? []).filter((planned) => (attempts.get(planned.key) ?? 0) < MAX_ATTEMPTS_PER_RUN);
      if (beads.length === 0) break;
      const number = ++this.wave;
      waves++;
      session.bus.emit({ type: 'wave-start', at: session.clock.now(), wave: number, beads: beads.map((p) => ({ project: p.bead.project, id: p.bead.id, title: p.bead.title })) });
      const outcomes = await Promise.all(
        beads.map(async (planned) => {
          attempts.set(planned.key, (attempts.get(planned.key) ?? 0) + 1);
          try {
            return await runBead(session, { project: session.project(planned.bead.project), bead: planned.bead, wave: number }, options.signal);
          } catch (error) {
            const result: BeadResult = { project: planned.bead.project, bead: planned.bead.id, runId: '-', outcome: 'failed', reason: error instanceof Error ? error.message : String(error) };
            session.bus.emit({ type: 'bead-finished', at: session.clock.now(), wave: number, ...result });
            return result;
          }
        }),
      );
      results.push(...outcomes);
      for (const outcome of outcomes) if (outcome.outcome === 'landed') attempts.delete(beadKey({ project: outcome.project, id: outcome.bead }));
      session.bus.emit({ type: 'wave-end', at: session.clock.now(), wave: number, landed: outcomes.filter((o) => o.outcome === 'landed').length, failed: outcomes.filter((o) => o.outcome !== 'landed' && o.outcome !== 'skipped').length });
      if (options.once === true) break;
    }
    return waves;
  }

  private reportProblems(problems: readonly { file: string; line?: number; reason: string; project?: string }[]): void {
    for (const problem of problems) {
      const key = `${problem.file}:${problem.line ?? ''}:${problem.reason}`;
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      this.session.bus.emit({ type: 'problem', at: this.session.clock.now(), project: problem.project ?? '', file: problem.file, ...(problem.line === undefined ? {} : { line: problem.line }), reason: problem.reason });
    }
  }
}
