import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { OrchError } from '../errors/index.js';

/**
 * git's lock-file protocol, the way git itself does it: `<file>.lock` created
 * exclusively is the lock; the new content is written into it and renamed
 * over `<file>` to commit, or the lock is unlinked to roll back. A git
 * process and an orch process therefore exclude each other on the same file.
 *
 * The calls are synchronous on purpose: each is a few microseconds of
 * metadata work, and a lock must not stay held across an event-loop turn.
 */

export interface HeldLock {
  /** The file the lock protects. */
  readonly target: string;
  readonly lockPath: string;
  /** An open descriptor of the lock file, or undefined for a holder link (lock-holder.ts), whose content goes in a temp file. */
  readonly fd: number | undefined;
  readonly ino: number;
  /** A journal naming this lock (see lock-journal.ts), removed with the lock. */
  journal?: string;
  done: boolean;
}

export function isEexist(error: unknown): boolean {
  return errno(error) === 'EEXIST';
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function conflictOfPath(path: string, cause: unknown): OrchError {
  return new OrchError('REF_INVALID', `cannot create ${path}: a file is in the way of a directory (or the reverse)`, {
    cause,
    data: { path },
    hint: 'a ref name and a ref directory collide; pick another name',
  });
}

/** Run `create` for a file in `path`'s directory, recreating the directory if git pruned it meanwhile. */
export function inDirectory<T>(path: string, create: () => T): T {
  for (let attempt = 0; ; attempt++) {
    try {
      return create();
    } catch (error) {
      const code = errno(error);
      if (code === 'ENOENT' && attempt < 20) {
        try {
          mkdirSync(dirname(path), { recursive: true });
        } catch (mkdirError) {
          if (errno(mkdirError) === 'ENOTDIR' || errno(mkdirError) === 'EEXIST') throw conflictOfPath(path, mkdirError);
          throw mkdirError;
        }
        continue;
      }
      if (code === 'ENOTDIR' || code === 'EISDIR') throw conflictOfPath(path, error);
      throw error;
    }
  }
}

/**
 * Take `<target>.lock` so that its inode is recorded before the lock exists:
 * a temp file (`tempName`, in the target's directory) is made, `beforeLink`
 * records its inode, then it is hard-linked to the lock name, which like
 * O_EXCL fails when the lock exists. A crash at any point leaves either no
 * lock or a lock whose inode was recorded.
 */
export function tryLockRecorded(target: string, tempName: string, beforeLink: (ino: number, temp: string) => void): HeldLock | 'busy' {
  const lockPath = `${target}.lock`;
  const temp = join(dirname(target), tempName);
  const fd = inDirectory(temp, () => openSync(temp, 'wx', 0o644));
  const ino = fstatSync(fd).ino;
  try {
    beforeLink(ino, temp);
    linkSync(temp, lockPath);
  } catch (error) {
    closeSync(fd);
    unlinkQuietly(temp);
    if (errno(error) === 'EEXIST') return 'busy';
    throw error;
  }
  unlinkQuietly(temp);
  return { target, lockPath, fd, ino, done: false };
}

function stillOurs(lock: HeldLock): boolean {
  try {
    return statSync(lock.lockPath).ino === lock.ino;
  } catch {
    return false;
  }
}

function finish(lock: HeldLock): void {
  if (lock.journal !== undefined) unlinkQuietly(lock.journal);
}

/** Write `content` into the lock (or a temp file beside it) and rename it over the target. */
export function commitLock(lock: HeldLock, content: string | Uint8Array, durable = false): void {
  if (lock.done) throw new OrchError('INTERNAL', `lock ${lock.lockPath} already released`);
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  const source = lock.fd === undefined ? join(dirname(lock.target), `.orch-new-${process.pid}-${randomBytes(6).toString('hex')}`) : lock.lockPath;
  let fd = lock.fd;
  try {
    fd ??= openSync(source, 'wx', 0o644);
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
    if (durable) fsyncSync(fd);
    if (lock.fd === undefined) closeSync(fd);
  } catch (error) {
    if (lock.fd === undefined) {
      if (fd !== undefined) closeSync(fd);
      unlinkQuietly(source);
    }
    releaseLock(lock);
    throw error;
  }
  renameOver(lock, source, durable);
}

/**
 * Rename `source` (the lock itself, or a file prepared beside it) over the
 * target, then let the lock go. Refuses when our lock file was taken away (a
 * stale-lock breaker removed it while this process was stopped), so a
 * stranger's lock is never committed.
 */
export function renameOver(lock: HeldLock, source: string, durable = false): void {
  if (lock.fd !== undefined) closeSync(lock.fd);
  lock.done = true;
  if (!stillOurs(lock)) {
    if (source !== lock.lockPath) unlinkQuietly(source);
    finish(lock);
    throw new OrchError('INTERNAL', `lock ${lock.lockPath} was removed while held; nothing written`, { data: { path: lock.lockPath } });
  }
  if (lock.fd === undefined) {
    // A holder link: the content goes straight over the target, then the link is dropped.
    renameSync(source, lock.target);
    unlinkQuietly(lock.lockPath);
  } else {
    if (source !== lock.lockPath) renameSync(source, lock.lockPath);
    renameSync(lock.lockPath, lock.target);
  }
  if (durable) syncDirectory(dirname(lock.target));
  finish(lock);
}

/**
 * Rename `source` over the target while keeping the lock held: readers see
 * the new content at once, and no writer can take the lock until
 * releaseLock(). (A git writer that read the old content just before still
 * cannot write it back while the lock is held.)
 */
export function replaceHeld(lock: HeldLock, source: string): void {
  if (lock.done || !stillOurs(lock)) {
    unlinkQuietly(source);
    throw new OrchError('INTERNAL', `lock ${lock.lockPath} is not held; nothing written`, { data: { path: lock.lockPath } });
  }
  renameSync(source, lock.target);
}

/** Unlink the lock (only if it is still ours). Safe to call twice. */
export function releaseLock(lock: HeldLock): void {
  if (lock.done) return;
  lock.done = true;
  if (lock.fd !== undefined) closeSync(lock.fd);
  if (stillOurs(lock)) unlinkQuietly(lock.lockPath);
  finish(lock);
}

export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (errno(error) !== 'ENOENT') throw error;
  }
}

/** Milliseconds since `<target>.lock` was last modified, or undefined when there is none. */
export function lockAge(target: string, now: number): number | undefined {
  try {
    return now - statSync(`${target}.lock`).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Remove `<target>.lock` if it is older than `staleMs` (for locks nobody but orch takes). */
export function breakStaleLock(target: string, staleMs: number, now: number): boolean {
  const lockPath = `${target}.lock`;
  let before;
  try {
    before = statSync(lockPath);
  } catch {
    return false;
  }
  if (now - before.mtimeMs < staleMs) return false;
  return moveAsideIf(lockPath, before.ino);
}

/**
 * Remove the lock at `lockPath` if it is still the file with inode `ino`: it
 * is moved aside first and checked; if a fresh lock was taken in between, it
 * is put back.
 */
export function moveAsideIf(lockPath: string, ino: number): boolean {
  // A leading '.' and a '.lock' ending: git's ref iteration skips such names.
  const aside = join(dirname(lockPath), `.stale-${randomBytes(6).toString('hex')}-${basename(lockPath)}`);
  try {
    renameSync(lockPath, aside);
  } catch {
    return false;
  }
  if (statSync(aside).ino !== ino) {
    try {
      linkSync(aside, lockPath);
    } catch {
      // Someone locked again meanwhile; the one we moved will fail its commit.
    }
    unlinkQuietly(aside);
    return false;
  }
  unlinkQuietly(aside);
  return true;
}
