/**
 * One read-only map over per-project maps whose keys are `project:...` (bead
 * keys), in project order: what the incremental graph hands out as
 * `graph.beads` and `graph.deps`, so a view after one project changed shares
 * every other project's map instead of copying 50,000 entries. Lookups find
 * the project from the key (the last project asked is tried first: most
 * lookups stay in one project). Iteration order is the order a plain map
 * filled project by project would have.
 */
export class ProjectMaps<V> implements ReadonlyMap<string, V> {
  readonly size: number;
  private readonly byProject = new Map<string, ReadonlyMap<string, V>>();
  private lastPrefix = '';
  private lastMap: ReadonlyMap<string, V> | undefined;

  /** `parts`: each project's name and its map (every key starts with `<project>:`). */
  constructor(private readonly parts: readonly (readonly [string, ReadonlyMap<string, V>])[]) {
    let size = 0;
    for (const [project, map] of parts) {
      this.byProject.set(project, map);
      size += map.size;
    }
    this.size = size;
  }

  get(key: string): V | undefined {
    return this.mapOf(key)?.get(key);
  }

  has(key: string): boolean {
    return this.mapOf(key)?.has(key) === true;
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this) callback.call(thisArg, value, key, this);
  }

  *entries(): MapIterator<[string, V]> {
    for (const [, map] of this.parts) yield* map.entries();
  }

  *keys(): MapIterator<string> {
    for (const [, map] of this.parts) yield* map.keys();
  }

  *values(): MapIterator<V> {
    for (const [, map] of this.parts) yield* map.values();
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  private mapOf(key: string): ReadonlyMap<string, V> | undefined {
    if (this.lastMap !== undefined && key.startsWith(this.lastPrefix)) return this.lastMap;
    const colon = key.indexOf(':');
    if (colon < 0) return undefined;
    const map = this.byProject.get(key.slice(0, colon));
    if (map !== undefined) {
      this.lastPrefix = key.slice(0, colon + 1);
      this.lastMap = map;
    }
    return map;
  }
}
