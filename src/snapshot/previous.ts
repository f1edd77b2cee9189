import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLeased } from './leases.js';
import { parseListing, parseMeta, type SnapshotMeta } from './manifest.js';
import type { SnapshotKind, TreeListing } from './tree-walk.js';

/**
 * Earlier snapshots of the same source (kind, repo + branch, policy) that a
 * new one can be made from: the newest one (named by a `latest/` pointer) to
 * hardlink from, and a donor, an entry no one holds, to update in place.
 * The newest is the donor when it is free; otherwise the newest free older
 * entry of the same source is (the cache keeps a few per source).
 */

export interface Previous {
  name: string;
  meta: SnapshotMeta;
  listing: TreeListing;
}

export interface SourceId {
  cacheDir: string;
  kind: SnapshotKind;
  source: string;
  policy: string;
}

export function latestFile(id: SourceId): string {
  return join(id.cacheDir, 'latest', `${id.kind}-${id.source}-${id.policy}`);
}

/**
 * The listings this process wrote, by entry name: a watcher builds successive
 * snapshots of the same source, so it need not parse its own listing.json
 * back. Used only while the entry still exists on disk.
 */
const remembered = new Map<string, Previous>();

export function rememberListing(previous: Previous): void {
  remembered.set(previous.name, previous);
  while (remembered.size > 64) remembered.delete(remembered.keys().next().value ?? '');
}

/** An entry's meta and listing, when it exists, is intact and untruncated. */
export function loadEntry(cacheDir: string, name: string, kind: SnapshotKind): Previous | undefined {
  const entry = join(cacheDir, name);
  const known = remembered.get(name);
  if (known !== undefined && existsSync(join(entry, 'meta.json'))) return known.meta.truncated ? undefined : known;
  try {
    const meta = parseMeta(readFileSync(join(entry, 'meta.json'), 'utf8'), join(entry, 'meta.json'));
    if (meta.truncated || meta.kind !== kind) return undefined;
    return { name, meta, listing: parseListing(readFileSync(join(entry, 'listing.json'), 'utf8'), join(entry, 'listing.json')) };
  } catch {
    return undefined;
  }
}

/** The newest snapshot of the source, other than `exclude`. */
export function readLatest(id: SourceId, exclude: string): Previous | undefined {
  let latest: string;
  try {
    latest = readFileSync(latestFile(id), 'utf8').trim();
  } catch {
    return undefined;
  }
  if (latest === exclude || latest === '') return undefined;
  return loadEntry(id.cacheDir, latest, id.kind);
}

/** A free entry of the source to update in place: the newest if unleased, else the newest unleased other one. */
export function pickDonor(id: SourceId, exclude: string, latest: Previous | undefined): Previous | undefined {
  if (latest !== undefined && !isLeased(id.cacheDir, latest.name)) return latest;
  const candidates: { name: string; createdAt: number }[] = [];
  let names: string[];
  try {
    names = readdirSync(id.cacheDir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    if (!name.startsWith(`${id.kind}-`) || !name.endsWith(`-${id.policy}`) || name === exclude || name === latest?.name) continue;
    try {
      const meta = parseMeta(readFileSync(join(id.cacheDir, name, 'meta.json'), 'utf8'), name);
      if (meta.source === id.source && !meta.truncated) candidates.push({ name, createdAt: meta.createdAt });
    } catch {
      // damaged or being removed
    }
  }
  candidates.sort((a, b) => b.createdAt - a.createdAt);
  for (const { name } of candidates) {
    if (isLeased(id.cacheDir, name)) continue;
    const loaded = loadEntry(id.cacheDir, name, id.kind);
    if (loaded !== undefined) return loaded;
  }
  return undefined;
}

/** The latest/ pointer is a hint (a lost one only costs reuse), so no fsync: temp file and rename. */
export function writeLatest(id: SourceId, name: string): void {
  const file = latestFile(id);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${name}\n`);
  renameSync(tmp, file);
}
