import { closeSync, existsSync, linkSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inDirectory, isEexist, moveAsideIf, unlinkQuietly, type HeldLock } from './lock-file.js';
import { isProcessAlive, processStartTime } from './process-alive.js';

/**
 * Locks that name their holder. Each orch process keeps one empty file per
 * repository, `<git dir>/orch-held.<pid>-<start>`, and takes a lock by
 * hard-linking that file to `<file>.lock` (link fails like O_EXCL when the
 * lock exists). A lock left by a killed orch is therefore a link to a dead
 * process's holder file, found by inode, and removed at once, with no
 * timeout guess; no data block is written for a lock.
 */

const HOLDER = /^orch-held\.(\d+)-(\d+)$/;

export class LockHolder {
  readonly path: string;
  private made = false;

  constructor(readonly dir: string) {
    this.path = join(dir, `orch-held.${process.pid}-${processStartTime(process.pid) ?? 0}`);
  }

  private ensureHolder(): void {
    if (this.made) return;
    sweepDeadHolders(this.dir);
    closeSync(openSync(this.path, 'a', 0o644));
    this.made = true;
  }

  /** Take `<target>.lock` (creating missing parent directories); 'busy' when it exists. */
  tryLock(target: string): HeldLock | 'busy' {
    const lockPath = `${target}.lock`;
    for (let attempt = 0; ; attempt++) {
      this.ensureHolder();
      try {
        const linked = inDirectory(lockPath, () => {
          try {
            linkSync(this.path, lockPath);
            return true;
          } catch (error) {
            if (isEexist(error)) return false;
            throw error;
          }
        });
        if (!linked) return 'busy';
        return { target, lockPath, fd: undefined, ino: statSync(lockPath).ino, done: false };
      } catch (error) {
        // Our holder file was removed from under us: make it again.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && attempt < 2 && !existsSync(this.path)) {
          this.made = false;
          continue;
        }
        throw error;
      }
    }
  }
}

function holderOf(dir: string, ino: number): { path: string; pid: number; start: number } | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    const match = HOLDER.exec(name);
    if (match === null) continue;
    const path = join(dir, name);
    try {
      if (statSync(path).ino === ino) return { path, pid: Number(match[1]), start: Number(match[2]) };
    } catch {
      continue;
    }
  }
  return undefined;
}

function alive(pid: number, start: number): boolean {
  return isProcessAlive(pid, start === 0 ? undefined : start);
}

/** Remove `<target>.lock` if it is a link to the holder file of an orch process (in `dir`) that is gone. */
export function breakDeadHolderLock(target: string, dir: string): boolean {
  const lockPath = `${target}.lock`;
  let info;
  try {
    info = statSync(lockPath);
  } catch {
    return false;
  }
  if (info.nlink < 2) return false;
  const holder = holderOf(dir, info.ino);
  if (holder === undefined || alive(holder.pid, holder.start)) return false;
  return moveAsideIf(lockPath, info.ino);
}

/** Remove holder files of dead processes that no lock links to any more. */
export function sweepDeadHolders(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const match = HOLDER.exec(name);
    if (match === null || alive(Number(match[1]), Number(match[2]))) continue;
    const path = join(dir, name);
    try {
      if (statSync(path).nlink === 1) unlinkQuietly(path);
    } catch {
      continue;
    }
  }
}
