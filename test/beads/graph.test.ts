import { describe, expect, it } from 'vitest';
import { buildGraph, deriveState, readySet, type Bead } from '../../src/beads/index.js';
import { bead } from './support/bead.js';

function graphOf(...beads: Bead[]) {
  const byProject = new Map<string, Bead[]>();
  for (const b of beads) {
    const list = byProject.get(b.project) ?? [];
    list.push(b);
    byProject.set(b.project, list);
  }
  return byProject;
}

describe('buildGraph', () => {
  it('resolves same-project and project:id deps', () => {
    const graph = buildGraph(graphOf(bead('api', 'a', { deps: ['b', 'web:w'] }), bead('api', 'b'), bead('web', 'w')));
    expect(graph.deps.get('api:a')).toEqual(['api:b', 'web:w']);
    expect(graph.problems).toEqual([]);
  });

  it('makes a bead with an unknown dep invalid, at its deps line, saying which', () => {
    const graph = buildGraph(graphOf(bead('api', 'a', { deps: ['nope', 'web:w', 'ghost:x'] }), bead('web', 'v')));
    expect(graph.problems.map((p) => [p.kind, p.line, p.reason])).toEqual([
      ['dep', 7, 'unknown dep "nope": project api has no bead nope'],
      ['dep', 7, 'unknown dep "web:w": project web has no bead w'],
      ['dep', 7, 'unknown dep "ghost:x": there is no project ghost'],
    ]);
    expect(deriveState(graph, 'api:a')).toMatchObject({ state: 'invalid' });
  });

  it('marks every bead of a cycle invalid with the cycle path, across projects', () => {
    const graph = buildGraph(
      graphOf(
        bead('api', 'a', { deps: ['web:b'] }),
        bead('web', 'b', { deps: ['api:c'] }),
        bead('api', 'c', { deps: ['a'] }),
        bead('api', 'd', { deps: ['a'] }),
        bead('api', 'self', { deps: ['self'] }),
      ),
    );
    const cycles = graph.problems.filter((p) => p.kind === 'cycle');
    expect(cycles.map((p) => `${p.project}:${p.id}: ${p.reason}`).sort()).toEqual([
      'api:a: dependency cycle: api:a -> web:b -> api:c -> api:a',
      'api:c: dependency cycle: api:c -> api:a -> web:b -> api:c',
      'api:self: dependency cycle: api:self -> api:self',
      'web:b: dependency cycle: web:b -> api:c -> api:a -> web:b',
    ]);
    expect(cycles.every((p) => p.line === 7)).toBe(true);
    // A bead that depends on a cycle is blocked, not invalid.
    expect(deriveState(graph, 'api:d')).toEqual({ state: 'blocked', by: ['api:a'] });
  });

  it('handles a 20,000-bead chain without overflowing the stack', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => bead('api', `b${i}`, { deps: i === 0 ? ['b19999'] : [`b${i - 1}`] }));
    const graph = buildGraph(graphOf(...chain));
    expect(graph.invalid.size).toBe(20_000);
    expect(graph.problems[0]?.reason).toBe('dependency cycle: api:b0 -> api:b19999 -> api:b19998 -> api:b19997 -> api:b19996 -> ... 19993 more ... -> api:b2 -> api:b1 -> api:b0');
  });

  it('treats a dep on an unparsable file as known but not closed', () => {
    const graph = buildGraph(graphOf(bead('api', 'a', { deps: ['broken'] })), { unparsed: new Map([['api', ['broken']]]) });
    expect(graph.problems).toEqual([]);
    expect(deriveState(graph, 'api:a')).toEqual({ state: 'blocked', by: ['api:broken'] });
  });
});

describe('readySet and deriveState', () => {
  const beads = graphOf(
    bead('api', 'done', { status: 'closed' }),
    bead('api', 'ready', { deps: ['done'], priority: 3 }),
    bead('api', 'urgent', { priority: 0 }),
    bead('api', 'waiting', { deps: ['ready', 'web:w'] }),
    bead('api', 'prop', { status: 'proposed' }),
    bead('api', 'later', { status: 'deferred' }),
    bead('api', 'stuck', { status: 'blocked' }),
    bead('api', 'dead', { status: 'failed' }),
    bead('api', 'running'),
    bead('web', 'w', { status: 'closed' }),
    bead('web', 'old', { created: '2024-01-01T00:00:00.000Z' }),
    bead('web', 'new', { created: '2025-01-01T00:00:00.000Z' }),
  );
  const graph = buildGraph(beads);
  const claimed = new Set(['api:running']);

  it('is open beads whose deps are all closed and that nobody claimed, by priority then age then id', () => {
    expect(readySet(graph, claimed).map((b) => `${b.project}:${b.id}`)).toEqual(['api:urgent', 'web:old', 'web:new', 'api:ready']);
  });

  it('derives the state orch list shows', () => {
    const states = Object.fromEntries([...graph.beads.keys()].map((key) => [key, deriveState(graph, key, claimed)]));
    expect(states).toMatchObject({
      'api:done': { state: 'closed' },
      'api:ready': { state: 'ready' },
      'api:waiting': { state: 'blocked', by: ['api:ready'] },
      'api:prop': { state: 'proposed' },
      'api:later': { state: 'deferred' },
      'api:stuck': { state: 'blocked', by: [] },
      'api:dead': { state: 'failed' },
      'api:running': { state: 'claimed' },
    });
  });
});
