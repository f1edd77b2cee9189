import { OverlapMemo } from './overlap-memo.js';
import { compareBeads } from './ready.js';
import type { Bead } from './schema.js';
import { findSharedScopes, type SharedScope } from './shared-scopes.js';
import { planInOrder, prepareBeads, ProjectNumbers, type PreparedBeads } from './wave-fill.js';

/**
 * The wave planner (SPEC §3.2). Ready beads in planning order (priority,
 * then age, then id); each joins the current wave unless its declared files
 * overlap a bead already in it (same project only: files are repo-relative),
 * its project already has a bead in the wave and one of the two declares no
 * files (exclusive), or a cap (global, per project) is reached. What is left
 * goes to later waves. Deps are not planned here: only ready beads are, and
 * a dependent becomes ready once its dep has landed.
 */

export interface WaveOptions {
  /** Sandboxes at once across the workspace (workspace `maxAgents`). */
  globalCap: number;
  /** Per project `maxAgents`; a project without an entry is capped only globally. */
  projectCaps?: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
  /** Paths known to exist in a project (e.g. its tree), to name concrete shared files. */
  knownPaths?: (project: string) => readonly string[] | undefined;
  /** Plan at most this many waves; the rest is returned as `unplanned`. */
  maxWaves?: number;
}

export type WaitReason =
  | { kind: 'overlap'; with: string[]; files: string[] }
  | { kind: 'exclusive'; with: string[] }
  | { kind: 'project-cap'; cap: number }
  | { kind: 'global-cap'; cap: number };

export interface PlannedBead {
  key: string;
  bead: Bead;
  /** 1-based wave number. */
  wave: number;
  /** Why it did not join wave 1 (the first reason met). */
  waited?: WaitReason;
}

export interface Wave {
  number: number;
  beads: PlannedBead[];
}

export interface WavePlan {
  waves: Wave[];
  /** Declared scopes that more than one ready bead of a project could write. */
  shared: SharedScope[];
  /** Ready beads with no declared files (each runs alone in its project's wave). */
  exclusive: string[];
  /** Beads past `maxWaves`. */
  unplanned: Bead[];
}

export function planWaves(ready: readonly Bead[], options: WaveOptions): WavePlan {
  const ordered = [...ready].sort(compareBeads);
  const memo = new OverlapMemo();
  const projects = new ProjectNumbers();
  const prepared = prepareBeads(ordered, memo, projects);
  const { waves, unplanned } = planInOrder(prepared, projects, options, memo, false);
  return { waves, shared: findSharedScopes(ordered, options.knownPaths), exclusive: exclusiveKeys(prepared), unplanned };
}

/** Keys of the beads that declare no files. */
export function exclusiveKeys(prepared: PreparedBeads): string[] {
  const { keys, fileStart } = prepared;
  return keys.filter((_, index) => fileStart[index] === fileStart[index + 1]);
}
