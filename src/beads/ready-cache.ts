import type { GraphCache, GraphUpdate } from './graph-cache.js';
import type { BeadGraph } from './graph.js';
import { compareBeads, isReady, readySet } from './ready.js';
import type { Bead } from './schema.js';

/**
 * The ready set kept up to date with a GraphCache: after an update only the
 * projects it touched, the projects whose deps name those, and the projects
 * whose claims changed are looked at again; their ready beads replace their
 * old ones in the sorted list (a merge, no full sort). Equals
 * readySet(graph, claimed) (a randomized test checks). Lists handed out are
 * never changed afterwards.
 */
export class ReadyCache {
  private graph: BeadGraph | undefined;
  private claimed: ReadonlySet<string> = new Set();
  private ready: readonly Bead[] = [];
  /** Each ready bead's project number, by position (read here, not from 17,000 bead objects spread over the heap). */
  private projectOf: Int32Array = new Int32Array(0);
  private readonly numbers = new Map<string, number>();

  update(update: GraphUpdate, cache: GraphCache, claimed: ReadonlySet<string>): readonly Bead[] {
    const graph = update.graph;
    if (update.full || this.graph === undefined || update.previous !== this.graph) {
      const ready = readySet(graph, claimed);
      return this.remember(graph, claimed, ready, Int32Array.from(ready, (bead) => this.numberOf(bead.project)));
    }
    const dirty = new Set([...update.touched, ...cache.dependentsOf(update.touched), ...projectsClaimedDifferently(this.claimed, claimed)]);
    if (dirty.size === 0) return this.remember(graph, claimed, this.ready, this.projectOf);
    const fresh: Bead[] = [];
    for (const project of dirty) for (const [key, bead] of cache.beadsOf(project)) if (isReady(graph, key, bead, claimed)) fresh.push(bead);
    fresh.sort(compareBeads);
    const dropped = new Uint8Array(this.numbers.size + dirty.size);
    for (const project of dirty) dropped[this.numberOf(project)] = 1;
    const { ready, projectOf } = this.replace(dropped, fresh);
    return this.remember(graph, claimed, ready, projectOf);
  }

  private numberOf(project: string): number {
    let number = this.numbers.get(project);
    if (number === undefined) {
      number = this.numbers.size;
      this.numbers.set(project, number);
    }
    return number;
  }

  /**
   * The list without the beads of `dropped` projects and with `fresh`
   * (sorted) merged in, in one pass: a binary search for each fresh bead's
   * place among the kept ones (few comparisons; most beads are only copied).
   */
  private replace(dropped: Uint8Array, fresh: readonly Bead[]): { ready: Bead[]; projectOf: Int32Array } {
    const before = this.ready;
    const projects = this.projectOf;
    const kept = new Int32Array(before.length);
    let count = 0;
    for (let index = 0; index < before.length; index++) if (dropped[projects[index] ?? 0] !== 1) kept[count++] = index;
    const size = count + fresh.length;
    const ready = new Array<Bead>(size);
    const projectOf = new Int32Array(size);
    let filled = 0;
    let next = 0;
    const copyUpTo = (end: number) => {
      for (; next < end; next++) {
        const at = kept[next] ?? 0;
        ready[filled] = before[at] as Bead;
        projectOf[filled++] = projects[at] ?? 0;
      }
    };
    for (const bead of fresh) {
      let low = next;
      let high = count;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (compareBeads(before[kept[middle] ?? 0] as Bead, bead) <= 0) low = middle + 1;
        else high = middle;
      }
      copyUpTo(low);
      ready[filled] = bead;
      projectOf[filled++] = this.numberOf(bead.project);
    }
    copyUpTo(count);
    return { ready, projectOf };
  }

  private remember(graph: BeadGraph, claimed: ReadonlySet<string>, ready: readonly Bead[], projectOf: Int32Array): readonly Bead[] {
    this.graph = graph;
    this.claimed = new Set(claimed);
    this.ready = ready;
    this.projectOf = projectOf;
    return ready;
  }
}

function projectsClaimedDifferently(before: ReadonlySet<string>, after: ReadonlySet<string>): Set<string> {
  const projects = new Set<string>();
  for (const key of before) if (!after.has(key)) projects.add(key.slice(0, key.indexOf(':')));
  for (const key of after) if (!before.has(key)) projects.add(key.slice(0, key.indexOf(':')));
  return projects;
}
