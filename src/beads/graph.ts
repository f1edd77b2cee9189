import { findCycles } from './cycles.js';
import { collectProblems, cycleProblems, depsOf, keysOf, type DepLookup, type PartDeps, type PartKeys } from './graph-parts.js';
import type { BeadProblem } from './problem.js';
import type { Bead } from './schema.js';

/**
 * The dependency graph across projects. A dep is `id` (same project) or
 * `project:id`. A dep naming no bead, and every bead in a cycle, make the
 * bead invalid (reported at its `deps` line); a dep on a bead whose file is
 * there but invalid only keeps the dependent blocked. This is the full
 * build; graph-cache.ts keeps a graph up to date project by project and
 * must give the same graph.
 */

export interface BeadGraph {
  /** Every parsed bead by key (`project:id`), invalid ones included. */
  beads: ReadonlyMap<string, Bead>;
  /** Resolved dep keys of the beads that have any (deps that name a known file); absent means none. */
  deps: ReadonlyMap<string, readonly string[]>;
  /** Beads the graph found invalid, with why. */
  invalid: ReadonlyMap<string, readonly BeadProblem[]>;
  /** Keys of bead files that exist but did not parse (not beads here, yet not unknown). */
  unparsed: ReadonlySet<string>;
  /** Every problem the graph found, in project and id order. */
  problems: readonly BeadProblem[];
}

export interface GraphOptions {
  /** Ids of each project's bead files that did not parse: deps on them block, they are not unknown. */
  unparsed?: ReadonlyMap<string, Iterable<string>>;
  /** Projects whose beads could not be read at all: deps into them block, they are not unknown. */
  unreadable?: ReadonlySet<string>;
}

export { resolveDep } from './graph-parts.js';

/** `byProject`: the valid (parsed) beads of each project, by project name. */
export function buildGraph(byProject: ReadonlyMap<string, readonly Bead[]>, options: GraphOptions = {}): BeadGraph {
  const keyed: PartKeys[] = [...byProject].map(([project, list]) => keysOf(project, list));
  const beads = new Map<string, Bead>();
  for (const part of keyed) for (const [key, bead] of part.beads) beads.set(key, bead);
  const unparsed = new Set<string>();
  for (const [project, ids] of options.unparsed ?? []) for (const id of ids) unparsed.add(`${project}:${id}`);
  const lookup: DepLookup = {
    known: (target, project) => beads.has(target) || unparsed.has(target) || options.unreadable?.has(project) === true,
    hasProject: (project) => byProject.has(project),
  };
  const parts: (PartKeys & PartDeps)[] = keyed.map((part) => ({ ...part, ...depsOf(part.beads, lookup) }));
  const deps = new Map<string, string[]>();
  for (const part of parts) for (const [key, targets] of part.deps) deps.set(key, targets);
  const { invalid, problems } = collectProblems(parts, cycleProblems(findCycles(deps), beads));
  return { beads, deps, invalid, unparsed, problems };
}

/** Whether the graph holds a valid bead under this key. */
export function isValidBead(graph: BeadGraph, key: string): boolean {
  return graph.beads.has(key) && !graph.invalid.has(key);
}
