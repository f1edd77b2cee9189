import { CycleCache } from './cycle-cache.js';
import type { BeadGraph } from './graph.js';
import { collectProblems, cycleProblems, depsOf, keysOf, type DepLookup, type PartDeps, type PartKeys } from './graph-parts.js';
import type { BeadProblem } from './problem.js';
import { ProjectMaps } from './project-maps.js';
import type { Bead } from './schema.js';

/**
 * The bead graph kept up to date project by project (the watcher's view
 * after one commit): a project whose beads (the same objects, in the same
 * order), unparsable ids and readability are unchanged keeps its keys; its
 * deps are resolved again only when its beads changed or a project they name
 * changed its keys; cycles are searched again only when some deps changed.
 * `graph.beads` and `graph.deps` are read-only maps over the projects' own
 * maps, so an update copies nothing of the projects it did not touch. The
 * result equals buildGraph over the same input (a randomized test checks).
 * Graphs handed out are never changed afterwards.
 */

export interface GraphProject {
  project: string;
  /** The valid beads of the project, in file order. */
  beads: readonly Bead[];
  /** Ids of its bead files that did not parse. */
  unparsed: readonly string[];
  /** Whether the project could not be read at all. */
  unreadable: boolean;
}

export interface GraphUpdate {
  graph: BeadGraph;
  /** The graph this update started from (undefined for the first). */
  previous: BeadGraph | undefined;
  /** Whether everything was built afresh (first update, or the list of projects changed). */
  full: boolean;
  /** Projects whose beads, deps or problems may differ from the previous graph. */
  touched: ReadonlySet<string>;
}

interface ProjectState extends PartKeys, PartDeps {
  input: GraphProject;
  unparsedKeys: Set<string>;
}

export class GraphCache {
  private states: ProjectState[] = [];
  private readonly byName = new Map<string, ProjectState>();
  private graph: BeadGraph | undefined;
  private cycles = new Map<string, BeadProblem>();
  private readonly cycleSearch = new CycleCache();

  update(projects: readonly GraphProject[]): GraphUpdate {
    const previous = this.graph;
    if (previous === undefined || !sameNames(this.states, projects)) return this.rebuild(projects);

    // Step 1, keys: only projects whose input changed.
    const changed = new Set<string>();
    const keysChanged = new Set<string>();
    let unparsedChanged = false;
    const next = this.states.map((state, index) => {
      const input = projects[index] ?? state.input;
      if (sameInput(state.input, input)) return state;
      changed.add(input.project);
      const keyed = keysOf(input.project, input.beads);
      const unparsedKeys = new Set(input.unparsed.map((id) => `${input.project}:${id}`));
      if (input.unreadable !== state.input.unreadable || !sameKeys(keyed.beads, state.beads) || !sameKeys(unparsedKeys, state.unparsedKeys)) keysChanged.add(input.project);
      unparsedChanged ||= !sameList(input.unparsed, state.input.unparsed);
      return { ...state, ...keyed, input, unparsedKeys };
    });
    if (changed.size === 0) return { graph: previous, previous, full: false, touched: changed };
    this.install(next);

    // Step 2, deps: the changed projects, and those whose deps name a project whose keys changed.
    const lookup = this.lookup();
    const depsChanged = new Set<string>();
    const touched = new Set(changed);
    this.states = next.map((state) => {
      if (!changed.has(state.project) && !intersects(state.refs, keysChanged)) return state;
      touched.add(state.project);
      const resolved = depsOf(state.beads, lookup);
      addChangedDeps(state.deps, resolved.deps, depsChanged);
      return { ...state, ...resolved };
    });
    this.install(this.states);

    // Step 3, cycles: searched again only when some deps changed; problems renewed when a member's bead may have.
    const beads = new ProjectMaps(this.states.map((state) => [state.project, state.beads] as const));
    const deps = new ProjectMaps(this.states.map((state) => [state.project, state.deps] as const));
    if (depsChanged.size > 0) this.cycleSearch.update(deps, depsChanged);
    const members = this.cycleSearch.members;
    if (depsChanged.size > 0 || members.some((member) => changed.has(projectOf(member.key)))) {
      const cycles = cycleProblems(members, beads);
      for (const key of symmetricDifference(this.cycles, cycles)) touched.add(projectOf(key));
      this.cycles = cycles;
    }

    const { invalid, problems } = collectProblems(this.states.map((state) => ({ duplicates: state.duplicates, unknown: state.unknown })), this.cycles);
    this.graph = { beads, deps, invalid, unparsed: unparsedChanged ? this.unparsedSet() : previous.unparsed, problems };
    return { graph: this.graph, previous, full: false, touched };
  }

  /** The projects whose deps name any of `projects`. */
  dependentsOf(projects: ReadonlySet<string>): Set<string> {
    const dependents = new Set<string>();
    if (projects.size === 0) return dependents;
    for (const state of this.states) if (intersects(state.refs, projects)) dependents.add(state.project);
    return dependents;
  }

  /** A project's beads by key (empty for an unknown project). */
  beadsOf(project: string): ReadonlyMap<string, Bead> {
    return this.byName.get(project)?.beads ?? new Map();
  }

  private rebuild(projects: readonly GraphProject[]): GraphUpdate {
    const previous = this.graph;
    const keyed = projects.map((input) => ({ ...keysOf(input.project, input.beads), input, unparsedKeys: new Set(input.unparsed.map((id) => `${input.project}:${id}`)) }));
    this.install(keyed.map((state) => ({ ...state, deps: new Map(), unknown: new Map(), refs: new Set() })));
    const lookup = this.lookup();
    this.install(keyed.map((state) => ({ ...state, ...depsOf(state.beads, lookup) })));
    const beads = new ProjectMaps(this.states.map((state) => [state.project, state.beads] as const));
    const deps = new ProjectMaps(this.states.map((state) => [state.project, state.deps] as const));
    this.cycles = cycleProblems(this.cycleSearch.rebuild(deps), beads);
    const { invalid, problems } = collectProblems(this.states, this.cycles);
    this.graph = { beads, deps, invalid, unparsed: this.unparsedSet(), problems };
    return { graph: this.graph, previous, full: true, touched: new Set(projects.map((p) => p.project)) };
  }

  private install(states: ProjectState[]): void {
    this.states = states;
    this.byName.clear();
    for (const state of states) this.byName.set(state.project, state);
  }

  private lookup(): DepLookup {
    return {
      known: (target, project) => {
        const state = this.byName.get(project);
        return state !== undefined && (state.beads.has(target) || state.unparsedKeys.has(target) || state.input.unreadable);
      },
      hasProject: (project) => this.byName.has(project),
    };
  }

  private unparsedSet(): Set<string> {
    const set = new Set<string>();
    for (const state of this.states) for (const key of state.unparsedKeys) set.add(key);
    return set;
  }
}

function projectOf(key: string): string {
  return key.slice(0, key.indexOf(':'));
}

function sameNames(states: readonly ProjectState[], projects: readonly GraphProject[]): boolean {
  return states.length === projects.length && states.every((state, index) => state.project === projects[index]?.project);
}

function sameInput(a: GraphProject, b: GraphProject): boolean {
  return a === b || (a.unreadable === b.unreadable && sameList(a.beads, b.beads) && sameList(a.unparsed, b.unparsed));
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameKeys(a: ReadonlyMap<string, unknown> | ReadonlySet<string>, b: ReadonlyMap<string, unknown> | ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const key of a.keys()) if (!b.has(key)) return false;
  return true;
}

/** Adds to `changed` every key whose dep list differs between `before` and `after` (added, removed, altered). */
function addChangedDeps(before: ReadonlyMap<string, readonly string[]>, after: ReadonlyMap<string, readonly string[]>, changed: Set<string>): void {
  for (const [key, targets] of after) {
    const old = before.get(key);
    if (old === undefined || !sameList(old, targets)) changed.add(key);
  }
  for (const key of before.keys()) if (!after.has(key)) changed.add(key);
}

function intersects(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const item of small) if (large.has(item)) return true;
  return false;
}

function symmetricDifference(a: ReadonlyMap<string, BeadProblem>, b: ReadonlyMap<string, BeadProblem>): string[] {
  const out: string[] = [];
  for (const [key, problem] of a) if (b.get(key)?.reason !== problem.reason) out.push(key);
  for (const key of b.keys()) if (!a.has(key)) out.push(key);
  return out;
}
