import type { BeadOutcome, EngineEvent } from '../engine/events.js';

/**
 * The dashboard's own state, folded from engine events: what runs now (with
 * a bounded tail of live output per run), recent waves, recent outcomes,
 * notices. Pure: no clock, no I/O; each fold returns a new model.
 */

export type RunPhase = 'claimed' | 'running' | 'validating';

export interface RunningSandbox {
  project: string;
  bead: string;
  runId: string;
  wave: number;
  phase: RunPhase;
  claimedAt: number;
  startedAt?: number;
  gateOk?: boolean;
  /** The last `limits.outputChars` characters of output, terminal escapes removed. */
  output: string;
  /** Characters dropped from the front so far. */
  droppedChars: number;
}

export interface FinishedBead {
  project: string;
  bead: string;
  runId: string;
  wave: number;
  outcome: BeadOutcome;
  reason?: string;
  commit?: string;
  runCommit?: string;
  at: number;
  /** The model's seq when this was folded (to tell it from a later source query). */
  seq: number;
}

export interface WaveView {
  wave: number;
  startedAt: number;
  endedAt?: number;
  beads: { project: string; id: string; title: string }[];
  landed?: number;
  failed?: number;
}

export interface Notice {
  at: number;
  kind: 'warning' | 'recovered' | 'lesson';
  message: string;
  project?: string;
}

export interface EventProblem {
  at: number;
  project: string;
  file: string;
  line?: number;
  reason: string;
}

export interface EngineStatus {
  state: 'unknown' | 'running' | 'idle' | 'stopped';
  mode?: 'run' | 'watch';
  projects: string[];
  since?: number;
  reason?: string;
}

export interface ViewModel {
  /** Bumped on every fold. */
  seq: number;
  engine: EngineStatus;
  running: RunningSandbox[];
  /** Oldest first. */
  waves: WaveView[];
  /** Newest first. */
  finished: FinishedBead[];
  /** Newest first. */
  notices: Notice[];
  problems: EventProblem[];
  lastTrigger?: { at: number; project: string; reason: string };
}

export interface ViewLimits {
  outputChars: number;
  finished: number;
  waves: number;
  notices: number;
  problems: number;
}

export const DEFAULT_LIMITS: ViewLimits = { outputChars: 64 * 1024, finished: 100, waves: 20, notices: 50, problems: 500 };

export interface Fold {
  model: ViewModel;
  /** The state part changed in a way clients should be sent (not for output). */
  push: boolean;
  /** The source may have changed: query it again. */
  requery: boolean;
}

export function createViewModel(): ViewModel {
  return { seq: 0, engine: { state: 'unknown', projects: [] }, running: [], waves: [], finished: [], notices: [], problems: [] };
}

export function foldEvent(prev: ViewModel, event: EngineEvent, limits: ViewLimits = DEFAULT_LIMITS): Fold {
  const model: ViewModel = { ...prev, seq: prev.seq + 1 };
  switch (event.type) {
    case 'engine-start':
      model.engine = { state: 'running', mode: event.mode, projects: event.projects, since: event.at };
      return { model, push: true, requery: true };
    case 'engine-stop':
      model.engine = { ...prev.engine, state: 'stopped', since: event.at, reason: event.reason };
      model.running = [];
      return { model, push: true, requery: true };
    case 'idle':
      model.engine = { ...prev.engine, state: 'idle', since: event.at };
      return { model, push: true, requery: true };
    case 'warning':
      model.notices = addCapped(prev.notices, { at: event.at, kind: 'warning', message: event.message, ...optional('project', event.project) }, limits.notices);
      return { model, push: true, requery: false };
    case 'recovered':
      model.notices = addCapped(prev.notices, { at: event.at, kind: 'recovered', message: `${event.project}/${event.bead}: ${event.detail}`, project: event.project }, limits.notices);
      return { model, push: true, requery: true };
    case 'problem':
      model.problems = addProblem(prev.problems, event, limits.problems);
      return { model, push: true, requery: true };
    case 'trigger':
      model.lastTrigger = { at: event.at, project: event.project, reason: event.reason };
      return { model, push: false, requery: true };
    case 'wave-start':
      model.engine = { ...prev.engine, state: 'running', since: event.at };
      model.waves = [...prev.waves.filter((w) => w.wave !== event.wave), { wave: event.wave, startedAt: event.at, beads: event.beads }].slice(-limits.waves);
      return { model, push: true, requery: true };
    case 'wave-end':
      model.waves = prev.waves.map((w) => (w.wave === event.wave ? { ...w, endedAt: event.at, landed: event.landed, failed: event.failed } : w));
      return { model, push: true, requery: true };
    case 'bead-claimed':
      model.running = upsertRun(prev.running, event, (found) => ({
        ...(found ?? newRun(event)),
        runId: event.runId,
        wave: event.wave,
      }));
      return { model, push: true, requery: true };
    case 'bead-started':
      model.running = upsertRun(prev.running, event, (found) => ({
        ...(found ?? newRun(event)),
        runId: event.runId,
        wave: event.wave,
        phase: 'running',
        startedAt: event.at,
      }));
      return { model, push: true, requery: false };
    case 'bead-gate': {
      const found = findRun(prev.running, event);
      if (found === undefined) return { model, push: false, requery: false };
      model.running = prev.running.map((r) => (r === found ? { ...r, phase: 'validating', gateOk: event.ok } : r));
      return { model, push: true, requery: false };
    }
    case 'bead-output': {
      const found = findRun(prev.running, event);
      if (found === undefined) return { model, push: false, requery: false };
      const tail = appendOutput(found.output, found.droppedChars, cleanOutput(event.chunk), limits.outputChars);
      model.running = prev.running.map((r) => (r === found ? { ...r, output: tail.text, droppedChars: tail.dropped } : r));
      return { model, push: false, requery: false };
    }
    case 'bead-finished': {
      const done: FinishedBead = {
        project: event.project,
        bead: event.bead,
        runId: event.runId,
        wave: event.wave,
        outcome: event.outcome,
        at: event.at,
        seq: model.seq,
        ...optional('reason', event.reason),
        ...optional('commit', event.commit),
        ...optional('runCommit', event.runCommit),
      };
      model.running = prev.running.filter((r) => !(r.project === event.project && r.bead === event.bead));
      model.finished = addCapped(prev.finished, done, limits.finished);
      return { model, push: true, requery: true };
    }
    case 'lesson-proposed': {
      const message = event.accepted
        ? `lesson ${event.slug} from ${event.project}/${event.bead} proposed for review`
        : `lesson ${event.slug} from ${event.project}/${event.bead} refused: ${event.reason ?? 'no reason given'}`;
      model.notices = addCapped(prev.notices, { at: event.at, kind: 'lesson', message, project: event.project }, limits.notices);
      return { model, push: true, requery: true };
    }
    default:
      return { model: prev, push: false, requery: false };
  }
}

/** Terminal output made fit for a text panel: escapes gone, CR as newline, no other control characters. */
export function cleanOutput(chunk: string): string {
  return chunk
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?/g, '') // OSC ... BEL / ST
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '') // CSI
    .replace(/\x1b[@-_]/g, '') // other two-character escapes
    .replace(/\r\n/g, '\n')
    .replace(/\r/g, '\n')
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}

/** Keeps the last `limit` characters of `text + chunk`, counting what was dropped. */
export function appendOutput(text: string, dropped: number, chunk: string, limit: number): { text: string; dropped: number } {
  const joined = text + chunk;
  if (joined.length <= limit) return { text: joined, dropped };
  const cut = joined.length - limit;
  return { text: joined.slice(cut), dropped: dropped + cut };
}

interface RunKey {
  project: string;
  bead: string;
}

function findRun(running: RunningSandbox[], key: RunKey): RunningSandbox | undefined {
  return running.find((r) => r.project === key.project && r.bead === key.bead);
}

function upsertRun(running: RunningSandbox[], key: RunKey, make: (found: RunningSandbox | undefined) => RunningSandbox): RunningSandbox[] {
  const found = findRun(running, key);
  if (found === undefined) return [...running, make(undefined)];
  return running.map((r) => (r === found ? make(found) : r));
}

function newRun(event: { at: number; project: string; bead: string; runId: string; wave: number }): RunningSandbox {
  return { project: event.project, bead: event.bead, runId: event.runId, wave: event.wave, phase: 'claimed', claimedAt: event.at, output: '', droppedChars: 0 };
}

function addCapped<T>(list: T[], item: T, cap: number): T[] {
  return [item, ...list].slice(0, cap);
}

function addProblem(list: EventProblem[], event: Extract<EngineEvent, { type: 'problem' }>, cap: number): EventProblem[] {
  const rest = list.filter((p) => !(p.project === event.project && p.file === event.file));
  const problem: EventProblem = { at: event.at, project: event.project, file: event.file, reason: event.reason, ...optional('line', event.line) };
  return [problem, ...rest].slice(0, cap);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
