import type { CycleMember } from './cycles.js';
import type { BeadProblem } from './problem.js';
import type { Bead } from './schema.js';

/**
 * The graph's work for one project, in the two steps both the full build
 * (graph.ts) and the incremental one (graph-cache.ts) take: its keys (first
 * bead per id, duplicates reported), then its deps resolved against every
 * project's keys. A project's keys depend on its own beads only; its deps
 * on its beads and the keys of the projects they name (`refs`).
 */

export interface PartKeys {
  project: string;
  /** Key (`project:id`) -> the first bead with that id. */
  beads: Map<string, Bead>;
  /** Problems of ids used twice, on the first bead's key. */
  duplicates: Map<string, BeadProblem[]>;
}

export interface PartDeps {
  /** Resolved dep keys of the beads that have any, in bead order. */
  deps: Map<string, string[]>;
  /** Unknown deps, per key. */
  unknown: Map<string, BeadProblem[]>;
  /** Projects the deps name (resolved or not). */
  refs: Set<string>;
}

export interface DepLookup {
  /** Whether a dep on `target` (a key in `project`) names something: a bead, a file that did not parse, or a project that could not be read. */
  known(target: string, project: string): boolean;
  hasProject(project: string): boolean;
}

/** `api-7b2q` in project api -> `api:api-7b2q`; `web:web-x81c` stays. */
export function resolveDep(project: string, dep: string): string {
  return dep.includes(':') ? dep : `${project}:${dep}`;
}

export function addProblem(problems: Map<string, BeadProblem[]>, key: string, problem: BeadProblem): void {
  const list = problems.get(key);
  if (list === undefined) problems.set(key, [problem]);
  else list.push(problem);
}

export function keysOf(project: string, list: readonly Bead[]): PartKeys {
  const beads = new Map<string, Bead>();
  const duplicates = new Map<string, BeadProblem[]>();
  for (const bead of list) {
    const key = `${project}:${bead.id}`;
    const first = beads.get(key);
    if (first === undefined) {
      beads.set(key, bead);
      continue;
    }
    addProblem(duplicates, key, { kind: 'duplicate', file: bead.file, line: bead.lines.id, project, id: bead.id, reason: `id ${bead.id} is also used by ${first.file}` });
  }
  return { project, beads, duplicates };
}

/** Only beads with deps get an entry; beads without cannot be in a cycle either. */
export function depsOf(beads: ReadonlyMap<string, Bead>, lookup: DepLookup): PartDeps {
  const deps = new Map<string, string[]>();
  const unknown = new Map<string, BeadProblem[]>();
  const refs = new Set<string>();
  for (const [key, bead] of beads) {
    if (bead.deps.length === 0) continue;
    const resolved: string[] = [];
    for (const dep of bead.deps) {
      const target = resolveDep(bead.project, dep);
      const project = target.slice(0, target.indexOf(':'));
      refs.add(project);
      if (lookup.known(target, project)) {
        if (!resolved.includes(target)) resolved.push(target);
        continue;
      }
      const why = lookup.hasProject(project) ? `project ${project} has no bead ${target.slice(project.length + 1)}` : `there is no project ${project}`;
      addProblem(unknown, key, { kind: 'dep', file: bead.file, line: bead.lines.deps, project: bead.project, id: bead.id, reason: `unknown dep "${dep}": ${why}` });
    }
    if (resolved.length > 0) deps.set(key, resolved);
  }
  return { deps, unknown, refs };
}

/** The problem of each bead found in a cycle. */
export function cycleProblems(members: readonly CycleMember[], beads: ReadonlyMap<string, Bead>): Map<string, BeadProblem> {
  const problems = new Map<string, BeadProblem>();
  for (const { key, path } of members) {
    const bead = beads.get(key);
    if (bead === undefined) continue;
    problems.set(key, { kind: 'cycle', file: bead.file, line: bead.lines.deps, project: bead.project, id: bead.id, reason: `dependency cycle: ${path.join(' -> ')}` });
  }
  return problems;
}

/** Every problem by key, in key order: duplicates, then unknown deps, then the cycle. */
export function collectProblems(
  parts: readonly { duplicates: ReadonlyMap<string, BeadProblem[]>; unknown: ReadonlyMap<string, BeadProblem[]> }[],
  cycles: ReadonlyMap<string, BeadProblem>,
): { invalid: Map<string, readonly BeadProblem[]>; problems: BeadProblem[] } {
  const lists = new Map<string, BeadProblem[]>();
  for (const part of parts) {
    for (const [key, list] of part.duplicates) lists.set(key, [...list]);
    for (const [key, list] of part.unknown) for (const problem of list) addProblem(lists, key, problem);
  }
  for (const [key, problem] of cycles) addProblem(lists, key, problem);
  const invalid = new Map<string, readonly BeadProblem[]>();
  const problems: BeadProblem[] = [];
  for (const key of [...lists.keys()].sort()) {
    const list = lists.get(key) ?? [];
    invalid.set(key, list);
    problems.push(...list);
  }
  return { invalid, problems };
}
