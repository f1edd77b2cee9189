/**
 * Dependency cycles: strongly connected components (Tarjan, iterative so a
 * 50,000-bead chain cannot overflow the stack), and for every bead in one, a
 * shortest path round its cycle to name in the problem.
 */

export interface CycleMember {
  key: string;
  /** `a -> b -> a`, starting and ending at key; a long loop is shortened with one `... N more ...` entry. */
  path: string[];
}

/** Breadth-first steps spent on finding loops before the rest get a plain "in a cycle of N" path. */
export const SEARCH_BUDGET = 5_000_000;
const SHOWN_AHEAD = 4;
const SHOWN_BEHIND = 2;

export function findCycles(edges: ReadonlyMap<string, readonly string[]>): CycleMember[] {
  const members: CycleMember[] = [];
  let budget = SEARCH_BUDGET;
  for (const component of cyclicComponents(edges)) {
    const found = loopsOf(component, edges, budget);
    budget -= found.spent;
    members.push(...found.members);
  }
  return members;
}

/**
 * The members of one cyclic component, each with a loop to name, and the
 * search steps spent. With budget enough for every search (`Infinity`), a
 * component's answer depends on nothing else, so an incremental graph can
 * keep it while the component is untouched.
 */
export function loopsOf(component: readonly string[], edges: ReadonlyMap<string, readonly string[]>, budget: number): { members: CycleMember[]; spent: number } {
  const members: CycleMember[] = [];
  const inside = new Set(component);
  const done = new Set<string>();
  let spent = 0;
  for (const key of component) {
    if (done.has(key)) continue;
    const loop = budget - spent > 0 ? shortestLoop(key, edges, inside) : undefined;
    spent += inside.size;
    if (loop === undefined) {
      members.push({ key, path: [key, `... (a cycle among ${component.length} beads) ...`, key] });
      done.add(key);
      continue;
    }
    // Every bead on this loop is reported with the same loop, starting from itself.
    const ring = loop.slice(0, -1);
    ring.forEach((member, offset) => {
      if (done.has(member)) return;
      done.add(member);
      members.push({ key: member, path: rotate(ring, offset) });
    });
  }
  return { members, spent };
}

/** Every key reachable from `roots` along the edges (the roots included). */
export function reachableFrom(edges: ReadonlyMap<string, readonly string[]>, roots: Iterable<string>): string[] {
  const seen = new Set<string>(roots);
  const queue = [...seen];
  for (let head = 0; head < queue.length; head++) {
    for (const target of edges.get(queue[head] ?? '') ?? []) {
      if (seen.has(target)) continue;
      seen.add(target);
      queue.push(target);
    }
  }
  return queue;
}

/** The ring read from `offset`, closed, shortened when long. */
function rotate(ring: readonly string[], offset: number): string[] {
  const at = (step: number) => ring[(offset + step + ring.length) % ring.length] ?? '';
  if (ring.length <= SHOWN_AHEAD + SHOWN_BEHIND + 2) return [...ring.keys(), ring.length].map((step) => at(step));
  const ahead = Array.from({ length: SHOWN_AHEAD + 1 }, (_, step) => at(step));
  const behind = Array.from({ length: SHOWN_BEHIND }, (_, step) => at(ring.length - SHOWN_BEHIND + step));
  return [...ahead, `... ${ring.length - SHOWN_AHEAD - SHOWN_BEHIND - 1} more ...`, ...behind, at(0)];
}

/**
 * Components that hold a cycle (two or more beads, or one that depends on
 * itself), by Tarjan's algorithm over integer arrays: most beads are in no
 * cycle, and a 50,000-bead catalog should not allocate per bead here. Only
 * the graph among `keys` (default: every key) is searched; each component
 * is sorted.
 */
export function cyclicComponents(edges: ReadonlyMap<string, readonly string[]>, keys: readonly string[] = [...edges.keys()]): string[][] {
  const count = keys.length;
  const indexOf = new Map<string, number>();
  keys.forEach((key, i) => indexOf.set(key, i));
  const offsets = new Int32Array(count + 1);
  const targets: number[] = [];
  keys.forEach((key, i) => {
    for (const target of edges.get(key) ?? []) {
      const j = indexOf.get(target);
      if (j !== undefined) targets.push(j);
    }
    offsets[i + 1] = targets.length;
  });

  const order = new Int32Array(count).fill(-1);
  const low = new Int32Array(count);
  const onStack = new Uint8Array(count);
  const stack = new Int32Array(count);
  const workNode = new Int32Array(count);
  const workEdge = new Int32Array(count);
  let stackTop = 0;
  let counter = 0;
  const components: string[][] = [];

  for (let root = 0; root < count; root++) {
    if (order[root] !== -1) continue;
    let depth = 0;
    workNode[0] = root;
    workEdge[0] = offsets[root] ?? 0;
    order[root] = low[root] = counter++;
    stack[stackTop++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const node = workNode[depth] ?? 0;
      const edge = workEdge[depth] ?? 0;
      if (edge < (offsets[node + 1] ?? 0)) {
        workEdge[depth] = edge + 1;
        const target = targets[edge] ?? 0;
        if (order[target] === -1) {
          order[target] = low[target] = counter++;
          stack[stackTop++] = target;
          onStack[target] = 1;
          depth++;
          workNode[depth] = target;
          workEdge[depth] = offsets[target] ?? 0;
        } else if (onStack[target] === 1) {
          low[node] = Math.min(low[node] ?? 0, order[target] ?? 0);
        }
        continue;
      }
      depth--;
      if (depth >= 0) {
        const parent = workNode[depth] ?? 0;
        low[parent] = Math.min(low[parent] ?? 0, low[node] ?? 0);
      }
      if (low[node] !== order[node]) continue;
      const members: number[] = [];
      for (;;) {
        const member = stack[--stackTop] ?? 0;
        onStack[member] = 0;
        members.push(member);
        if (member === node) break;
      }
      const selfLoop = members.length === 1 && targets.slice(offsets[node] ?? 0, offsets[node + 1] ?? 0).includes(node);
      if (members.length > 1 || selfLoop) components.push(members.map((member) => keys[member] ?? '').sort());
    }
  }
  return components;
}

/** Breadth-first from key's deps back to key, within its component. */
function shortestLoop(key: string, edges: ReadonlyMap<string, readonly string[]>, inside: ReadonlySet<string>): string[] | undefined {
  const previous = new Map<string, string>();
  const queue: string[] = [key];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head] ?? '';
    for (const target of edges.get(node) ?? []) {
      if (!inside.has(target)) continue;
      if (target === key) {
        const path = [key];
        for (let step: string | undefined = node; step !== undefined && step !== key; step = previous.get(step)) path.splice(1, 0, step);
        path.push(key);
        return path;
      }
      if (previous.has(target)) continue;
      previous.set(target, node);
      queue.push(target);
    }
  }
  return undefined;
}
