import { compileScopeGlob, scopeOverlaps } from './overlap.js';
import { compareBeads } from './ready.js';
import { beadKey, type Bead } from './schema.js';
import { findSharedScopes, type SharedScope } from './shared-scopes.js';

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

interface Slot {
  beads: PlannedBead[];
  exclusive: boolean;
}

export function planWaves(ready: readonly Bead[], options: WaveOptions): WavePlan {
  const globalCap = Math.max(1, Math.floor(options.globalCap));
  const ordered = [...ready].sort(compareBeads);
  const count = ordered.length;
  const waited = new Map<string, WaitReason>();
  // A linked list of the beads not planned yet: next[i] follows i, next[count] is the first.
  const next = Int32Array.from({ length: count + 1 }, (_, index) => (index === count ? 0 : index + 1));
  const waves: Wave[] = [];
  const maxWaves = options.maxWaves ?? Infinity;

  while ((next[count] ?? count) < count && waves.length < maxWaves) {
    const wave: Wave = { number: waves.length + 1, beads: [] };
    const slots = new Map<string, Slot>();
    let previous = count;
    let cursor = next[count] ?? count;
    while (cursor < count && wave.beads.length < globalCap) {
      const bead = ordered[cursor];
      const following = next[cursor] ?? count;
      if (bead === undefined) break;
      const key = beadKey(bead);
      const reason = reasonToWait(bead, slots.get(bead.project), capOf(options, bead.project, globalCap));
      if (reason === undefined) {
        const planned: PlannedBead = { key, bead, wave: wave.number };
        const before = waited.get(key);
        if (before !== undefined) planned.waited = before;
        wave.beads.push(planned);
        const slot = slots.get(bead.project) ?? { beads: [], exclusive: false };
        slot.beads.push(planned);
        slot.exclusive ||= bead.files.length === 0;
        slots.set(bead.project, slot);
        next[previous] = following;
      } else {
        if (wave.number === 1) waited.set(key, reason);
        previous = cursor;
      }
      cursor = following;
    }
    if (wave.number === 1) {
      // Beads the first wave never reached waited for the global cap.
      for (; cursor < count; cursor = next[cursor] ?? count) {
        const bead = ordered[cursor];
        if (bead !== undefined) waited.set(beadKey(bead), { kind: 'global-cap', cap: globalCap });
      }
    }
    waves.push(wave);
  }

  const unplanned: Bead[] = [];
  for (let cursor = next[count] ?? count; cursor < count; cursor = next[cursor] ?? count) {
    const bead = ordered[cursor];
    if (bead !== undefined) unplanned.push(bead);
  }
  return {
    waves,
    shared: findSharedScopes(ordered, options.knownPaths),
    exclusive: ordered.filter((bead) => bead.files.length === 0).map(beadKey),
    unplanned,
  };
}

function capOf(options: WaveOptions, project: string, globalCap: number): number {
  const caps = options.projectCaps;
  const cap = caps === undefined ? undefined : caps instanceof Map ? caps.get(project) : (caps as Record<string, number>)[project];
  return cap === undefined ? globalCap : Math.max(1, Math.floor(cap));
}

function reasonToWait(bead: Bead, slot: Slot | undefined, cap: number): WaitReason | undefined {
  if (slot === undefined || slot.beads.length === 0) return undefined;
  const others = slot.beads.map((planned) => planned.key);
  if (slot.exclusive || bead.files.length === 0) return { kind: 'exclusive', with: others };
  if (slot.beads.length >= cap) return { kind: 'project-cap', cap };
  const clashing: string[] = [];
  const files = new Set<string>();
  for (const planned of slot.beads) {
    const pairs = scopeOverlaps(bead.files, planned.bead.files);
    if (pairs.length === 0) continue;
    clashing.push(planned.key);
    for (const [mine] of pairs) files.add(compileScopeGlob(mine).source);
  }
  return clashing.length === 0 ? undefined : { kind: 'overlap', with: clashing, files: [...files] };
}
