import { randomBytes } from 'node:crypto';
import { readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive, processStartTime } from '../git/process-alive.js';

/**
 * How the cache knows a snapshot is in use: a lease is an empty file
 * `<cacheDir>/leases/<entry>~<pid>~<start>~<random>` made before a snapshot
 * is handed out and removed by release(). It lives outside the snapshot's
 * directory, so renaming the snapshot away (to collect it or to update it in
 * place) cannot move a lease with it. A lease whose process is gone (pid not
 * running, or running with another start time: a reused pid) is stale and is
 * removed by the next collection. Holders in another pid namespace or host
 * are not told apart: keep one cache per host.
 */

const OWN_START = processStartTime(process.pid) ?? 0;
const SEPARATOR = '~';

export function leasesDir(cacheDir: string): string {
  return join(cacheDir, 'leases');
}

export interface Lease {
  file: string;
  release(): void;
}

export function createLease(cacheDir: string, entry: string): Lease {
  const name = [entry, process.pid, OWN_START, randomBytes(6).toString('hex')].join(SEPARATOR);
  const file = join(leasesDir(cacheDir), name);
  writeFileSync(file, '', { flag: 'wx' });
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      try {
        unlinkSync(file);
      } catch {
        // already collected as stale or removed by hand: nothing left to release
      }
    },
  };
}

interface LeaseName {
  file: string;
  entry: string;
  pid: number;
  start: number;
}

function parseLeaseName(name: string): LeaseName | undefined {
  const parts = name.split(SEPARATOR);
  if (parts.length !== 4) return undefined;
  const [entry, pid, start] = parts;
  if (entry === undefined || !/^\d+$/.test(pid ?? '') || !/^\d+$/.test(start ?? '')) return undefined;
  return { file: name, entry, pid: Number(pid), start: Number(start) };
}

function isLive(lease: LeaseName): boolean {
  if (lease.pid === process.pid) return lease.start === OWN_START || OWN_START === 0;
  return isProcessAlive(lease.pid, lease.start === 0 ? undefined : lease.start);
}

/** Entries with at least one live lease; stale lease files are removed on the way. */
export function liveLeases(cacheDir: string): Set<string> {
  const live = new Set<string>();
  let names: string[];
  try {
    names = readdirSync(leasesDir(cacheDir));
  } catch {
    return live;
  }
  for (const name of names) {
    const lease = parseLeaseName(name);
    if (lease !== undefined && isLive(lease)) {
      live.add(lease.entry);
      continue;
    }
    try {
      unlinkSync(join(leasesDir(cacheDir), name));
    } catch {
      // another collector got there first
    }
  }
  return live;
}

/** Whether `entry` has a live lease right now (no cleanup). */
export function isLeased(cacheDir: string, entry: string): boolean {
  let names: string[];
  try {
    names = readdirSync(leasesDir(cacheDir));
  } catch {
    return false;
  }
  return names.some((name) => {
    const lease = parseLeaseName(name);
    return lease !== undefined && lease.entry === entry && isLive(lease);
  });
}
