import type { OverlapMemo } from './overlap-memo.js';
import { compareBeads } from './ready.js';
import { beadKey, type Bead } from './schema.js';
import type { PlannedBead, WaitReason, Wave, WaveOptions, WavePlan } from './waves.js';

/**
 * Filling the waves (waves.ts states the rule) from beads already in
 * planning order. At 17,000 ready beads and a cap of 4 that is 4,000 waves
 * and some 80,000 looks at a bead, so the loop reads flat arrays: each
 * bead's project and pattern numbers are read once, a project's slot in the
 * current wave is found by number, and two beads' files are compared through
 * the memo's numbered pairs. Only the first wave's reasons to wait are
 * kept; later waves only ask whether a bead waits.
 */

/** Projects by number, kept across plans so a bead's prepared project number stays valid. */
export class ProjectNumbers {
  private readonly ids = new Map<string, number>();
  readonly names: string[] = [];

  idOf(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
    }
    return id;
  }
}

/** What the loop reads of each bead, by position in planning order. */
export interface PreparedBeads {
  ordered: readonly Bead[];
  keys: readonly string[];
  /** Each bead's project number. */
  projectOf: Int32Array;
  /** Bead i's files as pattern numbers: fileIds[fileStart[i]] up to fileIds[fileStart[i + 1]]. */
  fileStart: Int32Array;
  fileIds: Int32Array;
  /** Where bead i was in the preparation this one was made from (-1: not there, or made afresh). */
  from: Int32Array;
}

/**
 * Reads each bead once. With the previous plan's preparation (same memo and
 * project numbers, not renumbered since), a bead that was there (the same
 * object) is copied from it, found by walking both lists in step: after
 * one commit, only the few new beads are read, not 17,000 objects spread
 * over the heap.
 */
export function prepareBeads(
  ordered: readonly Bead[],
  memo: OverlapMemo,
  projects: ProjectNumbers,
  previous?: PreparedBeads,
  keyOf: (bead: Bead) => string = beadKey,
): PreparedBeads {
  const count = ordered.length;
  const keys: string[] = new Array<string>(count);
  const projectOf = new Int32Array(count);
  const fileStart = new Int32Array(count + 1);
  // Where each bead was in the previous preparation (-1: read it now), and how many pattern numbers there are.
  const from = new Int32Array(count);
  const before = previous?.ordered ?? [];
  let old = 0;
  let total = 0;
  for (let index = 0; index < count; index++) {
    const bead = ordered[index];
    from[index] = -1;
    if (bead === undefined) continue;
    while (previous !== undefined && old < before.length && before[old] !== bead) {
      // Both lists are in planning order: a bead that sorts first is gone.
      const gone = before[old];
      if (gone === undefined || compareBeads(gone, bead) >= 0) break;
      old++;
    }
    if (previous !== undefined && before[old] === bead) {
      from[index] = old;
      keys[index] = previous.keys[old] ?? keyOf(bead);
      projectOf[index] = previous.projectOf[old] ?? 0;
      total += (previous.fileStart[old + 1] ?? 0) - (previous.fileStart[old] ?? 0);
      old++;
      continue;
    }
    keys[index] = keyOf(bead);
    projectOf[index] = projects.idOf(bead.project);
    total += bead.files.length;
  }
  const fileIds = new Int32Array(total);
  let at = 0;
  for (let index = 0; index < count; index++) {
    fileStart[index] = at;
    const source = from[index] ?? -1;
    if (previous !== undefined && source >= 0) {
      const end = previous.fileStart[source + 1] ?? 0;
      for (let file = previous.fileStart[source] ?? 0; file < end; file++) fileIds[at++] = previous.fileIds[file] ?? 0;
    } else {
      for (const pattern of ordered[index]?.files ?? []) fileIds[at++] = memo.idOf(pattern);
    }
  }
  fileStart[count] = at;
  return { ordered, keys, projectOf, fileStart, fileIds, from };
}

/** The waves, and what a later plan needs to take over the waves it would fill the same way. */
export interface FilledWaves extends Pick<WavePlan, 'waves' | 'unplanned'> {
  /** Per wave (number - 1): the first position its scan did not look at (the list's length when it ran to the end). */
  reach: number[];
  /** Per wave: whether it stopped because it was full. */
  full: boolean[];
  /** Per position: the wave that took the bead (0: none), and its place in that wave. */
  waveOf: Int32Array;
  placeOf: Int32Array;
  /** First-wave reasons by position (with unique keys). */
  waitedAt: (WaitReason | undefined)[];
  firstWaveEnd: number;
  globalCapReason: WaitReason;
}

/** The previous fill (same options) and how many leading positions hold the same beads as then. */
export interface Resume {
  filled: FilledWaves;
  same: number;
}

/**
 * The waves and what is left past `maxWaves`. `uniqueKeys`: every key
 * occurs once (ready beads of one graph); reasons are then kept by
 * position, with the global cap implied for every bead the first wave did
 * not reach, instead of one map entry per bead. With `resume` (unique keys
 * only), the leading waves that were full and looked only at positions
 * before the first change are taken over as they were: each saw the same
 * beads in the same state, so it would come out the same.
 */
export function planInOrder(
  prepared: PreparedBeads,
  projects: ProjectNumbers,
  options: WaveOptions,
  memo: OverlapMemo,
  uniqueKeys: boolean,
  resume?: Resume,
): FilledWaves {
  const { ordered, keys, projectOf, fileStart, fileIds } = prepared;
  const globalCap = Math.max(1, Math.floor(options.globalCap));
  const count = ordered.length;
  const caps = projects.names.map((name) => capOf(options, name, globalCap));
  const fileless = (index: number) => fileStart[index] === fileStart[index + 1];

  // A project's slot: the wave it was last opened in, the positions planned there, whether one declares no files.
  const slotWave = new Int32Array(caps.length);
  const slotMembers: number[][] = caps.map(() => []);
  const slotExclusive = new Uint8Array(caps.length);

  /** Whether the bead at `index` waits, given the positions its project has in the wave (reasonToWait without the reason). */
  const mustWait = (index: number, members: readonly number[], exclusive: boolean, cap: number): boolean => {
    if (members.length === 0) return false;
    if (exclusive || fileless(index) || members.length >= cap) return true;
    const end = fileStart[index + 1] ?? 0;
    for (const other of members) {
      const otherEnd = fileStart[other + 1] ?? 0;
      for (let mine = fileStart[index] ?? 0; mine < end; mine++) {
        for (let theirs = fileStart[other] ?? 0; theirs < otherEnd; theirs++) if (memo.overlap(fileIds[mine] ?? 0, fileIds[theirs] ?? 0)) return true;
      }
    }
    return false;
  };

  /** Why the bead at `index` waits (mustWait said it does). */
  const reasonToWait = (index: number, members: readonly number[], exclusive: boolean, cap: number): WaitReason => {
    const others = members.map((other) => keys[other] ?? '');
    if (exclusive || fileless(index)) return { kind: 'exclusive', with: others };
    if (members.length >= cap) return { kind: 'project-cap', cap };
    const patterns = ordered[index]?.files ?? [];
    const start = fileStart[index] ?? 0;
    const clashing: string[] = [];
    const files = new Set<string>();
    for (const other of members) {
      // The patterns of this bead that could touch one of the planned bead's (a pattern names itself).
      let clash = false;
      for (let mine = start; mine < (fileStart[index + 1] ?? 0); mine++) {
        for (let theirs = fileStart[other] ?? 0; theirs < (fileStart[other + 1] ?? 0); theirs++) {
          if (!memo.overlap(fileIds[mine] ?? 0, fileIds[theirs] ?? 0)) continue;
          clash = true;
          files.add(patterns[mine - start] ?? '');
        }
      }
      if (clash) clashing.push(keys[other] ?? '');
    }
    return { kind: 'overlap', with: clashing, files: [...files] };
  };

  let kept = 0;
  const before = uniqueKeys ? resume?.filled : undefined;
  if (before !== undefined && resume !== undefined) {
    while (kept < before.waves.length && before.full[kept] === true && (before.reach[kept] ?? count) <= resume.same) kept++;
  }

  // Reasons to wait: by key (the general rule), or by position when keys are unique.
  const waitedByKey = new Map<string, WaitReason>();
  const waitedAt: (WaitReason | undefined)[] = kept > 0 && before !== undefined ? before.waitedAt : [];
  const globalCapReason: WaitReason = before?.globalCapReason.kind === 'global-cap' && before.globalCapReason.cap === globalCap ? before.globalCapReason : { kind: 'global-cap', cap: globalCap };
  let firstWaveEnd = kept > 0 && before !== undefined ? before.firstWaveEnd : count;
  const waitedOf = (index: number, key: string): WaitReason | undefined => {
    if (!uniqueKeys) return waitedByKey.get(key);
    return waitedAt[index] ?? (index >= firstWaveEnd ? globalCapReason : undefined);
  };

  const waves: Wave[] = before?.waves.slice(0, kept) ?? [];
  const reach: number[] = before?.reach.slice(0, kept) ?? [];
  const full: boolean[] = before?.full.slice(0, kept) ?? [];
  const waveOf = new Int32Array(count);
  const placeOf = new Int32Array(count);
  if (before !== undefined && kept > 0) {
    const end = Math.min(count, before.waveOf.length);
    for (let index = 0; index < end; index++) {
      const wave = before.waveOf[index] ?? 0;
      if (wave > 0 && wave <= kept) {
        waveOf[index] = wave;
        placeOf[index] = before.placeOf[index] ?? 0;
      }
    }
  }
  // A linked list of the beads not planned yet: next[i] follows i, next[count] is the first.
  const next = new Int32Array(count + 1);
  let last = count;
  for (let index = 0; index < count; index++) {
    if (waveOf[index] !== 0) continue;
    next[last] = index;
    last = index;
  }
  next[last] = count;
  const maxWaves = options.maxWaves ?? Infinity;
  /** The bead at `index` as the previous plan had it, when that plan put it in wave `number` too. */
  const plannedBefore = (index: number, number: number): PlannedBead | undefined => {
    if (before === undefined) return undefined;
    const old = prepared.from[index] ?? -1;
    if (old < 0 || before.waveOf[old] !== number) return undefined;
    return before.waves[number - 1]?.beads[before.placeOf[old] ?? 0];
  };

  while ((next[count] ?? count) < count && waves.length < maxWaves) {
    const number = waves.length + 1;
    const wave: Wave = { number, beads: [] };
    let previous = count;
    let cursor = next[count] ?? count;
    while (cursor < count && wave.beads.length < globalCap) {
      const following = next[cursor] ?? count;
      const project = projectOf[cursor] ?? 0;
      const open = slotWave[project] !== number;
      const members = slotMembers[project] ?? [];
      const exclusive = !open && slotExclusive[project] === 1;
      const cap = caps[project] ?? globalCap;
      if (open || !mustWait(cursor, members, exclusive, cap)) {
        const bead = ordered[cursor];
        if (bead === undefined) break;
        const key = keys[cursor] ?? beadKey(bead);
        const waited = waitedOf(cursor, key);
        const same = plannedBefore(cursor, number);
        // One literal either way: a key added afterwards would cost each of 17,000 objects a side table.
        const planned: PlannedBead =
          same !== undefined && same.bead === bead && same.key === key && same.waited === waited ? same : waited === undefined ? { key, bead, wave: number } : { key, bead, wave: number, waited };
        placeOf[cursor] = wave.beads.length;
        wave.beads.push(planned);
        if (open) {
          slotWave[project] = number;
          members.length = 0;
          slotExclusive[project] = 0;
        }
        members.push(cursor);
        if (fileless(cursor)) slotExclusive[project] = 1;
        waveOf[cursor] = number;
        next[previous] = following;
      } else {
        if (number === 1) {
          const reason = reasonToWait(cursor, members, exclusive, cap);
          if (uniqueKeys) waitedAt[cursor] = reason;
          else waitedByKey.set(keys[cursor] ?? '', reason);
        }
        previous = cursor;
      }
      cursor = following;
    }
    reach.push(cursor);
    full.push(wave.beads.length >= globalCap);
    // A wave that came out as it was last time is that wave (a watcher re-plans after every commit: less to keep twice).
    const old = before?.waves[number - 1];
    const filled = old !== undefined && old.number === number && old.beads.length === wave.beads.length && old.beads.every((planned, at) => planned === wave.beads[at]) ? old : wave;
    if (number === 1) {
      // Beads the first wave never reached waited for the global cap.
      firstWaveEnd = cursor;
      if (!uniqueKeys) for (; cursor < count; cursor = next[cursor] ?? count) waitedByKey.set(keys[cursor] ?? '', globalCapReason);
    }
    waves.push(filled);
  }

  const unplanned: Bead[] = [];
  for (let cursor = next[count] ?? count; cursor < count; cursor = next[cursor] ?? count) {
    const bead = ordered[cursor];
    if (bead !== undefined) unplanned.push(bead);
  }
  return { waves, unplanned, reach, full, waveOf, placeOf, waitedAt, firstWaveEnd, globalCapReason };
}

function capOf(options: WaveOptions, project: string, globalCap: number): number {
  const caps = options.projectCaps;
  const cap = caps === undefined ? undefined : caps instanceof Map ? caps.get(project) : (caps as Record<string, number>)[project];
  return cap === undefined ? globalCap : Math.max(1, Math.floor(cap));
}
