import type { BeadGraph } from './graph.js';
import type { BeadProblem } from './problem.js';
import type { Bead } from './schema.js';

/**
 * Which beads can run now (SPEC §1: status `open`, every dep `closed`, not
 * claimed), and the state `orch list` shows for each. `claimed` holds bead
 * keys (`project:id`).
 */

export type DerivedState =
  | { state: 'ready' }
  | { state: 'claimed' }
  /** `by`: the deps not closed yet; empty when the bead's own status is `blocked`. */
  | { state: 'blocked'; by: string[] }
  | { state: 'proposed' | 'deferred' | 'closed' | 'failed' }
  | { state: 'invalid'; problems: readonly BeadProblem[] };

export type StateName = DerivedState['state'];

/** Planning order: priority (0 first), then age (`created`; beads without it count as oldest), then project and id. */
export function compareBeads(a: Bead, b: Bead): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  const ageA = a.created ?? '';
  const ageB = b.created ?? '';
  if (ageA !== ageB) return ageA < ageB ? -1 : 1;
  if (a.project !== b.project) return a.project < b.project ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The deps of a bead that are not a valid, closed bead. */
export function openDeps(graph: BeadGraph, key: string): string[] {
  return (graph.deps.get(key) ?? []).filter((dep) => !isClosed(graph, dep));
}

export function deriveState(graph: BeadGraph, key: string, claimed: ReadonlySet<string> = new Set()): DerivedState {
  const problems = graph.invalid.get(key);
  if (problems !== undefined) return { state: 'invalid', problems };
  const bead = graph.beads.get(key);
  if (bead === undefined) return { state: 'invalid', problems: [] };
  switch (bead.status) {
    case 'proposed':
    case 'deferred':
    case 'closed':
    case 'failed':
      return { state: bead.status };
    case 'blocked':
      return { state: 'blocked', by: openDeps(graph, key) };
    case 'open': {
      if (claimed.has(key)) return { state: 'claimed' };
      const by = openDeps(graph, key);
      return by.length > 0 ? { state: 'blocked', by } : { state: 'ready' };
    }
  }
}

/** Ready beads across all projects, in planning order. */
export function readySet(graph: BeadGraph, claimed: ReadonlySet<string> = new Set()): Bead[] {
  const ready: Bead[] = [];
  for (const [key, bead] of graph.beads) if (isReady(graph, key, bead, claimed)) ready.push(bead);
  return ready.sort(compareBeads);
}

/** Whether `bead` (under `key` in the graph) is ready: open, valid, not claimed, every dep closed. */
export function isReady(graph: BeadGraph, key: string, bead: Bead, claimed: ReadonlySet<string>): boolean {
  if (bead.status !== 'open' || claimed.has(key) || graph.invalid.has(key)) return false;
  const deps = graph.deps.get(key);
  if (deps === undefined) return true;
  for (const dep of deps) if (!isClosed(graph, dep)) return false;
  return true;
}

function isClosed(graph: BeadGraph, key: string): boolean {
  return graph.beads.get(key)?.status === 'closed' && !graph.invalid.has(key);
}
