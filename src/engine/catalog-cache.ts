import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BEADS_DIR, type Bead, type BeadProblem } from '../beads/index.js';
import { writeFileAtomic } from '../sys/atomic-file.js';
import { BeadCompactor } from './catalog-compact.js';

/**
 * The bead catalog's disk cache, one file per project under
 * `<workspace>/.orch/run/cache/beads/`: the branch tip and `.agents/beads`
 * tree it was read at, and every file's parse result keyed by blob id. A
 * second `orch ready` on an unchanged repo reads this instead of git; after
 * a commit only the changed blobs are parsed again. Disposable: anything
 * unreadable or from another version is a miss.
 *
 * JSON lines: the header (version, path, branch, commit, tree), then the
 * files, as JSON arrays of up to ~32 KB a line. Read and written a line at a
 * time, so neither side makes a string of the whole file (~360 KB for 1,000
 * beads): a string that large lives in V8's old generation until a full GC,
 * and a watcher writes one after every commit and reads 50 on a restart.
 */

/** Bump when parsing, the Bead shape or the file layout changes: old caches then miss. */
export const BEAD_CACHE_VERSION = 2;

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
interface StoredHead extends Omit<ProjectCache, 'files'> {
  version: number;
}
interface StoredFile {
  name: string;
  blob: string;
  result: StoredResult;
}

export function beadCacheDir(workspaceRoot: string): string {
  return join(workspaceRoot, '.orch', 'run', 'cache', 'beads');
}

function cacheFile(dir: string, project: string): string {
  return join(dir, `${project}.json`);
}

/** `compactor`: what every restored bead goes through (the catalog's, so restored and parsed beads share values). */
export async function readProjectCache(dir: string, project: string, path: string, branch: string, compactor = new BeadCompactor()): Promise<ProjectCache | undefined> {
  let data: Buffer;
  try {
    data = await readFile(cacheFile(dir, project));
  } catch {
    return undefined;
  }
  const lines = lineRanges(data);
  const [first, ...rest] = lines;
  if (first === undefined) return undefined;
  try {
    const head = JSON.parse(data.toString('utf8', first[0], first[1])) as Partial<StoredHead> | null;
    if (head === null || typeof head !== 'object' || head.version !== BEAD_CACHE_VERSION || head.path !== path || head.branch !== branch) return undefined;
    if (typeof head.commit !== 'string') return undefined;
    const base = `${join(path, BEADS_DIR)}/`;
    const files: CachedFile[] = [];
    for (const [start, end] of rest) {
      for (const { name, blob, result } of JSON.parse(data.toString('utf8', start, end)) as StoredFile[]) {
        const file = base + name;
        files.push({
          name,
          blob,
          result: result.ok ? { ok: true, bead: compactor.restore(result.bead, project, file) } : { ok: false, problems: result.problems.map((problem) => ({ ...problem, project, file })) },
        });
      }
    }
    return { path, branch, commit: head.commit, tree: head.tree ?? null, files };
  } catch {
    return undefined;
  }
}

/** [start, end) of each non-empty line. */
function lineRanges(data: Buffer): [number, number][] {
  const lines: [number, number][] = [];
  let start = 0;
  while (start < data.length) {
    const newline = data.indexOf(0x0a, start);
    const end = newline < 0 ? data.length : newline;
    if (end > start) lines.push([start, end]);
    start = end + 1;
  }
  return lines;
}

/** Characters of JSON on one line (well under V8's large-object size, few enough lines that parsing them stays cheap). */
const LINE = 32_000;

export async function writeProjectCache(dir: string, project: string, cache: ProjectCache): Promise<void> {
  const head: StoredHead = { version: BEAD_CACHE_VERSION, path: cache.path, branch: cache.branch, commit: cache.commit, tree: cache.tree };
  const parts: Buffer[] = [Buffer.from(`${JSON.stringify(head)}\n`)];
  let line: string[] = [];
  let size = 0;
  const endLine = () => {
    parts.push(Buffer.from(`[${line.join(',')}]\n`));
    line = [];
    size = 0;
  };
  for (const { name, blob, result } of cache.files) {
    const stored: StoredFile = { name, blob, result: result.ok ? { ok: true, bead: withoutPlace(result.bead) } : { ok: false, problems: result.problems.map(withoutPlace) } };
    const text = JSON.stringify(stored);
    line.push(text);
    size += text.length + 1;
    if (size >= LINE) endLine();
  }
  if (line.length > 0) endLine();
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(cacheFile(dir, project), Buffer.concat(parts));
}

function withoutPlace<T extends { project?: string; file: string }>(value: T): Omit<T, 'project' | 'file'> {
  const { project: _project, file: _file, ...rest } = value;
  return rest;
}
