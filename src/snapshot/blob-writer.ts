import { closeSync, fchmodSync, fchownSync, lchownSync, linkSync, openSync, symlinkSync, writeSync } from 'node:fs';
import { OrchError } from '../errors/index.js';
import { streamBlobs } from './blob-stream.js';
import { describeEscape, MAX_SYMLINK_TARGET, type SizeCaps } from './limits.js';
import type { FileNode, Skipped } from './tree-walk.js';

/**
 * Turns blobs into files, one pass (blob-stream.ts): each blob's size is
 * seen before its content, so caps are applied without reading what is
 * skipped, small blobs are written synchronously as they arrive, and blobs
 * above STREAM_THRESHOLD go into their file chunk by chunk.
 *
 * Files are created with O_EXCL and their final mode (fchmod when the umask
 * would take bits away from a sandbox user) and never written again:
 * hardlinks between snapshots rely on that.
 */

export const STREAM_THRESHOLD = 32 * 1024 * 1024;

export interface Owner {
  uid: number;
  gid: number;
}

export interface BlobJob {
  /** Repo-relative, for messages and skip records. */
  path: string;
  absPath: string;
  file: FileNode;
  perm: number;
}

/** Running totals across links and blobs of one snapshot. */
export interface Budget {
  caps?: SizeCaps;
  bytes: number;
  truncated: boolean;
  label: string;
}

/** Read once: fchmod is needed only when the umask would take bits away. */
const UMASK = process.umask();

export function openFileOnce(absPath: string, perm: number, owner?: Owner): number {
  const fd = openSync(absPath, 'wx', perm);
  try {
    if ((perm & UMASK) !== 0) fchmodSync(fd, perm);
    if (owner !== undefined) fchownSync(fd, owner.uid, owner.gid);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

export function writeFileOnce(absPath: string, data: Uint8Array, perm: number, owner?: Owner): void {
  const fd = openFileOnce(absPath, perm, owner);
  try {
    let offset = 0;
    while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
  } finally {
    closeSync(fd);
  }
}

export function writeSymlink(absPath: string, target: string, owner?: Owner): void {
  symlinkSync(target, absPath);
  if (owner !== undefined) lchownSync(absPath, owner.uid, owner.gid);
}

/** Hardlink `from` to `absPath`; false when it cannot (gone, other device, too many links). */
export function tryLink(from: string, absPath: string): boolean {
  try {
    linkSync(from, absPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw error;
    return false;
  }
}

/** Count a file against the caps: undefined to keep it, a skip record otherwise (or throws for onTotalCap 'error'). */
export function chargeBudget(budget: Budget, path: string, size: number): Skipped | undefined {
  const caps = budget.caps;
  if (caps !== undefined && size > caps.maxFileBytes) {
    return { path, reason: 'too-large', detail: `${size} bytes is over the per-file cap of ${caps.maxFileBytes}` };
  }
  if (caps !== undefined && budget.bytes + size > caps.maxTotalBytes) {
    if (caps.onTotalCap !== 'truncate') {
      throw new OrchError('SNAPSHOT_FAILED', `${budget.label} exceeds its total size cap of ${caps.maxTotalBytes} bytes at ${path}`, {
        data: { path, maxTotalBytes: caps.maxTotalBytes },
        hint: 'deny large paths in the workspace deny-list, raise the total cap, or let it truncate',
      });
    }
    budget.truncated = true;
    return { path, reason: 'total-cap', detail: `the snapshot reached its total cap of ${caps.maxTotalBytes} bytes` };
  }
  budget.bytes += size;
  return undefined;
}

/**
 * Write every job's blob (symlink jobs become symlinks). Returns what was
 * left out; each job's `file.size` (and `file.target`) is filled in.
 */
export async function writeBlobs(repo: string, jobs: readonly BlobJob[], budget: Budget, owner?: Owner): Promise<Skipped[]> {
  const skipped: Skipped[] = [];
  await streamBlobs(repo, jobs.map((job) => job.file.oid), {
    begin(index, size) {
      const job = jobs[index];
      if (job === undefined) return 'skip';
      job.file.size = size;
      if (job.file.mode === '120000') {
        if (size <= MAX_SYMLINK_TARGET) return 'memory';
        skipped.push({ path: job.path, reason: 'escaping-symlink', detail: `symlink target of ${size} bytes` });
        return 'skip';
      }
      const over = chargeBudget(budget, job.path, size);
      if (over !== undefined) {
        skipped.push(over);
        return 'skip';
      }
      if (size > STREAM_THRESHOLD) return openFileOnce(job.absPath, job.perm, owner);
      return 'memory';
    },
    end(index, data) {
      const job = jobs[index];
      if (job === undefined || data === undefined) return;
      if (job.file.mode !== '120000') return writeFileOnce(job.absPath, data, job.perm, owner);
      const target = data.toString('utf8');
      const escape = describeEscape(job.path, target);
      if (escape !== undefined) return void skipped.push({ path: job.path, reason: 'escaping-symlink', detail: escape });
      job.file.target = target;
      writeSymlink(job.absPath, target, owner);
    },
  });
  return skipped;
}
