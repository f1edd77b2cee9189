import { join } from 'node:path';
import { BEADS_DIR, buildGraph, idFromFileName, parseBead, type Bead, type BeadGraph, type BeadProblem } from '../beads/index.js';
import { isOrchError, OrchError, type ErrorCode } from '../errors/index.js';
import { parseTree, type GitObject } from '../git/cat-file.js';
import { readProjectCache, type CachedFile, type FileResult, type ProjectCache } from './catalog-cache.js';
import { CacheWriter } from './catalog-writer.js';
import { BeadCompactor } from './catalog-compact.js';
import { ObjectReader } from './catalog-objects.js';
import { BranchTips, findCommonDir } from './catalog-ref.js';

/**
 * Every project's beads as committed on its target branch (SPEC §1: the
 * source of truth is the committed bead, never the working file). Per repo:
 * the branch tip (read from the refs, or from git), the `.agents/beads` tree
 * through one `git cat-file --batch`, and only the blobs not already parsed.
 * Results are cached by tree and blob id in memory (a watcher keeps one
 * catalog) and on disk (so the next `orch` process is fast). A broken bead
 * or project never hides the others. Returned records and beads are shared
 * with the cache (an unchanged project gives the same record again): treat
 * them as read-only.
 */

export { beadCacheDir } from './catalog-cache.js';

export interface CatalogProject {
  name: string;
  /** Absolute repo path. */
  path: string;
  branch: string;
  /** Where the beads are read from when not `refs/heads/<branch>` (a remote's tracking ref). */
  ref?: string;
}

export interface ProjectBeads {
  project: string;
  path: string;
  branch: string;
  /** The branch tip the beads were read at (undefined when the project could not be read). */
  commit: string | undefined;
  /** The `.agents/beads` tree (undefined when the branch has none). */
  tree: string | undefined;
  /** Valid beads, by file name. */
  beads: Bead[];
  /** Problems of the files that did not parse. */
  problems: BeadProblem[];
  /** Ids (from file names) of the files that did not parse. */
  unparsed: string[];
  /** Why the project could not be read at all. */
  error?: { code: ErrorCode; message: string; hint?: string };
}

export interface CatalogOptions {
  /** Where the disk cache lives (`beadCacheDir(root)`); no disk cache when absent. */
  cacheDir?: string;
}

export interface CatalogStats {
  /** Bead files parsed (a cached blob is not parsed again). */
  parsed: number;
  /** `git cat-file` children started. */
  gitProcesses: number;
}

export class BeadCatalog {
  readonly stats: CatalogStats = { parsed: 0, gitProcesses: 0 };
  private readonly memory = new Map<string, ProjectCache>();
  private readonly readers = new Map<string, ObjectReader>();
  private readonly tips = new Map<string, BranchTips>();
  /** Every bead the catalog keeps goes through here (shared values, no slices of file texts). */
  private readonly compactor = new BeadCompactor();
  /** The record last handed out for a cache entry: an unchanged project gives the same object again. */
  private readonly records = new WeakMap<ProjectCache, ProjectBeads>();
  private readonly writer: CacheWriter | undefined;

  constructor(private readonly options: CatalogOptions = {}) {
    this.writer = options.cacheDir === undefined ? undefined : new CacheWriter(options.cacheDir);
  }

  /** All projects, read concurrently. */
  async load(projects: readonly CatalogProject[]): Promise<ProjectBeads[]> {
    return Promise.all(projects.map((project) => this.loadProject(project)));
  }

  async loadProject(project: CatalogProject): Promise<ProjectBeads> {
    try {
      const cache = await this.refresh(project);
      const known = this.records.get(cache);
      if (known !== undefined && known.project === project.name && known.path === project.path && known.branch === project.branch) return known;
      const record = materialize(project, cache);
      this.records.set(cache, record);
      return record;
    } catch (error) {
      // A dead or confused cat-file child is not reused: the next load starts a fresh one.
      const reader = this.readers.get(project.path);
      this.readers.delete(project.path);
      await reader?.close().catch(() => undefined);
      return failed(project, error);
    }
  }

  /** Write the pending disk-cache updates now, and wait for them. */
  async flush(): Promise<void> {
    await this.writer?.flush();
  }

  /** Flush the cache and end every cat-file child. */
  async close(): Promise<void> {
    await this.flush();
    const readers = [...this.readers.values()];
    this.readers.clear();
    await Promise.all(readers.map((reader) => reader.close().catch(() => undefined)));
  }

  private async refresh(project: CatalogProject): Promise<ProjectCache> {
    const ref = project.ref ?? `refs/heads/${project.branch}`;
    // The cache remembers which ref it was read from (a full ref for remote projects).
    const source = project.ref ?? project.branch;
    let cached = this.memory.get(project.name);
    if (cached !== undefined && (cached.path !== project.path || cached.branch !== source)) cached = undefined;
    if (cached === undefined && this.options.cacheDir !== undefined) {
      cached = await readProjectCache(this.options.cacheDir, project.name, project.path, source, this.compactor);
    }
    let commit = await this.tipsOf(project.path).read(ref);
    if (commit !== undefined && cached?.commit === commit) return this.remember(project, cached, false);

    const reader = this.readerOf(project.path);
    if (commit === undefined) {
      const tip = await reader.read(ref);
      if (tip === undefined || tip.type !== 'commit') throw missingBranch(project);
      commit = tip.oid;
      if (cached?.commit === commit) return this.remember(project, cached, false);
    }
    const tree = await reader.read(`${commit}:${BEADS_DIR}`);
    const base = { path: project.path, branch: source, commit };
    if (tree === undefined || tree.type !== 'tree') return this.remember(project, { ...base, tree: null, files: [] }, true);
    if (cached?.tree === tree.oid) return this.remember(project, { ...cached, commit }, true);
    const files = await readBeadFiles(project, reader, tree, cached, this.stats, this.compactor);
    return this.remember(project, { ...base, tree: tree.oid, files }, true);
  }

  private remember(project: CatalogProject, cache: ProjectCache, changed: boolean): ProjectCache {
    this.memory.set(project.name, cache);
    if (changed) this.writer?.schedule(project.name, cache);
    return cache;
  }

  private readerOf(path: string): ObjectReader {
    let reader = this.readers.get(path);
    if (reader === undefined) {
      if (findCommonDir(path) === undefined) throw notARepo(path);
      reader = new ObjectReader(path);
      this.stats.gitProcesses++;
      this.readers.set(path, reader);
    }
    return reader;
  }

  private tipsOf(path: string): BranchTips {
    let tips = this.tips.get(path);
    if (tips === undefined) {
      tips = new BranchTips(path);
      this.tips.set(path, tips);
    }
    return tips;
  }
}

/** One-shot: read every project, write the disk cache, end the git children. */
export async function readBeadCatalog(projects: readonly CatalogProject[], options: CatalogOptions = {}): Promise<ProjectBeads[]> {
  const catalog = new BeadCatalog(options);
  try {
    return await catalog.load(projects);
  } finally {
    await catalog.close();
  }
}

/** The dependency graph of a catalog: deps on unparsable files or unreadable projects block, they are not unknown. */
export function buildCatalogGraph(projects: readonly ProjectBeads[]): BeadGraph {
  return buildGraph(new Map(projects.map((project) => [project.project, project.beads])), {
    unparsed: new Map(projects.map((project) => [project.project, project.unparsed])),
    unreadable: new Set(projects.filter((project) => project.error !== undefined).map((project) => project.project)),
  });
}

async function readBeadFiles(
  project: CatalogProject,
  reader: ObjectReader,
  tree: GitObject,
  cached: ProjectCache | undefined,
  stats: CatalogStats,
  compactor: BeadCompactor,
): Promise<CachedFile[]> {
  const previous = new Map((cached?.files ?? []).map((file) => [file.name, file]));
  const dir = beadDirOf(project);
  const files: CachedFile[] = [];
  const wanted: { name: string; blob: string }[] = [];
  for (const entry of parseTree(tree.data)) {
    if (entry.type !== 'blob' || !entry.name.endsWith('.md') || entry.name.startsWith('.')) continue;
    if (entry.mode === '120000') {
      const problem = { kind: 'read' as const, line: 1, reason: 'a bead file must be a regular file, not a symlink' };
      files.push({ name: entry.name, blob: entry.oid, result: { ok: false, problems: [{ ...problem, file: dir + entry.name, project: project.name }] } });
      continue;
    }
    const known = previous.get(entry.name);
    if (known !== undefined && known.blob === entry.oid) files.push(known);
    else wanted.push({ name: entry.name, blob: entry.oid });
  }
  const blobs = await reader.readBlobs(wanted.map((file) => file.blob));
  stats.parsed += wanted.length;
  wanted.forEach((file, index) => {
    const text = blobs[index]?.toString('utf8');
    const path = dir + file.name;
    const result: FileResult =
      text === undefined
        ? { ok: false, problems: [{ kind: 'read', line: 1, reason: `blob ${file.blob} is missing from the repository`, file: path, project: project.name }] }
        : resultOf(parseBead(text, { file: path, project: project.name }), compactor);
    files.push({ name: file.name, blob: file.blob, result });
  });
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * `<path>/.agents/beads/`: a bead file's path is this + its name (as
 * join(path, BEADS_DIR, name) spells it), so V8 keeps one directory string
 * and the two parts of each path, not 50,000 full paths.
 */
function beadDirOf(project: CatalogProject): string {
  return `${join(project.path, BEADS_DIR)}/`;
}

function resultOf(parsed: ReturnType<typeof parseBead>, compactor: BeadCompactor): FileResult {
  return parsed.ok ? { ok: true, bead: compactor.compact(parsed.bead) } : { ok: false, problems: parsed.problems };
}

function materialize(project: CatalogProject, cache: ProjectCache): ProjectBeads {
  const beads: Bead[] = [];
  const problems: BeadProblem[] = [];
  const unparsed: string[] = [];
  for (const entry of cache.files) {
    if (entry.result.ok) beads.push(entry.result.bead);
    else {
      unparsed.push(idFromFileName(entry.name));
      problems.push(...entry.result.problems);
    }
  }
  return { project: project.name, path: project.path, branch: project.branch, commit: cache.commit, tree: cache.tree ?? undefined, beads, problems, unparsed };
}

function failed(project: CatalogProject, error: unknown): ProjectBeads {
  const described = isOrchError(error)
    ? { code: error.code, message: error.message, ...(error.hint === undefined ? {} : { hint: error.hint }) }
    : { code: 'INTERNAL' as const, message: String(error) };
  return { project: project.name, path: project.path, branch: project.branch, commit: undefined, tree: undefined, beads: [], problems: [], unparsed: [], error: described };
}

function missingBranch(project: CatalogProject): OrchError {
  if (project.ref !== undefined) {
    return new OrchError('BRANCH_NOT_FOUND', `branch ${project.branch} of project ${project.name} has not been fetched from its remote yet (${project.ref} is missing in ${project.path})`, {
      hint: `check the remote is reachable and has a ${project.branch} branch (\`git ls-remote <remote> ${project.branch}\`)`,
    });
  }
  return new OrchError('BRANCH_NOT_FOUND', `branch ${project.branch} does not exist in ${project.path}`, {
    hint: `commit to ${project.branch} first, or set the branch of project ${project.name} in workspace.yaml`,
  });
}

function notARepo(path: string): OrchError {
  return new OrchError('NOT_A_REPO', `${path} is not a git repository`, { hint: 'fix the project path in workspace.yaml, or run `git init` there' });
}
