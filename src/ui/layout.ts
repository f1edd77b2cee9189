import type { BeadInfo } from './source.js';

/**
 * Where each bead sits in the dashboard graph. One lane per project; inside
 * it, columns read left to right as time: what is done (by dependency depth),
 * what runs now, the planned waves, then what waits (one column further than
 * its furthest dependency). Edges point from a dependency to its dependent.
 * Pure and linear in beads + deps, so it is recomputed on every state change.
 */

export type LayoutBead = Pick<BeadInfo, 'project' | 'id' | 'state' | 'deps' | 'priority' | 'wave'>;

export interface LayoutOptions {
  nodeWidth: number;
  nodeHeight: number;
  columnGap: number;
  rowGap: number;
  laneHeader: number;
  padding: number;
  /** A column taller than this wraps into sub-columns. */
  maxRows: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = { nodeWidth: 176, nodeHeight: 38, columnGap: 44, rowGap: 10, laneHeader: 50, padding: 16, maxRows: 20 };

export interface GraphLayout {
  width: number;
  height: number;
  nodeWidth: number;
  nodeHeight: number;
  /** Top-left corner of bead i at pos[2i], pos[2i + 1]. */
  pos: number[];
  lanes: { project: string; y: number; height: number; count: number }[];
  columns: { project: string; x: number; y: number; label: string }[];
  /** SVG path data: edges inside a project, and across projects. */
  edges: string;
  crossEdges: string;
}

type Group = 'history' | 'now' | 'planned' | 'waiting';

function groupOf(state: string): Group {
  if (state === 'closed' || state === 'failed') return 'history';
  if (state === 'running' || state === 'claimed') return 'now';
  if (state === 'ready') return 'planned';
  return 'waiting';
}

/** `id` (same project) or `project:id`, as a global key. */
export function resolveDep(project: string, dep: string): string {
  const colon = dep.indexOf(':');
  return colon < 0 ? `${project}/${dep}` : `${dep.slice(0, colon)}/${dep.slice(colon + 1)}`;
}

export function layoutGraph(beads: LayoutBead[], projects: string[] = [], options: LayoutOptions = DEFAULT_LAYOUT): GraphLayout {
  const index = new Map<string, number>();
  beads.forEach((bead, i) => {
    const key = `${bead.project}/${bead.id}`;
    if (!index.has(key)) index.set(key, i);
  });
  const byProject = new Map<string, number[]>(projects.map((p) => [p, []]));
  beads.forEach((bead, i) => {
    const list = byProject.get(bead.project);
    if (list === undefined) byProject.set(bead.project, [i]);
    else list.push(i);
  });

  const pos = new Array<number>(beads.length * 2).fill(0);
  const lanes: GraphLayout['lanes'] = [];
  const columns: GraphLayout['columns'] = [];
  let y = options.padding;
  let width = options.padding * 2 + options.nodeWidth;
  for (const [project, members] of byProject) {
    const lane = placeLane(project, members, beads, index, options, y, pos, columns);
    lanes.push({ project, y, height: lane.height, count: members.length });
    y += lane.height;
    width = Math.max(width, lane.width);
  }
  const { edges, crossEdges } = drawEdges(beads, index, pos, options);
  return { width, height: y + options.padding, nodeWidth: options.nodeWidth, nodeHeight: options.nodeHeight, pos, lanes, columns, edges, crossEdges };
}

interface Ranking {
  rank: Map<number, number>;
  labels: Map<number, string>;
}

/** Rank (column) of every member of one project. */
function rankProject(members: number[], beads: LayoutBead[], index: Map<string, number>): Ranking {
  const project = beads[members[0] ?? 0]?.project ?? '';
  const depsOf = (i: number): number[] => {
    const out: number[] = [];
    for (const dep of beads[i]?.deps ?? []) {
      const j = index.get(resolveDep(project, dep));
      if (j !== undefined && j !== i && beads[j]?.project === project) out.push(j);
    }
    return out;
  };
  const group = (i: number): Group => groupOf(beads[i]?.state ?? '');
  const rank = new Map<number, number>();
  const labels = new Map<number, string>();

  // Longest chain of dependencies in the same group (a waiting bead's other
  // dependencies all sit in earlier columns). Iterative DFS; a cycle is cut.
  const depth = new Map<number, number>();
  const deepest = (start: number, within: Group, base: number, memo: Map<number, number>): number => {
    const visiting = new Set<number>();
    const stack: { i: number; expanded: boolean }[] = [{ i: start, expanded: false }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (memo.has(top.i)) {
        stack.pop();
        continue;
      }
      const deps = depsOf(top.i).filter((j) => group(j) === within);
      if (!top.expanded) {
        top.expanded = true;
        visiting.add(top.i);
        for (const j of deps) if (!memo.has(j) && !visiting.has(j)) stack.push({ i: j, expanded: false });
        continue;
      }
      let value = base;
      for (const j of deps) {
        const known = memo.get(j);
        if (known !== undefined) value = Math.max(value, known + 1);
      }
      memo.set(top.i, value);
      visiting.delete(top.i);
      stack.pop();
    }
    return memo.get(start) ?? base;
  };

  let history = 0;
  for (const i of members) {
    if (group(i) !== 'history') continue;
    const d = deepest(i, 'history', 0, depth);
    rank.set(i, d);
    history = Math.max(history, d + 1);
  }
  if (history > 0) labels.set(0, 'done');
  let next = history;
  if (members.some((i) => group(i) === 'now')) {
    for (const i of members) if (group(i) === 'now') rank.set(i, next);
    labels.set(next, 'running');
    next += 1;
  }
  const planned = members.filter((i) => group(i) === 'planned');
  const waves = [...new Set(planned.map((i) => beads[i]?.wave).filter((w): w is number => w !== undefined))].sort((a, b) => a - b);
  waves.forEach((wave, k) => labels.set(next + k, `wave ${wave}`));
  const unplanned = next + waves.length;
  for (const i of planned) {
    const wave = beads[i]?.wave;
    rank.set(i, wave === undefined ? unplanned : next + waves.indexOf(wave));
  }
  if (planned.some((i) => beads[i]?.wave === undefined)) labels.set(unplanned, 'ready');
  const waitingBase = unplanned + (labels.has(unplanned) ? 1 : 0);
  const waiting = new Map<number, number>();
  for (const i of members) {
    if (group(i) !== 'waiting') continue;
    rank.set(i, deepest(i, 'waiting', waitingBase, waiting));
    labels.set(waitingBase, 'waiting');
  }
  return { rank, labels };
}

function placeLane(
  project: string,
  members: number[],
  beads: LayoutBead[],
  index: Map<string, number>,
  options: LayoutOptions,
  laneY: number,
  pos: number[],
  columns: GraphLayout['columns'],
): { height: number; width: number } {
  const { rank, labels } = rankProject(members, beads, index);
  const byRank = new Map<number, number[]>();
  for (const i of members) {
    const r = rank.get(i) ?? 0;
    const list = byRank.get(r);
    if (list === undefined) byRank.set(r, [i]);
    else list.push(i);
  }
  const rowOf = new Map<number, number>();
  const top = laneY + options.laneHeader;
  let x = options.padding;
  let rows = 1;
  for (const r of [...byRank.keys()].sort((a, b) => a - b)) {
    const column = orderColumn(byRank.get(r) ?? [], beads, index, rowOf);
    columns.push({ project, x, y: top - 7, label: labels.get(r) ?? '' });
    for (let start = 0; start < column.length; start += options.maxRows) {
      const slice = column.slice(start, start + options.maxRows);
      slice.forEach((i, row) => {
        rowOf.set(i, start + row); // the order in the whole column, so dependents follow it across sub-columns
        pos[2 * i] = x;
        pos[2 * i + 1] = top + row * (options.nodeHeight + options.rowGap);
      });
      rows = Math.max(rows, slice.length);
      x += options.nodeWidth + options.columnGap;
    }
  }
  const height = options.laneHeader + rows * (options.nodeHeight + options.rowGap) + options.padding;
  return { height, width: Math.max(x - options.columnGap + options.padding, options.padding * 2 + options.nodeWidth) };
}

/** Barycenter of already placed dependencies first (fewer crossings), then priority, then id. */
function orderColumn(members: number[], beads: LayoutBead[], index: Map<string, number>, rowOf: Map<number, number>): number[] {
  const keyed = members.map((i) => {
    const bead = beads[i];
    let sum = 0;
    let count = 0;
    for (const dep of bead?.deps ?? []) {
      const j = index.get(resolveDep(bead?.project ?? '', dep));
      const row = j === undefined ? undefined : rowOf.get(j);
      if (row !== undefined) {
        sum += row;
        count += 1;
      }
    }
    return { i, bary: count === 0 ? Number.POSITIVE_INFINITY : sum / count, priority: bead?.priority ?? 4, id: bead?.id ?? '' };
  });
  keyed.sort((a, b) => a.bary - b.bary || a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return keyed.map((k) => k.i);
}

function drawEdges(beads: LayoutBead[], index: Map<string, number>, pos: number[], options: LayoutOptions): { edges: string; crossEdges: string } {
  const inner: string[] = [];
  const cross: string[] = [];
  const half = options.nodeHeight / 2;
  beads.forEach((bead, i) => {
    for (const dep of bead.deps) {
      const j = index.get(resolveDep(bead.project, dep));
      if (j === undefined || j === i) continue;
      const x1 = (pos[2 * j] ?? 0) + options.nodeWidth;
      const y1 = (pos[2 * j + 1] ?? 0) + half;
      const x2 = pos[2 * i] ?? 0;
      const y2 = (pos[2 * i + 1] ?? 0) + half;
      const dx = Math.max(24, Math.round((x2 - x1) / 2));
      const path = `M${x1} ${y1}C${x1 + dx} ${y1} ${x2 - dx} ${y2} ${x2} ${y2}`;
      (beads[j]?.project === bead.project ? inner : cross).push(path);
    }
  });
  return { edges: inner.join(''), crossEdges: cross.join('') };
}
