import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { OrchError } from '../errors/index.js';
import { CatFile } from '../git/cat-file.js';
import type { Budget, Owner } from './blob-writer.js';
import { openSnapshot, type Snapshot } from './cache.js';
import { compileFilter, type PathFilter } from './filter.js';
import { resolveCaps, type SizeCaps } from './limits.js';
import { parseListing } from './manifest.js';
import { loadEntry } from './previous.js';
import { materialize, summarize } from './materialize.js';
import { joinPath, walkTree, type FileMode, type Skipped } from './tree-walk.js';

/**
 * The entry points: a filtered peer snapshot of a branch's committed tip
 * (never the working directory), a project's base checkout for a sandbox,
 * and a one-off snapshot into a directory of the person's choice.
 */

export interface TakeSnapshotOptions {
  repo: string;
  /** The peer's target branch; its committed tip is read. */
  branch: string;
  /** e.g. `<workspace>/.orch/run/snapshots`. */
  cacheDir: string;
  /** The workspace's additions to the deny-list (globs, case-insensitive). */
  extraDeny?: readonly string[];
  caps?: Partial<SizeCaps>;
  /** A long-lived reader of `repo`; without it one is started and closed per call. */
  cat?: CatFile;
  keep?: number;
  /** For messages, e.g. "peer web". */
  label?: string;
}

export async function takeSnapshot(options: TakeSnapshotOptions): Promise<Snapshot> {
  const filter = filterFor(options.extraDeny ?? []);
  const caps = resolveCaps(options.caps);
  return withCat(options.repo, options.cat, async (cat) => {
    const treeOid = await resolveTree(cat, `refs/heads/${checkBranch(options.branch)}`, options.repo);
    return openSnapshot({
      cacheDir: options.cacheDir, repo: options.repo, cat, kind: 'peer', treeOid, filter, caps,
      source: sourceKey(options.repo, options.branch),
      policy: policyKey({ kind: 'peer', patterns: filter.patterns, caps }),
      label: options.label ?? `snapshot of ${options.repo}`,
      ...(options.keep === undefined ? {} : { keep: options.keep }),
    });
  });
}

export interface TakeCheckoutOptions {
  repo: string;
  /** A commit id or a ref name (the target-branch tip the bead starts from). */
  rev: string;
  cacheDir: string;
  /** Owner of every file (the sandbox's unprivileged uid when orch runs as root). */
  owner?: Owner;
  cat?: CatFile;
  keep?: number;
  label?: string;
}

/** The full committed tree (regular files, symlinks that stay inside; no submodules), cached per tree id. */
export async function takeCheckout(options: TakeCheckoutOptions): Promise<Snapshot> {
  return withCat(options.repo, options.cat, async (cat) => {
    const treeOid = await resolveTree(cat, checkRev(options.rev), options.repo);
    return openSnapshot({
      cacheDir: options.cacheDir, repo: options.repo, cat, kind: 'base', treeOid,
      source: sourceKey(options.repo, ''),
      policy: policyKey({ kind: 'base', owner: options.owner ?? null }),
      label: options.label ?? `checkout of ${options.repo}`,
      ...(options.owner === undefined ? {} : { owner: options.owner }),
      ...(options.keep === undefined ? {} : { keep: options.keep }),
    });
  });
}

export interface WrittenSnapshot {
  dir: string;
  treeOid: string;
  files: number;
  bytes: number;
  skipped: Skipped[];
  truncated: boolean;
}

/** `orch snapshot PEER DEST`: a filtered snapshot written into DEST, which must not exist yet. No cache. */
export async function writeSnapshot(options: { repo: string; branch: string; dest: string; extraDeny?: readonly string[]; caps?: Partial<SizeCaps> }): Promise<WrittenSnapshot> {
  if (existsSync(options.dest)) {
    throw new OrchError('USAGE', `${options.dest} already exists`, { hint: 'name a directory that does not exist yet; the snapshot creates it' });
  }
  if (!existsSync(dirname(options.dest))) {
    throw new OrchError('USAGE', `the parent of ${options.dest} does not exist`, { hint: 'create the parent directory first' });
  }
  const filter = filterFor(options.extraDeny ?? []);
  const budget: Budget = { caps: resolveCaps(options.caps), bytes: 0, truncated: false, label: `snapshot of ${options.repo}` };
  return withCat(options.repo, undefined, async (cat) => {
    const treeOid = await resolveTree(cat, `refs/heads/${checkBranch(options.branch)}`, options.repo);
    const listing = await walkTree({ cat, tree: treeOid, kind: 'peer', filter });
    const written = await materialize({ repo: options.repo, listing, dest: options.dest, kind: 'peer', budget });
    const summary = summarize(written.listing);
    return { dir: options.dest, treeOid, ...summary, truncated: budget.truncated };
  });
}

/** Every file of a cached snapshot with its blob: the base tree that sandbox collection compares against. */
export function readSnapshotFiles(snapshot: Pick<Snapshot, 'entry' | 'kind'>): Map<string, { oid: string; mode: FileMode; size: number }> {
  const file = join(snapshot.entry, 'listing.json');
  const listing = loadEntry(dirname(snapshot.entry), basename(snapshot.entry), snapshot.kind)?.listing ?? parseListing(readFileSync(file, 'utf8'), file);
  const out = new Map<string, { oid: string; mode: FileMode; size: number }>();
  for (const [dirPath, node] of listing) {
    for (const f of node.files) out.set(joinPath(dirPath, f.name), { oid: f.oid, mode: f.mode, size: f.size });
  }
  return out;
}

const filters = new Map<string, PathFilter>();

function filterFor(extraDeny: readonly string[]): PathFilter {
  const key = JSON.stringify(extraDeny);
  let filter = filters.get(key);
  if (filter === undefined) {
    filter = compileFilter(extraDeny);
    if (filters.size > 64) filters.clear();
    filters.set(key, filter);
  }
  return filter;
}

async function withCat<T>(repo: string, given: CatFile | undefined, fn: (cat: CatFile) => Promise<T>): Promise<T> {
  if (given !== undefined) return fn(given);
  if (!existsSync(repo)) {
    throw new OrchError('NOT_A_REPO', `${repo} does not exist`, { data: { repo }, hint: 'check the project path in .orch/workspace.yaml' });
  }
  const cat = new CatFile(repo);
  try {
    return await fn(cat);
  } finally {
    await cat.close().catch(() => undefined);
  }
}

async function resolveTree(cat: CatFile, rev: string, repo: string): Promise<string> {
  const object = await cat.read(`${rev}^{tree}`);
  if (object === undefined || object.type !== 'tree') {
    throw new OrchError('SNAPSHOT_FAILED', `${rev} does not name a commit in ${repo}`, {
      data: { repo, rev },
      hint: 'check the project\'s branch in .orch/workspace.yaml and that it has at least one commit',
    });
  }
  return object.oid;
}

const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)[A-Za-z0-9._\/+-]+$/;

function checkBranch(branch: string): string {
  if (!BRANCH.test(branch) || branch.endsWith('/') || branch.endsWith('.lock') || branch.startsWith('/')) {
    throw new OrchError('REF_INVALID', `"${branch.slice(0, 80)}" is not a usable branch name`, { hint: 'use a plain branch name such as main' });
  }
  return branch;
}

function checkRev(rev: string): string {
  if (/^[0-9a-f]{40,64}$/.test(rev)) return rev;
  return checkBranch(rev);
}

export function sourceKey(repo: string, branch: string): string {
  let real = repo;
  try {
    real = realpathSync(repo);
  } catch {
    // a missing repo fails later with a clearer message
  }
  return createHash('sha1').update(`${real}\0${branch}`).digest('hex').slice(0, 12);
}

export function policyKey(policy: Record<string, unknown>): string {
  return createHash('sha1').update(JSON.stringify(policy)).digest('hex').slice(0, 12);
}
