import { chmodSync, chownSync, mkdirSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeBlobs, type BlobJob, type Budget, type Owner } from './blob-writer.js';
import { dirPermOf, permOf, reuseKey, withSkipped, type Materialized } from './materialize.js';
import { joinPath, type FileNode, type TreeListing } from './tree-walk.js';

/**
 * Turn a previous snapshot directory, which the cache has taken over (no one
 * holds it any more), into the snapshot of a new tree by touching only what
 * changed: O(changes) syscalls instead of one per file. Files are never
 * rewritten in place: a changed file is unlinked and created anew, so an
 * inode hardlinked into another snapshot never changes under it.
 */

export interface UpdateOptions {
  repo: string;
  /** The taken-over snapshot's content directory. */
  dir: string;
  kind: 'peer' | 'base';
  budget: Budget;
  owner?: Owner;
  previous: TreeListing;
  next: TreeListing;
}

export async function updateInPlace(options: UpdateOptions): Promise<Materialized> {
  const { dir, kind, owner, previous, next, budget } = options;
  const opened = new Set<string>();
  const created: string[] = [];
  const abs = (path: string): string => (path === '' ? dir : join(dir, path));
  const open = (path: string): void => {
    if (kind !== 'peer' || opened.has(path)) return;
    chmodSync(abs(path), 0o755);
    opened.add(path);
  };

  for (const [path, before] of previous) {
    const after = next.get(path);
    if (after === before || after === undefined) continue;
    const files = new Map(after.files.map((f) => [f.name, f]));
    const dirs = new Set(after.dirs);
    for (const file of before.files) {
      const now = files.get(file.name);
      if (now !== undefined && reuseKey(kind, now) === reuseKey(kind, file) && now.mode === file.mode) continue;
      open(path);
      unlinkSync(join(abs(path), file.name));
    }
    for (const name of before.dirs) {
      if (dirs.has(name)) continue;
      open(path);
      removeTree(join(abs(path), name));
    }
  }

  const jobs: BlobJob[] = [];
  let kept = 0;
  for (const [path, after] of next) {
    const before = previous.get(path);
    if (after === before) {
      for (const file of after.files) chargeKept(file);
      continue;
    }
    if (before === undefined) {
      const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
      if (previous.has(parent)) open(parent);
      mkdirSync(abs(path), { mode: 0o755 });
      if (owner !== undefined) chownSync(abs(path), owner.uid, owner.gid);
      created.push(path);
    }
    const old = new Map((before?.files ?? []).map((f) => [f.name, f]));
    for (const file of after.files) {
      const was = old.get(file.name);
      if (was !== undefined && reuseKey(kind, was) === reuseKey(kind, file) && was.mode === file.mode) {
        file.size = was.size;
        if (was.target !== undefined) file.target = was.target;
        chargeKept(file);
        continue;
      }
      if (before !== undefined) open(path);
      jobs.push({ path: joinPath(path, file.name), absPath: join(abs(path), file.name), file, perm: permOf(kind, file.mode) });
    }
  }

  function chargeKept(file: FileNode): void {
    kept += 1;
    if (file.mode !== '120000') budget.bytes += file.size;
  }

  const skipped = await writeBlobs(options.repo, jobs, budget, owner);
  const dirPerm = dirPermOf(kind);
  for (const path of [...created].reverse()) chmodSync(abs(path), dirPerm);
  for (const path of opened) if (next.has(path)) chmodSync(abs(path), dirPerm);
  return { listing: withSkipped(next, skipped), written: jobs.length, linked: kept };
}

/** Remove a directory tree whose directories may be read-only (0555) to us. */
export function removeTree(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EACCES' && (error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
    makeWritable(path);
    rmSync(path, { recursive: true, force: true });
  }
}

function makeWritable(path: string): void {
  chmodSync(path, 0o755);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory()) makeWritable(join(path, entry.name));
  }
}
