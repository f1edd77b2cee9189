import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OrchError } from '../errors/index.js';
import type { CatFile } from '../git/cat-file.js';
import type { Budget, Owner } from './blob-writer.js';
import type { PathFilter } from './filter.js';
import { collectGarbage, moveToTrash, trashPath } from './gc.js';
import { createLease, isLeased, type Lease } from './leases.js';
import type { SizeCaps } from './limits.js';
import { parseMeta, serializeListing, type SnapshotMeta } from './manifest.js';
import { pickDonor, readLatest, rememberListing, writeLatest } from './previous.js';
import { materialize, summarize, type Materialized } from './materialize.js';
import { walkTree, type Skipped, type SnapshotKind } from './tree-walk.js';
import { removeTree, updateInPlace } from './update-in-place.js';

/**
 * Snapshots cached by tree id under `cacheDir` (e.g. `<workspace>/.orch/run/snapshots`):
 *
 *   <kind>-<treeOid>-<policy>/tree/         the files handed out (read-only peers)
 *   <kind>-<treeOid>-<policy>/meta.json     counts, skipped entries, source
 *   <kind>-<treeOid>-<policy>/listing.json  per directory: tree id, files (oid, mode, size)
 *   latest/<kind>-<source>-<policy>         name of the newest entry of that source
 *   leases/<entry>~<pid>~<start>~<random>   one per holder (leases.ts)
 *   tmp/                                    builds in progress, entries being removed
 *
 * An unchanged tree is one stat-and-read of meta.json plus a lease. A new tree
 * is built in tmp/ and renamed into place (atomic; a concurrent builder of the
 * same tree loses the rename and uses the winner's). Unchanged content comes
 * from the source's newest entry: taken over and updated in place when no one
 * holds it (O(changes)), else hardlinked file by file.
 */

export interface CacheRequest {
  cacheDir: string;
  repo: string;
  cat: CatFile;
  kind: SnapshotKind;
  treeOid: string;
  /** Stable id of the source (repo + branch); see sourceKey in take-snapshot.ts. */
  source: string;
  /** Stable id of filter + caps + owner. */
  policy: string;
  filter?: PathFilter;
  caps?: SizeCaps;
  owner?: Owner;
  /** Entries kept per source beyond those in use (default 3). */
  keep?: number;
  label: string;
}

export type Provenance = 'cached' | 'updated' | 'linked' | 'cold';

export interface Snapshot {
  /** The directory to read or bind-mount. */
  dir: string;
  /** The cache entry holding dir, meta.json and listing.json. */
  entry: string;
  kind: SnapshotKind;
  treeOid: string;
  files: number;
  bytes: number;
  skipped: Skipped[];
  truncated: boolean;
  how: Provenance;
  /** Let the cache collect this snapshot again. Call once the sandbox using it is gone. */
  release(): void;
}

export function entryName(kind: SnapshotKind, treeOid: string, policy: string): string {
  return `${kind}-${treeOid}-${policy}`;
}

export async function openSnapshot(request: CacheRequest): Promise<Snapshot> {
  const name = entryName(request.kind, request.treeOid, request.policy);
  const hit = tryOpen(request.cacheDir, name, 'cached');
  if (hit !== undefined) return hit;
  for (const sub of ['tmp', 'leases', 'latest']) mkdirSync(join(request.cacheDir, sub), { recursive: true });
  const how = await build(request, name);
  const opened = tryOpen(request.cacheDir, name, how);
  if (opened === undefined) throw new OrchError('SNAPSHOT_FAILED', `snapshot ${name} vanished right after it was built in ${request.cacheDir}`);
  collectGarbage(request.cacheDir, request.keep ?? 3);
  return opened;
}

function tryOpen(cacheDir: string, name: string, how: Provenance): Snapshot | undefined {
  const entry = join(cacheDir, name);
  let text: string;
  try {
    text = readFileSync(join(entry, 'meta.json'), 'utf8');
  } catch {
    return undefined;
  }
  let meta: SnapshotMeta;
  try {
    meta = parseMeta(text, join(entry, 'meta.json'));
  } catch {
    moveToTrash(cacheDir, name);
    return undefined;
  }
  let lease: Lease;
  try {
    lease = createLease(cacheDir, name);
  } catch {
    return undefined;
  }
  if (!existsSync(join(entry, 'meta.json'))) {
    lease.release();
    return undefined;
  }
  return {
    dir: join(entry, 'tree'),
    entry,
    kind: meta.kind,
    treeOid: meta.treeOid,
    files: meta.files,
    bytes: meta.bytes,
    skipped: meta.skipped,
    truncated: meta.truncated,
    how,
    release: () => lease.release(),
  };
}

async function build(request: CacheRequest, name: string): Promise<Provenance> {
  const latest = readLatest(request, name);
  const donor = pickDonor(request, name, latest);
  const listing = await walkTree({
    cat: request.cat,
    tree: request.treeOid,
    kind: request.kind,
    ...(request.filter === undefined ? {} : { filter: request.filter }),
    ...((donor ?? latest) === undefined ? {} : { previous: (donor ?? latest)?.listing }),
  });
  const work = join(request.cacheDir, 'tmp', `build~${process.pid}~${randomBytes(6).toString('hex')}`);
  const budget: Budget = { bytes: 0, truncated: false, label: request.label, ...(request.caps === undefined ? {} : { caps: request.caps }) };
  const owner = request.owner === undefined ? {} : { owner: request.owner };
  let how: Provenance = 'cold';
  let written: Materialized;
  try {
    if (donor !== undefined && takeOver(request.cacheDir, donor.name, work)) {
      how = 'updated';
      written = await updateInPlace({ repo: request.repo, dir: join(work, 'tree'), kind: request.kind, budget, previous: donor.listing, next: listing, ...owner });
    } else {
      mkdirSync(work);
      const from = [latest, donor].find((p) => p !== undefined && existsSync(join(request.cacheDir, p.name, 'meta.json')));
      const linkFrom = from === undefined ? {} : { linkFrom: { dir: join(request.cacheDir, from.name, 'tree'), listing: from.listing } };
      if (from !== undefined) how = 'linked';
      written = await materialize({ repo: request.repo, listing, dest: join(work, 'tree'), kind: request.kind, budget, ...owner, ...linkFrom });
    }
    const summary = summarize(written.listing);
    const meta: SnapshotMeta = {
      version: 1, kind: request.kind, source: request.source, policy: request.policy, treeOid: request.treeOid,
      createdAt: Date.now(), files: summary.files, bytes: summary.bytes, truncated: budget.truncated, skipped: summary.skipped,
    };
    writeFileSync(join(work, 'listing.json'), serializeListing(written.listing));
    writeFileSync(join(work, 'meta.json'), JSON.stringify(meta));
    if (!publish(work, join(request.cacheDir, name))) removeTree(work);
    else rememberListing({ name, meta, listing: written.listing });
  } catch (error) {
    removeTree(work);
    throw error;
  }
  writeLatest(request, name);
  return how;
}

/**
 * Take the previous entry over for an in-place update: rename it away first,
 * then look for leases. A holder leases before it checks the entry is still
 * there, so either it sees the entry gone (and builds its own) or we see its
 * lease (and put the entry back).
 */
function takeOver(cacheDir: string, name: string, work: string): boolean {
  if (isLeased(cacheDir, name)) return false;
  try {
    renameSync(join(cacheDir, name), work);
  } catch {
    return false;
  }
  if (!isLeased(cacheDir, name)) return true;
  try {
    renameSync(work, join(cacheDir, name));
  } catch {
    // rebuilt meanwhile under the same name: ours waits in tmp/ until its lease is gone
    renameSync(work, trashPath(cacheDir, name));
  }
  return false;
}

/** Rename a finished build into place; false when another builder got there first. */
function publish(work: string, target: string): boolean {
  try {
    renameSync(work, target);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
    throw error;
  }
}
