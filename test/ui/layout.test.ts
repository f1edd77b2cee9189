import { describe, expect, it } from 'vitest';
import { DEFAULT_LAYOUT, layoutGraph, resolveDep, type LayoutBead } from '../../src/ui/layout.js';
import { bead, manyBeads } from './scripted-source.js';

function xOf(layout: ReturnType<typeof layoutGraph>, beads: LayoutBead[], id: string): number {
  return layout.pos[2 * beads.findIndex((b) => b.id === id)]!;
}

describe('graph layout', () => {
  it('reads left to right: done by depth, running, planned waves, then waiting beads after their deps', () => {
    const beads = [
      bead('api', 'w2', { state: 'ready', wave: 2, deps: ['d1'] }),
      bead('api', 'w1', { state: 'ready', wave: 1 }),
      bead('api', 'run', { state: 'running', deps: ['d0'] }),
      bead('api', 'd1', { state: 'closed', deps: ['d0'] }),
      bead('api', 'd0', { state: 'closed' }),
      bead('api', 'b1', { state: 'blocked', deps: ['w1'] }),
      bead('api', 'b2', { state: 'blocked', deps: ['b1'] }),
      bead('api', 'f', { state: 'failed' }),
    ];
    const layout = layoutGraph(beads, ['api']);
    const x = (id: string): number => xOf(layout, beads, id);
    expect(x('d0')).toBe(x('f'));
    expect(x('d0')).toBeLessThan(x('d1'));
    expect(x('d1')).toBeLessThan(x('run'));
    expect(x('run')).toBeLessThan(x('w1'));
    expect(x('w1')).toBeLessThan(x('w2'));
    expect(x('w2')).toBeLessThan(x('b1'));
    expect(x('b1')).toBeLessThan(x('b2'));
    expect(layout.columns.map((c) => c.label).filter((l) => l !== '')).toEqual(['done', 'running', 'wave 1', 'wave 2', 'waiting']);
  });

  it('draws one edge per resolvable dependency, inside and across projects', () => {
    const beads = [
      bead('api', 'a1', { state: 'closed' }),
      bead('api', 'a2', { state: 'blocked', deps: ['a1', 'web:w1', 'gone'] }),
      bead('web', 'w1', { state: 'ready' }),
    ];
    const layout = layoutGraph(beads, ['api', 'web']);
    expect(layout.edges.match(/M/g)).toHaveLength(1);
    expect(layout.crossEdges.match(/M/g)).toHaveLength(1);
    expect(layout.lanes.map((l) => [l.project, l.count])).toEqual([
      ['api', 2],
      ['web', 1],
    ]);
    expect(layout.lanes[1]!.y).toBe(layout.lanes[0]!.y + layout.lanes[0]!.height);
    expect(resolveDep('api', 'web:w1')).toBe('web/w1');
  });

  it('gives an empty project a lane and survives dependency cycles', () => {
    const beads = [bead('api', 'c1', { state: 'blocked', deps: ['c2'] }), bead('api', 'c2', { state: 'blocked', deps: ['c1'] }), bead('api', 'self', { state: 'invalid', deps: ['self'] })];
    const layout = layoutGraph(beads, ['api', 'empty']);
    expect(layout.lanes.map((l) => l.project)).toEqual(['api', 'empty']);
    expect(layout.pos.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('wraps a tall column into sub-columns and never overlaps two nodes', () => {
    const beads = Array.from({ length: 45 }, (_, i) => bead('api', `c${i}`, { state: 'closed' }));
    const layout = layoutGraph(beads, ['api']);
    const xs = new Set(beads.map((_, i) => layout.pos[2 * i]));
    expect(xs.size).toBe(Math.ceil(45 / DEFAULT_LAYOUT.maxRows));
    const spots = new Set(beads.map((_, i) => `${layout.pos[2 * i]},${layout.pos[2 * i + 1]}`));
    expect(spots.size).toBe(45);
  });

  it('lays out 1,000 beads with every node inside the canvas and distinct', () => {
    const beads = [...manyBeads('api', 600), ...manyBeads('web', 400)];
    const layout = layoutGraph(beads, ['api', 'web']);
    expect(layout.pos).toHaveLength(2000);
    const spots = new Set<string>();
    for (let i = 0; i < beads.length; i++) {
      const x = layout.pos[2 * i]!;
      const y = layout.pos[2 * i + 1]!;
      expect(x + layout.nodeWidth).toBeLessThanOrEqual(layout.width);
      expect(y + layout.nodeHeight).toBeLessThanOrEqual(layout.height);
      spots.add(`${x},${y}`);
    }
    expect(spots.size).toBe(1000);
  });

  it('keeps a long dependency chain in order without recursion limits', () => {
    const beads = Array.from({ length: 5000 }, (_, i) => bead('api', `n${i}`, { state: 'blocked', deps: i === 0 ? [] : [`n${i - 1}`] }));
    const layout = layoutGraph(beads, ['api']);
    expect(layout.pos[2 * 4999]!).toBeGreaterThan(layout.pos[2 * 4998]!);
  });
});
