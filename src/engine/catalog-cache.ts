import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BEADS_DIR, type Bead, type BeadProblem } from '../beads/index.js';
import { writeFileAtomic } from '../sys/atomic-file.js';

/**
 * The bead catalog's disk cache, one file per project under
 * `<workspace>/.orch/run/cache/beads/`: the branch tip and `.agents/beads`
 * tree it was read at, and every file's parse result keyed by blob id. A
 * second `orch ready` on an unchanged repo reads this instead of git; after
 * a commit only the changed blobs are parsed again. Disposable: anything
 * unreadable or from another version is a miss.
 */

/** Bump when parsing or the Bead shape changes: old caches then miss. */
export const BEAD_CACHE_VERSION = 1;

/** A bead file's parse result. */
export type FileResult = { ok: true; bead: Bead } | { ok: false; problems: BeadProblem[] };

export interface CachedFile {
  name: string;
  blob: string;
  result: FileResult;
}

export interface ProjectCache {
  path: string;
  branch: string;
  commit: string;
  /** The `.agents/beads` tree, or null when the branch has none. */
  tree: string | null;
  files: CachedFile[];
}

/** On disk, results leave out what the project restores (project, file). */
type StoredResult = { ok: true; bead: Omit<Bead, 'project' | 'file'> } | { ok: false; problems: Omit<BeadProblem, 'project' | 'file'>[] };
interface StoredCache extends Omit<ProjectCache, 'files'> {
  version: number;
  files: { name: string; blob: string; result: StoredResult }[];
}

export function beadCacheDir(workspaceRoot: string): string {
  return join(workspaceRoot, '.orch', 'run', 'cache', 'beads');
}

function cacheFile(dir: string, project: string): string {
  return join(dir, `${project}.json`);
}

export async function readProjectCache(dir: string, project: string, path: string, branch: string): Promise<ProjectCache | undefined> {
  let stored: Partial<StoredCache> | null;
  try {
    stored = JSON.parse(await readFile(cacheFile(dir, project), 'utf8')) as Partial<StoredCache> | null;
  } catch {
    return undefined;
  }
  if (stored === null || typeof stored !== 'object' || stored.version !== BEAD_CACHE_VERSION || stored.path !== path || stored.branch !== branch) return undefined;
  if (typeof stored.commit !== 'string' || !Array.isArray(stored.files)) return undefined;
  const base = `${join(path, BEADS_DIR)}/`;
  const files = stored.files.map(({ name, blob, result }): CachedFile => {
    const file = base + name;
    return {
      name,
      blob,
      result: result.ok ? { ok: true, bead: restoreBead(result.bead, project, file) } : { ok: false, problems: result.problems.map((problem) => ({ ...problem, project, file })) },
    };
  });
  return { path, branch, commit: stored.commit, tree: stored.tree ?? null, files };
}

export async function writeProjectCache(dir: string, project: string, cache: ProjectCache): Promise<void> {
  const stored: StoredCache = {
    version: BEAD_CACHE_VERSION,
    path: cache.path,
    branch: cache.branch,
    commit: cache.commit,
    tree: cache.tree,
    files: cache.files.map(({ name, blob, result }) => ({
      name,
      blob,
      result: result.ok ? { ok: true, bead: withoutPlace(result.bead) } : { ok: false, problems: result.problems.map(withoutPlace) },
    })),
  };
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(cacheFile(dir, project), JSON.stringify(stored));
}

/** Field by field, so every restored bead has the same shape as a parsed one (the graph code stays monomorphic). */
function restoreBead(stored: Omit<Bead, 'project' | 'file'>, project: string, file: string): Bead {
  const bead: Bead = {
    project,
    file,
    id: stored.id,
    title: stored.title,
    status: stored.status,
    priority: stored.priority,
    type: stored.type,
    deps: stored.deps,
    files: stored.files,
    labels: stored.labels,
    lines: stored.lines,
  };
  if (stored.created !== undefined) bead.created = stored.created;
  if (stored.reason !== undefined) bead.reason = stored.reason;
  return bead;
}

function withoutPlace<T extends { project?: string; file: string }>(value: T): Omit<T, 'project' | 'file'> {
  const { project: _project, file: _file, ...rest } = value;
  return rest;
}
