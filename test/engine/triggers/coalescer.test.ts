import { describe, expect, it } from 'vitest';
import { Coalescer } from '../../../src/engine/triggers/coalescer.js';
import { settle, VirtualClock } from './virtual-clock.js';

interface Ev {
  tag: string;
  strength: number;
}

/** A run that the test finishes by hand, recording when each one started. */
function setup() {
  const clock = new VirtualClock();
  const started: { key: string; tag: string; at: number }[] = [];
  const finishers: (() => void)[] = [];
  const errors: unknown[] = [];
  const coalescer = new Coalescer<Ev>({
    clock,
    run: (key, event) => {
      started.push({ key, tag: event.tag, at: clock.now() });
      return new Promise<void>((resolve) => finishers.push(resolve));
    },
    merge: (a, b) => (b.strength > a.strength ? b : a),
    onError: (error) => errors.push(error),
  });
  const finishAll = async () => {
    for (const finish of finishers.splice(0)) finish();
    await settle();
  };
  return { clock, started, coalescer, finishAll, errors };
}

describe('Coalescer', () => {
  it('turns a burst into one run after the debounce, reporting the strongest event', async () => {
    const { clock, started, coalescer } = setup();
    for (let i = 0; i < 10; i++) {
      coalescer.poke('api', { tag: i === 4 ? 'strong' : `weak${i}`, strength: i === 4 ? 2 : 1 }, 25);
      await clock.advance(1);
    }
    expect(started).toEqual([]);
    await clock.advance(30);
    expect(started).toEqual([{ key: 'api', tag: 'strong', at: 25 }]);
  });

  it('a poke with a shorter delay pulls a pending run earlier', async () => {
    const { clock, started, coalescer } = setup();
    coalescer.poke('api', { tag: 'fs', strength: 1 }, 25);
    await clock.advance(5);
    coalescer.poke('api', { tag: 'hook', strength: 2 }, 0);
    await clock.advance(0);
    expect(started).toEqual([{ key: 'api', tag: 'hook', at: 5 }]);
    await clock.advance(100);
    expect(started).toHaveLength(1);
  });

  it('pokes during a run queue exactly one rerun, which starts when the run ends', async () => {
    const { clock, started, coalescer, finishAll } = setup();
    coalescer.poke('api', { tag: 'first', strength: 1 }, 0);
    await clock.advance(0);
    expect(started).toHaveLength(1);
    for (let i = 0; i < 5; i++) coalescer.poke('api', { tag: `during${i}`, strength: 1 }, 0);
    await clock.advance(50);
    expect(started).toHaveLength(1);
    await finishAll();
    await clock.advance(0);
    expect(started.map((s) => s.tag)).toEqual(['first', 'during0']);
    await finishAll();
    await clock.advance(100);
    expect(started).toHaveLength(2);
    expect(coalescer.busy).toBe(false);
  });

  it('a rerun still waits for its own debounce when the run ends early', async () => {
    const { clock, started, coalescer, finishAll } = setup();
    coalescer.poke('api', { tag: 'a', strength: 1 }, 0);
    await clock.advance(0);
    coalescer.poke('api', { tag: 'b', strength: 1 }, 25);
    await clock.advance(1);
    await finishAll();
    await clock.advance(10);
    expect(started).toHaveLength(1);
    await clock.advance(20);
    expect(started.map((s) => [s.tag, s.at])).toEqual([['a', 0], ['b', 25]]);
  });

  it('keys run independently and in parallel', async () => {
    const { clock, started, coalescer } = setup();
    coalescer.poke('api', { tag: 'x', strength: 1 }, 0);
    coalescer.poke('web', { tag: 'y', strength: 1 }, 0);
    await clock.advance(0);
    expect(started.map((s) => s.key).sort()).toEqual(['api', 'web']);
  });

  it('reports a throwing run and keeps going', async () => {
    const clock = new VirtualClock();
    const errors: unknown[] = [];
    let runs = 0;
    const coalescer = new Coalescer<Ev>({
      clock,
      run: () => {
        runs++;
        if (runs === 1) throw new Error('boom');
      },
      merge: (a) => a,
      onError: (error) => errors.push(error),
    });
    coalescer.poke('api', { tag: 'a', strength: 1 });
    await clock.advance(0);
    coalescer.poke('api', { tag: 'b', strength: 1 });
    await clock.advance(0);
    expect(runs).toBe(2);
    expect(errors).toHaveLength(1);
  });

  it('stop drops what is scheduled and waits for what runs', async () => {
    const { clock, started, coalescer, finishAll } = setup();
    coalescer.poke('api', { tag: 'a', strength: 1 }, 0);
    coalescer.poke('web', { tag: 'b', strength: 1 }, 50);
    await clock.advance(0);
    coalescer.poke('api', { tag: 'again', strength: 1 }, 0);
    let stopped = false;
    const stopping = coalescer.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    await finishAll();
    await stopping;
    await clock.advance(100);
    expect(started.map((s) => s.tag)).toEqual(['a']);
    expect(clock.pending).toBe(0);
  });
});
