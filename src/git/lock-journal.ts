import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { releaseLock, tryLockRecorded, unlinkQuietly, type HeldLock } from './lock-file.js';
import { HOST, isProcessAlive, processStartTime } from './process-alive.js';

/**
 * Locks orch takes on files git shares with the person (a branch ref, a
 * worktree's index) are journaled: `orch-lock.<pid>-<tag>.json` in the git
 * dir names the lock's inode (written before the lock exists) and, for a
 * landing, what it was doing. If orch is killed holding such a lock, the next
 * orch proves the leftover lock is a dead orch's (same inode, holder gone)
 * and removes or finishes it, instead of leaving the person's git locked out.
 */

export const LockJournalSchema = z.object({
  pid: z.number().int(),
  pidStart: z.number().int().optional(),
  host: z.string(),
  ino: z.number(),
  lockPath: z.string(),
  temp: z.string(),
  /** Set on a worktree's index lock held across a landing's branch swap. */
  landing: z.object({ ref: z.string(), from: z.string(), to: z.string() }).optional(),
});

export type LockJournal = z.infer<typeof LockJournalSchema>;
export type Landing = NonNullable<LockJournal['landing']>;

const JOURNAL = /^orch-lock\.(\d+)-[0-9a-f]+\.json$/;
/** Leftovers of a dead process: temp files and half-written journals. */
const LEFTOVER = /^(?:\.orch-(?:lock|index)-(\d+)-[0-9a-f]+|orch-lock\.(\d+)-[0-9a-f]+\.json\.tmp)$/;

function tag(): string {
  return `${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** A temp file name beside the index, tagged with this pid so a dead process's leftovers can be swept. */
export function indexTempName(): string {
  return `.orch-index-${tag()}`;
}

/**
 * Written whole (temp + rename) but not fsynced: the journal is for a killed
 * process, whose writes the kernel keeps; after a power loss, when it could
 * be lost, nothing of orch is running and a left lock is reported by git.
 */
function writeJournal(path: string, journal: LockJournal): void {
  const temp = `${path}.tmp`;
  const fd = openSync(temp, 'w', 0o644);
  try {
    writeSync(fd, JSON.stringify(journal));
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

/** Take `<target>.lock` with a journal in `journalDir`. Releasing or committing the lock removes the journal. */
export function takeJournaledLock(target: string, journalDir: string, landing?: Landing): HeldLock | 'busy' {
  const id = tag();
  const journalPath = join(journalDir, `orch-lock.${id}.json`);
  const pidStart = processStartTime(process.pid);
  const lock = tryLockRecorded(target, `.orch-lock-${id}`, (ino, temp) =>
    writeJournal(journalPath, {
      pid: process.pid,
      host: HOST,
      ino,
      lockPath: `${target}.lock`,
      temp,
      ...(pidStart === undefined ? {} : { pidStart }),
      ...(landing === undefined ? {} : { landing }),
    }),
  );
  if (lock === 'busy') {
    unlinkQuietly(journalPath);
    return 'busy';
  }
  lock.journal = journalPath;
  return lock;
}

export interface DeadLock {
  journal: LockJournal;
  journalPath: string;
  /** The leftover lock, proven the dead process's, re-opened for the recoverer (releasing it removes the journal). */
  lock: HeldLock | undefined;
}

function readJournal(path: string): LockJournal | undefined {
  try {
    const parsed = LockJournalSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function dead(pid: number, pidStart?: number): boolean {
  return !isProcessAlive(pid, pidStart);
}

/**
 * Journals in `dir` left by dead orch processes on this host, each with its
 * lock handed over when the leftover lock is provably that process's.
 * Temp files of dead processes are removed on the way.
 */
export function findDeadLocks(dir: string): DeadLock[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: DeadLock[] = [];
  for (const name of names) {
    const leftover = LEFTOVER.exec(name);
    if (leftover !== null && dead(Number(leftover[1] ?? leftover[2]))) unlinkQuietly(join(dir, name));
    if (!JOURNAL.test(name)) continue;
    const journalPath = join(dir, name);
    const journal = readJournal(journalPath);
    // Journals are renamed into place whole; one that does not parse is not ours to judge.
    if (journal === undefined || journal.host !== HOST || !dead(journal.pid, journal.pidStart)) continue;
    unlinkQuietly(journal.temp);
    let lock: HeldLock | undefined;
    try {
      const ino = statSync(journal.lockPath).ino;
      if (ino === journal.ino) {
        const target = journal.lockPath.slice(0, -'.lock'.length);
        lock = { target, lockPath: journal.lockPath, fd: openSync(journal.lockPath, 'r'), ino, journal: journalPath, done: false };
      }
    } catch {
      lock = undefined;
    }
    out.push({ journal, journalPath, lock });
  }
  return out;
}

/** Remove the leftover plain (non-landing) locks of dead orch processes in `dir`. Returns how many were removed. */
export function breakDeadLocks(dir: string): number {
  let removed = 0;
  for (const found of findDeadLocks(dir)) {
    if (found.journal.landing !== undefined) continue;
    if (found.lock !== undefined) {
      releaseLock(found.lock);
      removed++;
    } else {
      unlinkQuietly(found.journalPath);
    }
  }
  return removed;
}
