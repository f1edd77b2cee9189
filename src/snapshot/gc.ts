import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '../git/process-alive.js';
import { isLeased, liveLeases } from './leases.js';
import { parseMeta } from './manifest.js';
import { removeTree } from './update-in-place.js';

/**
 * Garbage collection of the snapshot cache. Per (kind, source, policy) the
 * newest `keep` entries stay, and so does every entry with a live lease
 * (leases.ts) and every entry a `latest/` pointer names. An entry is removed
 * by renaming it into tmp/ first and checking leases again after the rename
 * (a holder leases before it checks the entry exists): if a lease appeared,
 * the entry waits in tmp/ as `trash~<entry>~<random>` until it has none.
 * Builds left in tmp/ by a dead process are removed too. Synchronous, so
 * within one process nothing interleaves with it.
 */

const ENTRY = /^(peer|base)-[0-9a-f]{40,64}-[0-9a-f]{12}$/;

export function trashPath(cacheDir: string, name: string): string {
  return join(cacheDir, 'tmp', `trash~${name}~${randomBytes(6).toString('hex')}`);
}

/** Rename an entry out of the way (it is deleted by the next collection once unleased). */
export function moveToTrash(cacheDir: string, name: string): void {
  try {
    renameSync(join(cacheDir, name), trashPath(cacheDir, name));
  } catch {
    // gone already
  }
}

export function collectGarbage(cacheDir: string, keep: number): void {
  const live = liveLeases(cacheDir);
  const pinned = readPointers(cacheDir);
  const groups = new Map<string, { name: string; createdAt: number }[]>();
  for (const name of safeReaddir(cacheDir)) {
    if (!ENTRY.test(name)) continue;
    let group = 'damaged';
    let createdAt = 0;
    try {
      const meta = parseMeta(readFileSync(join(cacheDir, name, 'meta.json'), 'utf8'), name);
      group = `${meta.kind}-${meta.source}-${meta.policy}`;
      createdAt = meta.createdAt;
    } catch {
      // a damaged entry groups alone and goes first
    }
    groups.set(group, [...(groups.get(group) ?? []), { name, createdAt }]);
  }
  for (const [group, entries] of groups) {
    entries.sort((a, b) => b.createdAt - a.createdAt);
    const spare = group === 'damaged' ? entries : entries.slice(Math.max(keep, 0));
    for (const { name } of spare) {
      if (live.has(name) || pinned.has(name)) continue;
      const trash = trashPath(cacheDir, name);
      try {
        renameSync(join(cacheDir, name), trash);
      } catch {
        continue;
      }
      if (!isLeased(cacheDir, name)) removeTree(trash);
    }
  }
  sweepTmp(cacheDir);
}

function sweepTmp(cacheDir: string): void {
  for (const name of safeReaddir(join(cacheDir, 'tmp'))) {
    const [kind, owner] = name.split('~');
    const dead = kind === 'build' ? !isProcessAlive(Number(owner)) : kind === 'trash' ? !isLeased(cacheDir, owner ?? '') : false;
    if (dead) removeTree(join(cacheDir, 'tmp', name));
  }
}

function readPointers(cacheDir: string): Set<string> {
  const pinned = new Set<string>();
  for (const name of safeReaddir(join(cacheDir, 'latest'))) {
    if (name.endsWith('.tmp')) continue;
    try {
      pinned.add(readFileSync(join(cacheDir, 'latest', name), 'utf8').trim());
    } catch {
      // pointer being replaced
    }
  }
  return pinned;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
