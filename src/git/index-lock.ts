import { join } from 'node:path';
import type { Clock } from '../sys/clock.js';
import type { HeldLock } from './lock-file.js';
import { takeJournaledLock, type Landing } from './lock-journal.js';
import type { Worktree } from './repo.js';

/**
 * A worktree's index.lock, taken the way git takes it, journaled with the
 * landing it protects (see lock-journal.ts), so a landing killed while
 * holding it can be finished or undone by the next orch.
 */
export async function lockIndex(worktree: Worktree, landing: Landing | undefined, clock: Clock, timeoutMs: number): Promise<HeldLock | 'busy'> {
  const started = clock.now();
  for (let round = 0; ; round++) {
    const lock = takeJournaledLock(join(worktree.gitDir, 'index'), worktree.gitDir, landing);
    if (lock !== 'busy') return lock;
    if (clock.now() - started >= timeoutMs) return 'busy';
    await clock.sleep(Math.min(25, 2 + round * 2));
  }
}
