import { findCycles } from './cycles.js';
import type { BeadProblem } from './problem.js';
import type { Bead } from './schema.js';

/**
 * The dependency graph across projects. A dep is `id` (same project) or
 * `project:id`. A dep naming no bead, and every bead in a cycle, make the
 * bead invalid (reported at its `deps` line); a dep on a bead whose file is
 * there but invalid only keeps the dependent blocked.
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

/** `api-7b2q` in project api -> `api:api-7b2q`; `web:web-x81c` stays. */
export function resolveDep(project: string, dep: string): string {
  return dep.includes(':') ? dep : `${project}:${dep}`;
}

/** `byProject`: the valid (parsed) beads of each project, by project name. */
export function buildGraph(byProject: ReadonlyMap<string, readonly Bead[]>, options: GraphOptions = {}): BeadGraph {
  const beads = new Map<string, Bead>();
  const problems = new Map<string, BeadProblem[]>();
  const report = (key: string, problem: BeadProblem) => {
    const list = problems.get(key);
    if (list === undefined) problems.set(key, [problem]);
    else list.push(problem);
  };

  for (const [project, list] of byProject) {
    for (const bead of list) {
      const key = `${project}:${bead.id}`;
      const first = beads.get(key);
      if (first === undefined) {
        beads.set(key, bead);
        continue;
      }
      report(key, { kind: 'duplicate', file: bead.file, line: bead.lines.id, project, id: bead.id, reason: `id ${bead.id} is also used by ${first.file}` });
    }
  }
  const unparsed = new Set<string>();
  for (const [project, ids] of options.unparsed ?? []) for (const id of ids) unparsed.add(`${project}:${id}`);

  // Only beads with deps get an entry; beads without cannot be in a cycle either.
  const deps = new Map<string, string[]>();
  for (const [key, bead] of beads) {
    if (bead.deps.length === 0) continue;
    const resolved: string[] = [];
    for (const dep of bead.deps) {
      const target = resolveDep(bead.project, dep);
      const project = target.slice(0, target.indexOf(':'));
      if (beads.has(target) || unparsed.has(target) || options.unreadable?.has(project) === true) {
        if (!resolved.includes(target)) resolved.push(target);
        continue;
      }
      const why = byProject.has(project) ? `project ${project} has no bead ${target.slice(project.length + 1)}` : `there is no project ${project}`;
      report(key, { kind: 'dep', file: bead.file, line: bead.lines.deps, project: bead.project, id: bead.id, reason: `unknown dep "${dep}": ${why}` });
    }
    if (resolved.length > 0) deps.set(key, resolved);
  }

  for (const { key, path } of findCycles(deps)) {
    const bead = beads.get(key);
    if (bead === undefined) continue;
    report(key, { kind: 'cycle', file: bead.file, line: bead.lines.deps, project: bead.project, id: bead.id, reason: `dependency cycle: ${path.join(' -> ')}` });
  }

  const ordered = [...problems.keys()].sort();
  return {
    beads,
    deps,
    invalid: new Map(ordered.map((key) => [key, problems.get(key) ?? []])),
    unparsed,
    problems: ordered.flatMap((key) => problems.get(key) ?? []),
  };
}

/** Whether the graph holds a valid bead under this key. */
export function isValidBead(graph: BeadGraph, key: string): boolean {
  return graph.beads.has(key) && !graph.invalid.has(key);
}
