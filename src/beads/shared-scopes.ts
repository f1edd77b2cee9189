import { compileScopeGlob, globsOverlap, type ScopeGlob } from './overlap.js';
import { beadKey, type Bead } from './schema.js';

/**
 * The declared files shared by more than one bead of a project, for
 * `orch plan`: each pattern with every bead whose scope could touch it, and,
 * when the project's paths are known, the existing files both would match.
 */

export interface SharedScope {
  project: string;
  /** A pattern as some bead declares it. */
  pattern: string;
  /** Keys of the beads (two or more) whose files could touch it. */
  beads: string[];
  /** Known paths matched by this pattern and another of those beads' patterns (at most 50). */
  paths: string[];
}

const MAX_PATHS = 50;

export function findSharedScopes(beads: readonly Bead[], knownPaths?: (project: string) => readonly string[] | undefined): SharedScope[] {
  const byProject = new Map<string, Bead[]>();
  for (const bead of beads) {
    if (bead.files.length === 0) continue;
    const list = byProject.get(bead.project) ?? [];
    list.push(bead);
    byProject.set(bead.project, list);
  }
  const shared: SharedScope[] = [];
  for (const [project, list] of [...byProject].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    shared.push(...sharedInProject(project, list, knownPaths?.(project)));
  }
  return shared;
}

function sharedInProject(project: string, beads: readonly Bead[], known: readonly string[] | undefined): SharedScope[] {
  const owners = new Map<string, Set<string>>();
  for (const bead of beads) {
    for (const pattern of bead.files) {
      const set = owners.get(pattern) ?? new Set<string>();
      set.add(beadKey(bead));
      owners.set(pattern, set);
    }
  }
  const patterns = [...owners.keys()].sort();
  const touching = new Map<string, Set<string>>(patterns.map((pattern) => [pattern, new Set(owners.get(pattern))]));
  const partners = new Map<string, string[]>(patterns.map((pattern) => [pattern, []]));
  for (const [a, b] of candidatePairs(patterns)) {
    if (!globsOverlap(a, b)) continue;
    for (const key of owners.get(b) ?? []) touching.get(a)?.add(key);
    for (const key of owners.get(a) ?? []) touching.get(b)?.add(key);
    partners.get(a)?.push(b);
    partners.get(b)?.push(a);
  }
  const out: SharedScope[] = [];
  for (const pattern of patterns) {
    const keys = touching.get(pattern) ?? new Set<string>();
    if (keys.size < 2) continue;
    const glob = compileScopeGlob(pattern);
    const others = (partners.get(pattern) ?? []).map(compileScopeGlob);
    const selfShared = (owners.get(pattern)?.size ?? 0) > 1;
    out.push({ project, pattern, beads: [...keys].sort(), paths: concretePaths(known, glob, others, selfShared) });
  }
  return out;
}

/**
 * Pairs of distinct patterns that could overlap. Two patterns can touch the
 * same path only if their static bases are equal or one is a directory
 * prefix of the other, so each pattern is paired with its own base group and
 * the groups of its base's ancestors: near linear for real scopes.
 */
function candidatePairs(patterns: readonly string[]): [string, string][] {
  const groups = new Map<string, string[]>();
  for (const pattern of patterns) {
    const glob = compileScopeGlob(pattern);
    const base = glob.negated ? '' : glob.base;
    groups.set(base, [...(groups.get(base) ?? []), pattern]);
  }
  const pairs: [string, string][] = [];
  for (const [base, group] of groups) {
    for (let i = 0; i < group.length; i++) for (let j = i + 1; j < group.length; j++) pairs.push([group[i] ?? '', group[j] ?? '']);
    for (const ancestor of ancestorsOf(base)) {
      for (const above of groups.get(ancestor) ?? []) for (const pattern of group) pairs.push([above, pattern]);
    }
  }
  return pairs;
}

/** `a/b/c` -> `''`, `a`, `a/b`. */
function ancestorsOf(base: string): string[] {
  if (base === '') return [];
  const parts = base.split('/');
  return parts.map((_, index) => parts.slice(0, index).join('/'));
}

function concretePaths(known: readonly string[] | undefined, glob: ScopeGlob, others: readonly ScopeGlob[], selfShared: boolean): string[] {
  if (known === undefined) return [];
  const paths: string[] = [];
  for (const path of known) {
    if (!glob.matches(path)) continue;
    if (selfShared || others.some((other) => other.matches(path))) paths.push(path);
    if (paths.length >= MAX_PATHS) break;
  }
  return paths;
}
