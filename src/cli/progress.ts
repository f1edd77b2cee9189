import type { EngineEvent } from '../engine/events.js';

/**
 * Engine progress for a person: plain lines when stdout is not a terminal,
 * and on a terminal a live block per running wave (redrawn in place).
 */

interface BeadLine {
  key: string;
  text: string;
  state: 'running' | 'done';
}

const OUTCOME_MARK: Record<string, string> = {
  landed: 'landed',
  rejected: 'REJECTED',
  failed: 'FAILED',
  conflict: 'CONFLICT',
  'lost-claim': 'lost claim',
  skipped: 'skipped',
};

export function describeEvent(event: EngineEvent): string | undefined {
  switch (event.type) {
    case 'engine-start':
      return `orch ${event.mode}: ${event.projects.length} project(s): ${event.projects.join(', ')}`;
    case 'engine-stop':
      return `orch: stopped (${event.reason})`;
    case 'warning':
      return `warning: ${event.project === undefined ? '' : `${event.project}: `}${event.message}`;
    case 'problem':
      return `invalid bead ${event.file}${event.line === undefined ? '' : `:${event.line}`}: ${event.reason}`;
    case 'recovered':
      return `recovered ${event.project}/${event.bead}: ${event.detail}`;
    case 'wave-start':
      return `wave ${event.wave}: ${event.beads.map((b) => `${b.project}/${b.id}`).join(', ')}`;
    case 'wave-end':
      return `wave ${event.wave} done: ${event.landed} landed, ${event.failed} not landed`;
    case 'bead-started':
      return `  ${event.project}/${event.bead}: running (run ${event.runId})`;
    case 'bead-gate':
      return `  ${event.project}/${event.bead}: validation ${event.ok ? 'passed' : 'FAILED'}`;
    case 'bead-finished': {
      const detail = event.commit !== undefined ? ` as ${event.commit.slice(0, 10)}` : event.reason !== undefined ? `: ${event.reason}` : '';
      const left = event.leftBehind !== undefined && event.leftBehind.length > 0 ? ` (your uncommitted changes kept in: ${event.leftBehind.join(', ')})` : '';
      return `  ${event.project}/${event.bead}: ${OUTCOME_MARK[event.outcome] ?? event.outcome}${detail}${left}`;
    }
    case 'lesson-proposed':
      return `  lesson ${event.slug} from ${event.project}/${event.bead}: ${event.accepted ? 'proposed for review' : `refused: ${event.reason ?? ''}`}`;
    case 'idle':
      return 'idle: nothing ready; waiting for commits';
    case 'remote':
      return `${event.ok ? 'remote' : 'REMOTE'} ${event.project}: ${event.detail}`;
    default:
      return undefined;
  }
}

export function createProgressPrinter(stream: NodeJS.WriteStream = process.stdout): (event: EngineEvent) => void {
  if (!stream.isTTY) {
    return (event) => {
      const line = describeEvent(event);
      if (line !== undefined) stream.write(`${line}\n`);
    };
  }
  const live = new Map<string, BeadLine>();
  let drawn = 0;
  const redraw = (): void => {
    if (drawn > 0) stream.write(`\x1b[${drawn}A\x1b[J`);
    const lines = [...live.values()].filter((l) => l.state === 'running');
    for (const line of lines) stream.write(`${line.text}\n`);
    drawn = lines.length;
  };
  const spinner = ['|', '/', '-', '\\'];
  let tick = 0;
  return (event) => {
    if (event.type === 'bead-output') {
      const key = `${event.project}/${event.bead}`;
      const last = event.chunk.trimEnd().split('\n').pop() ?? '';
      const line = live.get(key);
      if (line !== undefined) {
        line.text = `  ${spinner[tick++ % 4]} ${key}: ${last.slice(0, Math.max(20, (stream.columns ?? 100) - key.length - 8))}`;
        redraw();
      }
      return;
    }
    if (event.type === 'bead-started') {
      live.set(`${event.project}/${event.bead}`, { key: event.bead, text: `  ${spinner[0]} ${event.project}/${event.bead}: running`, state: 'running' });
      redraw();
      return;
    }
    const text = describeEvent(event);
    if (event.type === 'bead-finished') live.delete(`${event.project}/${event.bead}`);
    if (text === undefined) return;
    if (drawn > 0) stream.write(`\x1b[${drawn}A\x1b[J`);
    drawn = 0;
    stream.write(`${text}\n`);
    redraw();
  };
}
