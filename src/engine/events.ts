/**
 * What the engine tells the world. The terminal view, the dashboard and
 * `--json` logs subscribe to these; nothing reaches into engine state.
 */

export type BeadOutcome = 'landed' | 'rejected' | 'failed' | 'conflict' | 'lost-claim' | 'skipped';

/** How one bead's attempt ended: what the runner returns and `bead-finished` carries. */
export interface BeadResult {
  project: string;
  bead: string;
  runId: string;
  outcome: BeadOutcome;
  reason?: string;
  /** The landing commit. */
  commit?: string;
  /** The attempt's commit in refs/orch/runs/<bead>. */
  runCommit?: string;
}

export type RemoteOp = 'fetch' | 'claim' | 'renew' | 'release' | 'publish' | 'land';

export type EngineEvent =
  | { type: 'engine-start'; at: number; projects: string[]; mode: 'run' | 'watch' }
  | { type: 'engine-stop'; at: number; reason: string }
  | { type: 'warning'; at: number; message: string; project?: string }
  | { type: 'problem'; at: number; project: string; file: string; line?: number; reason: string }
  | { type: 'recovered'; at: number; project: string; bead: string; detail: string }
  | { type: 'wave-start'; at: number; wave: number; beads: { project: string; id: string; title: string }[] }
  | { type: 'wave-end'; at: number; wave: number; landed: number; failed: number }
  | { type: 'bead-claimed'; at: number; wave: number; project: string; bead: string; runId: string }
  | { type: 'bead-started'; at: number; wave: number; project: string; bead: string; runId: string }
  | { type: 'bead-output'; at: number; project: string; bead: string; runId: string; chunk: string }
  | { type: 'bead-gate'; at: number; project: string; bead: string; runId: string; ok: boolean }
  | ({ type: 'bead-finished'; at: number; wave: number; leftBehind?: string[] } & BeadResult)
  | { type: 'lesson-proposed'; at: number; project: string; bead: string; slug: string; accepted: boolean; reason?: string }
  | { type: 'trigger'; at: number; project: string; reason: string }
  /** Trouble with (or recovery of) a project's shared remote: ok false while it does not answer, true when it answers again. */
  | { type: 'remote'; at: number; project: string; op: RemoteOp; ok: boolean; detail: string }
  | { type: 'idle'; at: number };

export type EngineEventType = EngineEvent['type'];

export type Listener = (event: EngineEvent) => void;

/** A tiny typed event bus; a listener that throws never breaks the engine. */
export class EventBus {
  private readonly listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: EngineEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken subscriber must not stop the engine.
      }
    }
  }
}
