import { describe, expect, it } from 'vitest';
import { buildGraph, planWaves, readySet, type Bead, type WavePlan } from '../../src/beads/index.js';
import { bead } from './support/bead.js';

function waveKeys(plan: WavePlan): string[][] {
  return plan.waves.map((wave) => wave.beads.map((planned) => planned.key));
}

describe('planWaves', () => {
  it('puts beads with disjoint files in one wave', () => {
    const plan = planWaves([bead('api', 'a'), bead('api', 'b'), bead('web', 'c')], { globalCap: 5 });
    expect(waveKeys(plan)).toEqual([['api:a', 'api:b', 'web:c']]);
    expect(plan.shared).toEqual([]);
  });

  it('moves a bead whose files overlap one already in the wave to a later wave, saying why', () => {
    const plan = planWaves(
      [bead('api', 'a', { files: ['src/routes/**'] }), bead('api', 'b', { files: ['src/routes/health.ts', 'docs/x.md'] }), bead('api', 'c')],
      { globalCap: 5 },
    );
    expect(waveKeys(plan)).toEqual([['api:a', 'api:c'], ['api:b']]);
    expect(plan.waves[1]?.beads[0]?.waited).toEqual({ kind: 'overlap', with: ['api:a'], files: ['src/routes/health.ts'] });
  });

  it('never sees an overlap between projects: files are repo-relative', () => {
    const plan = planWaves([bead('api', 'a', { files: ['src/**'] }), bead('web', 'b', { files: ['src/**'] })], { globalCap: 5 });
    expect(waveKeys(plan)).toEqual([['api:a', 'web:b']]);
  });

  it('runs a bead without files alone in its project, while other projects still join', () => {
    const plan = planWaves([bead('api', 'x', { files: [], priority: 0 }), bead('api', 'a'), bead('web', 'w'), bead('api', 'b')], { globalCap: 5 });
    expect(waveKeys(plan)).toEqual([['api:x', 'web:w'], ['api:a', 'api:b']]);
    expect(plan.waves[1]?.beads[0]?.waited).toEqual({ kind: 'exclusive', with: ['api:x'] });
    expect(plan.exclusive).toEqual(['api:x']);
    const second = planWaves([bead('api', 'a', { priority: 0 }), bead('api', 'x', { files: [] })], { globalCap: 5 });
    expect(waveKeys(second)).toEqual([['api:a'], ['api:x']]);
  });

  it('respects the global cap', () => {
    const plan = planWaves([bead('api', 'a'), bead('web', 'b'), bead('doc', 'c'), bead('api', 'd')], { globalCap: 2 });
    expect(waveKeys(plan)).toEqual([['api:a', 'api:d'], ['doc:c', 'web:b']]);
    expect(plan.waves[1]?.beads[0]?.waited).toEqual({ kind: 'global-cap', cap: 2 });
  });

  it('respects per-project caps, letting other projects fill the wave', () => {
    const beads = [bead('api', 'a'), bead('api', 'b'), bead('api', 'c'), bead('web', 'w')];
    const plan = planWaves(beads, { globalCap: 10, projectCaps: { api: 2 } });
    expect(waveKeys(plan)).toEqual([['api:a', 'api:b', 'web:w'], ['api:c']]);
    expect(plan.waves[1]?.beads[0]?.waited).toEqual({ kind: 'project-cap', cap: 2 });
    expect(waveKeys(planWaves(beads, { globalCap: 10, projectCaps: new Map([['api', 1]]) }))).toEqual([['api:a', 'web:w'], ['api:b'], ['api:c']]);
  });

  it('orders by priority, then age, then id, and lets a later bead fill a gap', () => {
    const plan = planWaves(
      [
        bead('api', 'low', { priority: 4, files: ['b.ts'] }),
        bead('api', 'young', { priority: 1, created: '2025-02-01T00:00:00.000Z', files: ['a.ts'] }),
        bead('api', 'old', { priority: 1, created: '2025-01-01T00:00:00.000Z', files: ['a.ts'] }),
      ],
      { globalCap: 5 },
    );
    expect(waveKeys(plan)).toEqual([['api:old', 'api:low'], ['api:young']]);
  });

  it('lists files shared by more than one bead, with known paths when given', () => {
    const plan = planWaves(
      [
        bead('api', 'a', { files: ['src/**'] }),
        bead('api', 'b', { files: ['src/server.ts'] }),
        bead('api', 'c', { files: ['src/server.ts', 'README.md'] }),
        bead('api', 'd', { files: ['docs/**'] }),
        bead('web', 'e', { files: ['src/server.ts'] }),
      ],
      { globalCap: 5, knownPaths: (project) => (project === 'api' ? ['src/server.ts', 'src/app.ts', 'docs/a.md'] : undefined) },
    );
    expect(plan.shared).toEqual([
      { project: 'api', pattern: 'src/**', beads: ['api:a', 'api:b', 'api:c'], paths: ['src/server.ts'] },
      { project: 'api', pattern: 'src/server.ts', beads: ['api:a', 'api:b', 'api:c'], paths: ['src/server.ts'] },
    ]);
    expect(waveKeys(plan)).toEqual([['api:a', 'api:d', 'web:e'], ['api:b'], ['api:c']]);
  });

  it('stops after maxWaves and returns the rest', () => {
    const beads = Array.from({ length: 10 }, (_, i) => bead('api', `b${i}`, { files: ['same.ts'] }));
    const plan = planWaves(beads, { globalCap: 3, maxWaves: 4 });
    expect(plan.waves).toHaveLength(4);
    expect(plan.unplanned.map((b) => b.id)).toEqual(['b4', 'b5', 'b6', 'b7', 'b8', 'b9']);
  });

  it('plans only ready beads: cross-project deps wait, cycles never run', () => {
    const byProject = new Map<string, Bead[]>([
      ['api', [bead('api', 'a', { deps: ['web:w'] }), bead('api', 'b'), bead('api', 'c1', { deps: ['c2'] }), bead('api', 'c2', { deps: ['c1'] })]],
      ['web', [bead('web', 'w'), bead('web', 'x', { deps: ['api:b'] })]],
    ]);
    const graph = buildGraph(byProject);
    const plan = planWaves(readySet(graph), { globalCap: 5 });
    expect(waveKeys(plan)).toEqual([['api:b', 'web:w']]);
    byProject.set('web', [bead('web', 'w', { status: 'closed' }), bead('web', 'x', { deps: ['api:b'] })]);
    expect(waveKeys(planWaves(readySet(buildGraph(byProject)), { globalCap: 5 }))).toEqual([['api:a', 'api:b']]);
  });

  it('plans thousands of beads in one project', () => {
    const beads = Array.from({ length: 3000 }, (_, i) => bead('api', `b${i}`, { files: [`src/m${i % 30}/**`] }));
    const plan = planWaves(beads, { globalCap: 4 });
    expect(plan.waves.flatMap((wave) => wave.beads)).toHaveLength(3000);
    expect(plan.waves.every((wave) => wave.beads.length <= 4)).toBe(true);
  });
});
