import { describe, expect, it } from 'vitest';
import {
  beadKey,
  buildGraph,
  GraphCache,
  planWaves,
  readySet,
  ReadyCache,
  WavePlanner,
  type Bead,
  type BeadGraph,
  type BeadStatus,
  type GraphProject,
} from '../../src/beads/index.js';
import { ProjectMaps } from '../../src/beads/project-maps.js';
import { bead } from './support/bead.js';
import { prng } from '../support/prng.js';

/**
 * The incremental graph, ready set and planner against the full build: a
 * seeded random workspace changes one or two projects at a time (a status
 * flipped, a bead added, removed or given new deps, files reordered, ids
 * that stop or start parsing, a project that becomes unreadable, claims
 * taken and released, nothing at all), and after every step the
 * incremental answers must equal buildGraph + readySet + planWaves over the
 * same input, order included.
 */

const STATUSES: BeadStatus[] = ['open', 'open', 'open', 'open', 'open', 'closed', 'closed', 'closed', 'closed', 'blocked', 'proposed', 'deferred', 'failed'];
const PATTERNS = ['src/a.ts', 'src/b.ts', 'src/**', 'docs/*.md', 'docs/x.md', 'lib/**', 'lib/c.ts'];
const STEPS = 600;
const IDS = Array.from({ length: 16 }, (_, i) => `b${i}`);

class World {
  readonly projects: GraphProject[];
  claimed = new Set<string>();

  constructor(
    private readonly random: () => number,
    names: readonly string[],
  ) {
    this.projects = names.map((name) => ({ project: name, beads: [], unparsed: [], unreadable: false }));
    for (const [index, project] of this.projects.entries()) this.projects[index] = { ...project, beads: Array.from({ length: this.int(8) }, () => this.newBead(project.project)) };
  }

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)] as T;
  }

  names(): string[] {
    return this.projects.map((p) => p.project);
  }

  /** Mostly an id the target project has, in this project or another; sometimes one nobody has. */
  dep(project: string): string {
    const roll = this.random();
    if (roll < 0.03) return `ghost:${this.pick(IDS)}`;
    const target = roll < 0.4 ? project : this.pick(this.names());
    const known = this.projects.find((p) => p.project === target)?.beads ?? [];
    const id = known.length > 0 && this.random() < 0.85 ? this.pick(known).id : this.pick(IDS);
    return target === project && this.random() < 0.7 ? id : `${target}:${id}`;
  }

  /** Mostly an id the project does not use yet (a duplicate now and then). */
  freshId(project: string): string {
    const used = new Set(this.projects.find((p) => p.project === project)?.beads.map((b) => b.id));
    const free = IDS.filter((id) => !used.has(id));
    return free.length > 0 && this.random() < 0.9 ? this.pick(free) : this.pick(IDS);
  }

  newBead(project: string, id = this.freshId(project)): Bead {
    const deps = Array.from({ length: this.random() < 0.5 ? 0 : 1 + this.int(2) }, () => this.dep(project));
    const files = Array.from({ length: this.int(3) }, () => this.pick(PATTERNS));
    const fields: Partial<Bead> = { status: this.pick(STATUSES), priority: this.int(3), deps, files };
    if (this.random() < 0.7) fields.created = `2025-01-0${1 + this.int(3)}T00:00:00.000Z`;
    return bead(project, id, fields);
  }

  /** One or two projects change (or none), and maybe the claims. */
  step(): void {
    const changes = this.int(3);
    for (let i = 0; i < changes; i++) {
      const index = this.int(this.projects.length);
      const project = this.projects[index];
      if (project === undefined) continue;
      this.projects[index] = this.change(project);
    }
    if (this.random() < 0.25) {
      const key = `${this.pick(this.names())}:${this.pick(IDS)}`;
      const claimed = new Set(this.claimed);
      if (claimed.has(key)) claimed.delete(key);
      else claimed.add(key);
      this.claimed = claimed;
    }
  }

  private change(project: GraphProject): GraphProject {
    const beads = [...project.beads];
    const name = project.project;
    const at = this.int(Math.max(1, beads.length));
    const current = beads[at];
    if (project.unreadable && this.random() < 0.5) return { ...project, unreadable: false };
    switch (this.int(12)) {
      case 0:
        if (current !== undefined) beads[at] = { ...current, status: this.pick(STATUSES) };
        break;
      case 1:
        if (current !== undefined) beads[at] = { ...current, status: current.status === 'closed' ? 'open' : 'closed' };
        break;
      case 2:
      case 11:
        if (beads.length < 10) beads.splice(at, 0, this.newBead(name));
        break;
      case 3:
        if (beads.length > 3) beads.splice(at, 1);
        break;
      case 4:
        if (current !== undefined) beads[at] = { ...current, deps: Array.from({ length: this.int(3) }, () => this.dep(name)) };
        break;
      case 5:
        if (current !== undefined) beads[at] = { ...current, files: Array.from({ length: this.int(3) }, () => this.pick(PATTERNS)) };
        break;
      case 6:
        beads.reverse();
        break;
      case 7:
        return { ...project, unparsed: this.random() < 0.5 ? [] : [this.pick(IDS), this.pick(IDS)] };
      case 8:
        // Kept aside: the graph sees no beads while the project cannot be read.
        return this.random() < 0.5 ? { ...project, unreadable: !project.unreadable } : project;
      case 9:
        // The same beads in a new list: nothing changed.
        return { ...project, beads: [...project.beads] };
      default:
        if (current !== undefined) beads[at] = { ...current, priority: this.int(3), lines: { ...current.lines, deps: current.lines.deps + 1 } };
    }
    return { ...project, beads };
  }

  /** What the graph is given: no beads and no unparsed files for a project that cannot be read. */
  inputs(): GraphProject[] {
    return this.projects.map((p) => (p.unreadable ? { ...p, beads: [], unparsed: [] } : { ...p }));
  }

  /** Every few hundred steps a project comes or goes (the cache starts over). */
  reshape(): void {
    if (this.random() < 0.5 && this.projects.length > 1) this.projects.splice(this.int(this.projects.length), 1);
    else {
      const name = `n${this.int(100)}`;
      if (this.names().includes(name)) return;
      this.projects.push({ project: name, beads: [], unparsed: [], unreadable: false });
      const index = this.projects.length - 1;
      this.projects[index] = { project: name, beads: Array.from({ length: 4 }, () => this.newBead(name)), unparsed: [], unreadable: false };
    }
  }
}

function fullGraph(projects: readonly GraphProject[]): BeadGraph {
  return buildGraph(new Map(projects.map((p) => [p.project, p.beads])), {
    unparsed: new Map(projects.map((p) => [p.project, p.unparsed])),
    unreadable: new Set(projects.filter((p) => p.unreadable).map((p) => p.project)),
  });
}

/** Everything a graph says, order included. */
function shapeOf(graph: BeadGraph) {
  return {
    beads: [...graph.beads],
    deps: [...graph.deps],
    invalid: [...graph.invalid],
    unparsed: [...graph.unparsed],
    problems: graph.problems,
    size: [graph.beads.size, graph.deps.size],
  };
}

describe('GraphCache, ReadyCache and WavePlanner', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`equal a full rebuild after every change (seed ${seed})`, () => {
      const random = prng(seed);
      const world = new World(random, ['api', 'web', 'db', 'a', 'ap']);
      const graphs = new GraphCache();
      const readies = new ReadyCache();
      const planner = new WavePlanner();
      let compared = 0;
      for (let step = 0; step < STEPS; step++) {
        if (step % 150 === 149) world.reshape();
        else world.step();
        const input = world.inputs();
        const update = graphs.update(input);
        const ready = readies.update(update, graphs, world.claimed);
        const options = { globalCap: 1 + (Math.floor(step / 40) % 4), projectCaps: { api: 1 + (Math.floor(step / 60) % 2) } };
        const plan = planner.plan(ready, options);

        const full = fullGraph(input);
        expect(shapeOf(update.graph)).toEqual(shapeOf(full));
        for (const [key, value] of full.beads) expect(update.graph.beads.get(key)).toBe(value);
        const fullReady = readySet(full, world.claimed);
        expect(ready.map(beadKey)).toEqual(fullReady.map(beadKey));
        expect(plan).toEqual(planWaves(fullReady, options));
        compared++;
      }
      expect(compared).toBe(STEPS);
    });
  }

  it('gives the previous graph, ready list and plan back when nothing changed', () => {
    const projects: GraphProject[] = [{ project: 'api', beads: [bead('api', 'a'), bead('api', 'b', { deps: ['a'] })], unparsed: [], unreadable: false }];
    const graphs = new GraphCache();
    const readies = new ReadyCache();
    const planner = new WavePlanner();
    const first = graphs.update(projects);
    const ready = readies.update(first, graphs, new Set());
    const plan = planner.plan(ready, { globalCap: 2 });
    const again = graphs.update(projects.map((p) => ({ ...p, beads: [...p.beads] })));
    expect(again.graph).toBe(first.graph);
    expect(again.touched.size).toBe(0);
    const readyAgain = readies.update(again, graphs, new Set());
    expect(readyAgain).toBe(ready);
    expect(planner.plan([...readyAgain], { globalCap: 2 })).toBe(plan);
  });

  it('re-resolves only the changed project and the projects whose deps name it', () => {
    const projects: GraphProject[] = [
      { project: 'api', beads: [bead('api', 'a', { deps: ['web:w'] })], unparsed: [], unreadable: false },
      { project: 'web', beads: [bead('web', 'w')], unparsed: [], unreadable: false },
      { project: 'db', beads: [bead('db', 'd')], unparsed: [], unreadable: false },
    ];
    const graphs = new GraphCache();
    graphs.update(projects);
    const closed = projects.map((p) => (p.project === 'web' ? { ...p, beads: [bead('web', 'w', { status: 'closed' })] } : p));
    const update = graphs.update(closed);
    expect([...update.touched]).toEqual(['web']);
    expect([...graphs.dependentsOf(update.touched)]).toEqual(['api']);
    // The web bead's key set did not change, so api's deps were not resolved again.
    const renamed = closed.map((p) => (p.project === 'web' ? { ...p, beads: [bead('web', 'x')] } : p));
    const second = graphs.update(renamed);
    expect([...second.touched].sort()).toEqual(['api', 'web']);
    expect(second.graph.problems.map((p) => p.reason)).toEqual(['unknown dep "web:w": project web has no bead w']);
  });
});

describe('GraphCache and ReadyCache across a cycle', () => {
  it('sees a bead become ready when a cycle it waited on breaks in a project it does not name', () => {
    const project = (name: string, beads: Bead[]): GraphProject => ({ project: name, beads, unparsed: [], unreadable: false });
    const y = project('y', [bead('y', 'y', { status: 'closed', deps: ['z:z'] })]);
    const z = project('z', [bead('z', 'z', { status: 'closed', deps: ['x:x'] })]);
    const w = project('w', [bead('w', 'w', { deps: ['y:y'] })]);
    const graphs = new GraphCache();
    const readies = new ReadyCache();
    const before = graphs.update([project('x', [bead('x', 'x', { status: 'closed', deps: ['y:y'] })]), y, z, w]);
    expect(readies.update(before, graphs, new Set())).toEqual([]);
    expect([...before.graph.invalid.keys()]).toEqual(['x:x', 'y:y', 'z:z']);
    const after = graphs.update([project('x', [bead('x', 'x', { status: 'closed' })]), y, z, w]);
    expect(after.graph.invalid.size).toBe(0);
    expect(readies.update(after, graphs, new Set()).map(beadKey)).toEqual(['w:w']);
  });
});

describe('GraphCache past the cycle search budget', () => {
  it('falls back to the full search, as buildGraph does, while a huge cycle would exhaust it', () => {
    // A two-way chain of 3,200 beads: one strongly connected component, each loop search costing the whole of it.
    const ids = Array.from({ length: 3200 }, (_, i) => `c${String(i).padStart(4, '0')}`);
    const chain = ids.map((id, i) => bead('big', id, { status: 'closed', deps: [ids[i - 1], ids[i + 1]].filter((dep): dep is string => dep !== undefined) }));
    const project = (name: string, beads: Bead[]): GraphProject => ({ project: name, beads, unparsed: [], unreadable: false });
    const graphs = new GraphCache();
    let small = [bead('small', 'a'), bead('small', 'b', { deps: ['a'] })];
    for (let step = 0; step < 3; step++) {
      const input = [project('big', chain), project('small', small)];
      const update = graphs.update(input);
      const full = fullGraph(input);
      expect(shapeOf(update.graph)).toEqual(shapeOf(full));
      expect(full.problems.some((p) => p.reason.includes('(a cycle among 3200 beads)'))).toBe(true);
      small = [...small, bead('small', `s${step}`, { deps: ['b', 'big:c0001'] })];
    }
  }, 60_000);
});

describe('ProjectMaps', () => {
  it('reads like one map filled project by project', () => {
    const api = new Map([
      ['api:a', 1],
      ['api:b', 2],
    ]);
    const ap = new Map([['ap:c', 3]]);
    const maps = new ProjectMaps([
      ['api', api],
      ['ap', ap],
      ['none', new Map<string, number>()],
    ]);
    expect(maps.size).toBe(3);
    expect([maps.get('api:b'), maps.get('ap:c'), maps.get('api:c'), maps.get('ap:a'), maps.get('x'), maps.get('none:a')]).toEqual([2, 3, undefined, undefined, undefined, undefined]);
    expect([maps.has('ap:c'), maps.has('api:c'), maps.has('apx:c')]).toEqual([true, false, false]);
    expect([...maps]).toEqual([...api, ...ap]);
    expect([...maps.keys()]).toEqual(['api:a', 'api:b', 'ap:c']);
    expect([...maps.values()]).toEqual([1, 2, 3]);
    const seen: string[] = [];
    maps.forEach((value, key) => seen.push(`${key}=${value}`));
    expect(seen).toEqual(['api:a=1', 'api:b=2', 'ap:c=3']);
  });
});
