import { OverlapMemo } from './overlap-memo.js';
import { beadKey, type Bead } from './schema.js';
import { findSharedScopes, type SharedScope } from './shared-scopes.js';
import { planInOrder, prepareBeads, ProjectNumbers, type FilledWaves, type PreparedBeads } from './wave-fill.js';
import { exclusiveKeys, planWaves, type WaveOptions, type WavePlan } from './waves.js';

/**
 * planWaves for a caller that plans again and again (the watcher), given
 * the ready beads of one graph in planning order, so neither sorted again
 * nor read again: at 17,000 ready beads, sorting and reading every bead
 * object took longer than the planning itself. The same ready list with the
 * same caps gives the previous plan back; otherwise each bead's project and
 * pattern numbers are taken from the previous plan where the bead is the
 * same object, overlap answers are remembered across plans, and a project's
 * shared scopes are found again only when its beads with files changed.
 * Equals planWaves (a randomized test checks). Plans handed out are never
 * changed afterwards.
 */
export class WavePlanner {
  private readonly memo = new OverlapMemo();
  private readonly projects = new ProjectNumbers();
  private last: { options: WaveOptions; prepared: PreparedBeads; filled: FilledWaves; plan: WavePlan } | undefined;
  private shared = new Map<string, { beads: readonly Bead[]; scopes: SharedScope[] }>();

  /**
   * planWaves(ordered, options) for the ready beads of one graph (so each
   * key once) already in planning order (compareBeads), as readySet and
   * ReadyCache give them. The planner keeps the list: it must not be
   * changed afterwards (ReadyCache's lists never are).
   */
  plan(ordered: readonly Bead[], options: WaveOptions): WavePlan {
    // Known paths come from outside and may change between calls: no caching then.
    if (options.knownPaths !== undefined) return planWaves(ordered, options);
    const last = this.last;
    if (last !== undefined && sameList(last.prepared.ordered, ordered) && sameOptions(last.options, options)) return last.plan;
    const renumbered = this.memo.startPlan();
    const prepared = prepareBeads(ordered, this.memo, this.projects, renumbered ? undefined : last?.prepared, beadKey);
    const resume = last !== undefined && sameOptions(last.options, options) ? { filled: last.filled, same: sameLead(last.prepared.ordered, ordered) } : undefined;
    const filled = planInOrder(prepared, this.projects, options, this.memo, true, resume);
    const plan: WavePlan = { waves: filled.waves, shared: this.sharedScopes(prepared), exclusive: exclusiveKeys(prepared), unplanned: filled.unplanned };
    this.last = { options: { ...options }, prepared, filled, plan };
    return plan;
  }

  /** findSharedScopes(ordered), one project at a time, reusing a project's scopes while its beads with files are the same. */
  private sharedScopes(prepared: PreparedBeads): SharedScope[] {
    const { ordered, projectOf, fileStart } = prepared;
    const byProject = new Map<number, Bead[]>();
    for (let index = 0; index < ordered.length; index++) {
      if (fileStart[index] === fileStart[index + 1]) continue;
      const bead = ordered[index];
      const project = projectOf[index] ?? 0;
      if (bead === undefined) continue;
      const list = byProject.get(project);
      if (list === undefined) byProject.set(project, [bead]);
      else list.push(bead);
    }
    const named = [...byProject].map(([project, beads]) => [this.projects.names[project] ?? '', beads] as const);
    named.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const next = new Map<string, { beads: readonly Bead[]; scopes: SharedScope[] }>();
    const shared: SharedScope[] = [];
    for (const [project, beads] of named) {
      const before = this.shared.get(project);
      const scopes = before !== undefined && sameList(before.beads, beads) ? before.scopes : findSharedScopes(beads);
      next.set(project, { beads, scopes });
      shared.push(...scopes);
    }
    this.shared = next;
    return shared;
  }
}

/** How many leading entries the two lists share. */
function sameLead<T>(a: readonly T[], b: readonly T[]): number {
  const end = Math.min(a.length, b.length);
  let index = 0;
  while (index < end && a[index] === b[index]) index++;
  return index;
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameOptions(a: WaveOptions, b: WaveOptions): boolean {
  return a.globalCap === b.globalCap && a.maxWaves === b.maxWaves && a.knownPaths === b.knownPaths && sameCaps(a.projectCaps, b.projectCaps);
}

function sameCaps(a: WaveOptions['projectCaps'], b: WaveOptions['projectCaps']): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  const left = a instanceof Map ? [...a] : Object.entries(a);
  const right = b instanceof Map ? [...b] : Object.entries(b);
  return left.length === right.length && left.every(([name, cap], index) => right[index]?.[0] === name && right[index]?.[1] === cap);
}
