import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DirWatch, WatchSource } from '../../../src/engine/triggers/dir-watch.js';
import { TriggerIntake, type TriggerEvent, type TriggerIntakeOptions } from '../../../src/engine/triggers/trigger-intake.js';
import { tempDir } from '../../support/tmp.js';
import { settle, VirtualClock } from './virtual-clock.js';

/** A watch source the test drives by hand. */
class FakeWatchSource implements WatchSource {
  readonly listeners = new Map<string, (name: string) => void>();
  refreshes = 0;
  closed = 0;
  watchDir(dir: string, onChange: (name: string) => void): DirWatch {
    this.listeners.set(dir, onChange);
    return {
      refresh: () => void this.refreshes++,
      close: () => {
        this.closed++;
        this.listeners.delete(dir);
      },
    };
  }
  emit(dir: string, name: string): void {
    this.listeners.get(dir)?.(name);
  }
}

async function setup(overrides: Partial<TriggerIntakeOptions> = {}) {
  const clock = new VirtualClock();
  const source = new FakeWatchSource();
  const runDir = await tempDir('orch-run-');
  const triggersDir = join(runDir, 'triggers');
  const events: TriggerEvent[] = [];
  const intake = new TriggerIntake({
    projects: [
      { name: 'api', targets: [{ dir: '/repo/api/.git/refs/heads', accepts: (n) => n === '' || n === 'main' }] },
      { name: 'web', targets: [{ dir: '/repo/web/.agents/beads', accepts: (n) => n.endsWith('.md') }] },
    ],
    triggersDir,
    onTrigger: (event) => void events.push(event),
    clock,
    watchSource: source,
    rescanAtStart: false,
    rescanMs: 0,
    ...overrides,
  });
  return { clock, source, intake, events, triggersDir };
}

describe('TriggerIntake', () => {
  it('handles a hook notice at once, and ignores unknown projects and junk file names', async () => {
    const { clock, source, intake, events, triggersDir } = await setup();
    await intake.start();
    source.emit(triggersDir, 'api.post-commit');
    source.emit(triggersDir, 'nobody.post-commit');
    source.emit(triggersDir, '.api.post-commit.swp');
    source.emit(triggersDir, 'api');
    await clock.advance(0);
    expect(events).toEqual([{ project: 'api', reason: 'hook', detail: 'post-commit' }]);
    await intake.stop();
  });

  it('debounces file-system events, filters entry names, and merges a burst into one run', async () => {
    const { clock, source, intake, events } = await setup({ fsDebounceMs: 25 });
    await intake.start();
    source.emit('/repo/api/.git/refs/heads', 'main.lock');
    source.emit('/repo/web/.agents/beads', 'notes.txt');
    await clock.advance(100);
    expect(events).toEqual([]);
    for (let i = 0; i < 5; i++) {
      source.emit('/repo/api/.git/refs/heads', 'main');
      await clock.advance(3);
    }
    expect(events).toEqual([]);
    await clock.advance(25);
    expect(events).toEqual([{ project: 'api', reason: 'fs', detail: '/repo/api/.git/refs/heads/main' }]);
    await intake.stop();
  });

  it('a hook notice during the debounce runs at once and absorbs the pending fs event', async () => {
    const { clock, source, intake, events, triggersDir } = await setup({ fsDebounceMs: 25 });
    await intake.start();
    source.emit('/repo/api/.git/refs/heads', 'main');
    await clock.advance(4);
    source.emit(triggersDir, 'api.post-commit');
    await clock.advance(0);
    await clock.advance(200);
    expect(events).toEqual([{ project: 'api', reason: 'hook', detail: 'post-commit' }]);
    await intake.stop();
  });

  it('rescans every project at start and on its timer, re-checking every watch', async () => {
    const { clock, source, intake, events } = await setup({ rescanAtStart: true, rescanMs: 1000 });
    await intake.start();
    await clock.advance(0);
    expect(events.map((e) => `${e.project}:${e.reason}:${e.detail}`).sort()).toEqual(['api:rescan:start', 'web:rescan:start']);
    await clock.advance(2500);
    expect(events.filter((e) => e.detail === 'timer')).toHaveLength(4);
    expect(source.refreshes).toBe(3 * 3);
    await intake.stop();
    await clock.advance(5000);
    expect(events).toHaveLength(6);
    expect(clock.pending).toBe(0);
  });

  it('start clears notices a crashed watcher left but nothing else; stop removes the dir and waits for the handler', async () => {
    const clock = new VirtualClock();
    const runDir = await tempDir('orch-run-');
    const triggersDir = join(runDir, 'triggers');
    await mkdir(triggersDir);
    await writeFile(join(triggersDir, 'api.post-commit'), '');
    await writeFile(join(triggersDir, 'README'), 'not ours\n');
    let release: () => void = () => undefined;
    let finished = false;
    const source = new FakeWatchSource();
    const intake = new TriggerIntake({
      projects: [{ name: 'api', targets: [] }],
      triggersDir,
      onTrigger: () =>
        new Promise<void>((resolve) => {
          release = () => {
            finished = true;
            resolve();
          };
        }),
      clock,
      watchSource: source,
      rescanMs: 0,
      rescanAtStart: false,
    });
    await intake.start();
    expect(await readdir(triggersDir)).toEqual(['README']);
    source.emit(triggersDir, 'api.post-merge');
    await clock.advance(0);
    let stopped = false;
    const stopping = intake.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(finished).toBe(true);
    expect(source.closed).toBe(1);
    expect(await readdir(triggersDir)).toEqual(['README']);

    await writeFile(join(triggersDir, 'README'), 'gone');
    const again = new TriggerIntake({ projects: [], triggersDir: join(runDir, 'other'), onTrigger: () => undefined, clock, watchSource: source, rescanMs: 0 });
    await again.start();
    await again.stop();
    expect((await readdir(runDir)).sort()).toEqual(['triggers']);
  });

  it('reports a throwing handler to onError and keeps handling', async () => {
    const clock = new VirtualClock();
    const source = new FakeWatchSource();
    const errors: unknown[] = [];
    let calls = 0;
    const intake = new TriggerIntake({
      projects: [{ name: 'api', targets: [] }],
      onTrigger: () => {
        calls++;
        throw new Error('handler failed');
      },
      onError: (error) => errors.push(error),
      clock,
      watchSource: source,
      rescanMs: 0,
    });
    await intake.start();
    await clock.advance(0);
    intake.poke({ project: 'api', reason: 'hook', detail: 'post-commit' });
    await clock.advance(0);
    expect(calls).toBe(2);
    expect(errors).toHaveLength(2);
    await intake.stop();
  });
});
