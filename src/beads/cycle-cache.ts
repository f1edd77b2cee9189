import { cyclicComponents, findCycles, loopsOf, reachableFrom, SEARCH_BUDGET, type CycleMember } from './cycles.js';

/**
 * Dependency cycles kept up to date as deps change (the incremental
 * graph's third step). A component that holds none of the beads whose deps
 * changed is the same component before and after (a new cycle, or a broken
 * one, runs through a changed bead), so it keeps its answer; only the
 * components among what the changed beads reach are searched again. A
 * component's answer depends on nothing else while the search budget
 * covers every component, which is checked: past it, the full findCycles
 * runs, exactly as a full build would.
 */

interface Component {
  keys: readonly string[];
  members: readonly CycleMember[];
  spent: number;
}

export class CycleCache {
  /** Undefined when the last search ran out of budget: the next update searches everything. */
  private components: Component[] | undefined = [];
  private all: readonly CycleMember[] = [];

  get members(): readonly CycleMember[] {
    return this.all;
  }

  /** Everything searched afresh. */
  rebuild(edges: ReadonlyMap<string, readonly string[]>): readonly CycleMember[] {
    return this.settle(edges, cyclicComponents(edges).map((keys) => ({ keys, ...loopsOf(keys, edges, Infinity) })));
  }

  /** After the deps of `changed` (keys whose dep list was added, removed or altered) changed. */
  update(edges: ReadonlyMap<string, readonly string[]>, changed: ReadonlySet<string>): readonly CycleMember[] {
    if (this.components === undefined) return this.rebuild(edges);
    const kept = this.components.filter((component) => !component.keys.some((key) => changed.has(key)));
    const roots = [...changed].filter((key) => edges.has(key));
    const found = cyclicComponents(edges, reachableFrom(edges, roots))
      .filter((keys) => keys.some((key) => changed.has(key)))
      .map((keys) => ({ keys, ...loopsOf(keys, edges, Infinity) }));
    return this.settle(edges, [...kept, ...found]);
  }

  private settle(edges: ReadonlyMap<string, readonly string[]>, components: Component[]): readonly CycleMember[] {
    const spent = components.reduce((sum, component) => sum + component.spent, 0);
    if (spent > SEARCH_BUDGET) {
      // Which components got a search depends on their order: do what a full build does.
      this.components = undefined;
      this.all = findCycles(edges);
    } else {
      this.components = components;
      this.all = components.flatMap((component) => component.members);
    }
    return this.all;
  }
}
