import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.js';
import { overlayBeadStates } from '../../src/ui/overlay.js';
import { appendOutput, cleanOutput, createViewModel, DEFAULT_LIMITS, foldEvent, type ViewModel } from '../../src/ui/view-model.js';
import { bead } from './scripted-source.js';

function foldAll(events: EngineEvent[], limits = DEFAULT_LIMITS): ViewModel {
  return events.reduce((model, event) => foldEvent(model, event, limits).model, createViewModel());
}

const run = { project: 'api', bead: 'api-a1', runId: 'r1' };

describe('view model', () => {
  it('follows a bead from claim to start, validation and landing', () => {
    let model = foldAll([
      { type: 'engine-start', at: 1, projects: ['api'], mode: 'watch' },
      { type: 'wave-start', at: 2, wave: 1, beads: [{ project: 'api', id: 'api-a1', title: 'A' }] },
      { type: 'bead-claimed', at: 3, wave: 1, ...run },
    ]);
    expect(model.engine).toMatchObject({ state: 'running', mode: 'watch' });
    expect(model.running).toEqual([{ ...run, wave: 1, phase: 'claimed', claimedAt: 3, output: '', droppedChars: 0 }]);
    model = foldEvent(model, { type: 'bead-started', at: 4, wave: 1, ...run }).model;
    expect(model.running[0]).toMatchObject({ phase: 'running', startedAt: 4 });
    model = foldEvent(model, { type: 'bead-output', at: 5, ...run, chunk: 'working\n' }).model;
    model = foldEvent(model, { type: 'bead-gate', at: 6, ...run, ok: true }).model;
    expect(model.running[0]).toMatchObject({ phase: 'validating', gateOk: true, output: 'working\n' });
    model = foldEvent(model, { type: 'bead-finished', at: 7, wave: 1, ...run, outcome: 'landed', commit: 'c'.repeat(40) }).model;
    model = foldEvent(model, { type: 'wave-end', at: 8, wave: 1, landed: 1, failed: 0 }).model;
    expect(model.running).toEqual([]);
    expect(model.finished).toMatchObject([{ bead: 'api-a1', outcome: 'landed', commit: 'c'.repeat(40) }]);
    expect(model.waves).toMatchObject([{ wave: 1, endedAt: 8, landed: 1, failed: 0 }]);
  });

  it('says which events need a push and which a new source query', () => {
    const model = createViewModel();
    expect(foldEvent(model, { type: 'trigger', at: 1, project: 'api', reason: 'commit' })).toMatchObject({ push: false, requery: true });
    expect(foldEvent(model, { type: 'bead-claimed', at: 1, wave: 1, ...run })).toMatchObject({ push: true, requery: true });
    const claimed = foldEvent(model, { type: 'bead-claimed', at: 1, wave: 1, ...run }).model;
    expect(foldEvent(claimed, { type: 'bead-output', at: 2, ...run, chunk: 'x' })).toMatchObject({ push: false, requery: false });
    expect(foldEvent(model, { type: 'warning', at: 1, message: 'm' })).toMatchObject({ push: true, requery: false });
  });

  it('does not mutate the model it was given', () => {
    const before = foldAll([{ type: 'bead-claimed', at: 1, wave: 1, ...run }]);
    const frozen = JSON.stringify(before);
    foldEvent(before, { type: 'bead-output', at: 2, ...run, chunk: 'more' });
    foldEvent(before, { type: 'bead-finished', at: 3, wave: 1, ...run, outcome: 'failed' });
    expect(JSON.stringify(before)).toBe(frozen);
  });

  it('keeps a bounded tail of output per run and counts what it dropped', () => {
    const limits = { ...DEFAULT_LIMITS, outputChars: 10 };
    const model = foldAll(
      [
        { type: 'bead-claimed', at: 1, wave: 1, ...run },
        { type: 'bead-output', at: 2, ...run, chunk: '0123456789' },
        { type: 'bead-output', at: 3, ...run, chunk: 'abcd' },
      ],
      limits,
    );
    expect(model.running[0]).toMatchObject({ output: '456789abcd', droppedChars: 4 });
    expect(appendOutput('', 0, 'x'.repeat(25), 10)).toEqual({ text: 'x'.repeat(10), dropped: 15 });
  });

  it('ignores output for a run it does not know, and cleans terminal escapes', () => {
    const model = foldAll([{ type: 'bead-output', at: 1, ...run, chunk: 'lost' }]);
    expect(model.running).toEqual([]);
    expect(cleanOutput('\x1b[1;31mred\x1b[0m\r\nline\rover\x1b]0;title\x07\x00\x07ok\tend')).toBe('red\nline\noverok\tend');
  });

  it('caps finished, waves, notices and problems', () => {
    const limits = { ...DEFAULT_LIMITS, finished: 3, waves: 2, notices: 2, problems: 2 };
    const events: EngineEvent[] = [];
    for (let i = 0; i < 10; i++) {
      events.push({ type: 'wave-start', at: i, wave: i, beads: [] });
      events.push({ type: 'bead-finished', at: i, wave: i, project: 'api', bead: `api-${i}`, runId: `r${i}`, outcome: 'landed' });
      events.push({ type: 'warning', at: i, message: `w${i}` });
      events.push({ type: 'problem', at: i, project: 'api', file: `f${i}.md`, reason: 'bad' });
    }
    const model = foldAll(events, limits);
    expect(model.finished.map((f) => f.bead)).toEqual(['api-9', 'api-8', 'api-7']);
    expect(model.waves.map((w) => w.wave)).toEqual([8, 9]);
    expect(model.notices.map((n) => n.message)).toEqual(['w9', 'w8']);
    expect(model.problems.map((p) => p.file)).toEqual(['f9.md', 'f8.md']);
  });

  it('replaces a problem reported again for the same file', () => {
    const model = foldAll([
      { type: 'problem', at: 1, project: 'api', file: 'a.md', line: 2, reason: 'bad yaml' },
      { type: 'problem', at: 2, project: 'api', file: 'a.md', reason: 'unknown dep' },
    ]);
    expect(model.problems).toEqual([{ at: 2, project: 'api', file: 'a.md', reason: 'unknown dep' }]);
  });

  it('clears running sandboxes when the engine stops', () => {
    const model = foldAll([
      { type: 'bead-claimed', at: 1, wave: 1, ...run },
      { type: 'engine-stop', at: 2, reason: 'SIGINT' },
    ]);
    expect(model.running).toEqual([]);
    expect(model.engine).toMatchObject({ state: 'stopped', reason: 'SIGINT' });
  });
});

describe('overlay of bead states', () => {
  const beads = [bead('api', 'api-a1'), bead('api', 'api-b2'), bead('api', 'api-c3', { state: 'closed', status: 'closed' })];

  it('paints running sandboxes over the source state', () => {
    const model = foldAll([
      { type: 'bead-claimed', at: 1, wave: 1, ...run },
      { type: 'bead-started', at: 2, wave: 1, project: 'api', bead: 'api-b2', runId: 'r2' },
    ]);
    const states = overlayBeadStates(beads, model, 0).map((b) => b.state);
    expect(states).toEqual(['claimed', 'running', 'closed']);
  });

  it('paints an outcome only until the source has been queried after it', () => {
    const model = foldAll([
      { type: 'bead-claimed', at: 1, wave: 1, ...run },
      { type: 'bead-finished', at: 2, wave: 1, ...run, outcome: 'landed' },
      { type: 'bead-finished', at: 3, wave: 1, project: 'api', bead: 'api-b2', runId: 'r2', outcome: 'rejected' },
    ]);
    expect(overlayBeadStates(beads, model, 1).map((b) => b.state)).toEqual(['closed', 'failed', 'closed']);
    // A query that began after both outcomes is the truth (the bead may have been reopened).
    expect(overlayBeadStates(beads, model, model.seq).map((b) => b.state)).toEqual(['ready', 'ready', 'closed']);
  });

  it('returns the same array when nothing overlays', () => {
    expect(overlayBeadStates(beads, createViewModel(), 0)).toBe(beads);
  });
});
