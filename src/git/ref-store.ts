import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { OrchError } from '../errors/index.js';
import { systemClock, type Clock } from '../sys/clock.js';
import { git } from './exec.js';
import { breakStaleLock, commitLock, lockAge, releaseLock, type HeldLock } from './lock-file.js';
import { LockHolder, breakDeadHolderLock } from './lock-holder.js';
import { breakDeadLocks, takeJournaledLock } from './lock-journal.js';
import { PackedRefsReader } from './packed-refs.js';
import { checkRefName } from './ref-name.js';
import { appendReflog, formatReflogLine, type ReflogEntry } from './reflog.js';

/**
 * Compare-and-swap of refs, compatible with native git: the same
 * `<ref>.lock` git takes, the old value checked under that lock, the new value
 * renamed into place; loose refs shadow packed-refs, and packed-refs is never
 * rewritten here (a packed ref is deleted by `git update-ref -d`).
 * docs/decisions/git.md says why this and not `git update-ref --stdin`.
 */

/** A ref's value: its stored text (normally a 40-hex oid), or null when absent. */
export type RefValue = string | null;

export type CasResult = { ok: true } | { ok: false; actual: RefValue };

export interface RefStoreOptions {
  clock?: Clock;
  /** How long to wait for a busy `<ref>.lock` before giving up (default 2000 ms; git waits 100). */
  lockTimeoutMs?: number;
  /** A `refs/orch/**` lock not taken by an orch holder link and older than this is abandoned (default 30 s). */
  staleLockMs?: number;
}

export interface CasOptions {
  /** fsync the ref before it is renamed into place, and its directory after. */
  durable?: boolean;
  /** Append to the ref's reflog (and these extra reflogs, e.g. a worktree's logs/HEAD) if they exist. */
  reflog?: ReflogEntry & { alsoTo?: readonly string[] };
}

type Busy = { busy: 'ref' | 'packed-refs' };

/** A held ref lock: the value under it, and one way out (update or release). */
export interface RefLock {
  readonly ref: string;
  readonly current: RefValue;
  /** Write `next` (reflog lines first) and rename it into place; the lock is then gone. */
  update(next: string, options?: CasOptions): void;
  /** Let go without changing anything. Safe after update. */
  release(): void;
}

export class RefStore {
  private readonly packed: PackedRefsReader;
  private readonly clock: Clock;
  private readonly lockTimeoutMs: number;
  private readonly staleLockMs: number;
  private readonly holder: LockHolder;

  /** `commonDir`: the repository's common git dir (where shared refs live). */
  constructor(readonly repo: string, readonly commonDir: string, options: RefStoreOptions = {}) {
    this.packed = new PackedRefsReader(join(commonDir, 'packed-refs'));
    this.clock = options.clock ?? systemClock;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 2000;
    this.staleLockMs = options.staleLockMs ?? 30_000;
    this.holder = new LockHolder(commonDir);
  }

  private pathOf(ref: string): string {
    return join(this.commonDir, ref);
  }

  /** The loose value, or undefined when there is no loose file. */
  private readLoose(ref: string): string | undefined {
    let text: string;
    try {
      text = readFileSync(this.pathOf(ref), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
      throw error;
    }
    const value = text.trim();
    if (value.startsWith('ref:')) {
      throw new OrchError('REF_INVALID', `${ref} is a symbolic ref; orch only swaps direct refs`, { data: { ref } });
    }
    return value;
  }

  async read(ref: string): Promise<RefValue> {
    const loose = this.readLoose(checkRefName(ref));
    if (loose !== undefined) return loose;
    return this.packed.read().get(ref) ?? null;
  }

  /** Every ref under `prefix` (e.g. "refs/orch/claims/"), loose shadowing packed, sorted by name. */
  async list(prefix: string): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const [name, oid] of this.packed.read()) if (name.startsWith(prefix)) found.set(name, oid);
    const walk = (dir: string, refPrefix: string): void => {
      let entries;
      try {
        entries = readdirSync(join(this.commonDir, dir), { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const name = refPrefix + entry.name;
        if (entry.isDirectory()) walk(`${dir}/${entry.name}`, `${name}/`);
        else if (entry.isFile() && !entry.name.startsWith('.') && !entry.name.endsWith('.lock') && name.startsWith(prefix)) {
          const value = this.readLoose(name);
          if (value !== undefined) found.set(name, value);
        }
      }
    };
    const dir = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix.slice(0, prefix.lastIndexOf('/'));
    walk(dir, `${dir}/`);
    return new Map([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /**
   * Set `ref` to `next` (null: delete) only if it now holds `expected`
   * (null: must not exist). On a mismatch, returns the value it does hold.
   */
  async cas(ref: string, expected: RefValue, next: RefValue, options: CasOptions = {}): Promise<CasResult> {
    checkRefName(ref);
    if (expected === null && next === null) {
      const actual = await this.read(ref);
      return actual === null ? { ok: true } : { ok: false, actual };
    }
    return this.retrying(ref, () => this.attempt(ref, expected, next, options));
  }

  /**
   * Hold `ref`'s lock while doing other work (a landing holds its branch
   * while it prepares the index), then update or release it. Waits for a
   * busy lock like cas() does.
   */
  async lock(ref: string): Promise<RefLock> {
    checkRefName(ref);
    return this.retrying(ref, async (): Promise<RefLock | Busy> => {
      const held = this.takeLock(ref);
      if (held === 'busy') return { busy: 'ref' };
      let current: RefValue;
      try {
        current = this.readUnderLock(ref);
      } catch (error) {
        releaseLock(held);
        throw error;
      }
      return {
        ref,
        current,
        update: (next: string, options: CasOptions = {}) => this.writeUnderLock(held, ref, current, next, options),
        release: () => releaseLock(held),
      };
    });
  }

  private async retrying<T extends object>(ref: string, tryOnce: () => Promise<T | Busy>): Promise<T> {
    const started = this.clock.now();
    for (let round = 0; ; round++) {
      const attempt = await tryOnce();
      if (!('busy' in attempt)) return attempt;
      // Lock files age in real time, whatever clock the caller runs on.
      const now = Date.now();
      const elapsed = this.clock.now() - started;
      const target = this.pathOf(attempt.busy === 'ref' ? ref : 'packed-refs');
      // A lock a dead orch provably left (a link to its holder file, or named in its journal) goes at once.
      if (breakDeadHolderLock(target, this.commonDir)) continue;
      if (attempt.busy === 'ref' && !ref.startsWith('refs/orch/') && breakDeadLocks(this.commonDir) > 0) continue;
      // Under refs/orch/ only orch writes: any other lock there older than staleLockMs is abandoned.
      if (attempt.busy === 'ref' && ref.startsWith('refs/orch/') && breakStaleLock(target, this.staleLockMs, now)) continue;
      if (elapsed > this.lockTimeoutMs) {
        const path = `${target}.lock`;
        throw new OrchError('LOCK_HELD', `${path} is held by another git or orch process`, {
          data: { ref, path, ageMs: lockAge(target, now) },
          hint: `if no git or orch process is running in ${this.repo}, remove ${path}`,
        });
      }
      await this.clock.sleep(Math.min(20, 1 + round + Math.random() * round));
    }
  }

  /**
   * orch's own refs are locked by holder links (lock-holder.ts); a ref the
   * person shares (a branch) by a journaled lock (lock-journal.ts), which a
   * landing may hold for a while. Either way only a provably dead orch's
   * lock is ever removed.
   */
  private takeLock(ref: string): HeldLock | 'busy' {
    return ref.startsWith('refs/orch/') ? this.holder.tryLock(this.pathOf(ref)) : takeJournaledLock(this.pathOf(ref), this.commonDir);
  }

  private readUnderLock(ref: string): RefValue {
    const loose = this.readLoose(ref);
    return loose !== undefined ? loose : (this.packed.read().get(ref) ?? null);
  }

  /** Reflog lines first, then the value renamed into place, as git does. */
  private writeUnderLock(lock: HeldLock, ref: string, old: RefValue, next: string, options: CasOptions): void {
    if (options.reflog !== undefined) {
      const line = formatReflogLine(old, next, options.reflog);
      for (const log of [join(this.commonDir, 'logs', ref), ...(options.reflog.alsoTo ?? [])]) appendReflog(log, line);
    }
    commitLock(lock, `${next}\n`, options.durable === true);
  }

  private async attempt(ref: string, expected: RefValue, next: RefValue, options: CasOptions): Promise<CasResult | Busy> {
    // Everything under the lock is synchronous, so it is held for microseconds.
    const lock = this.takeLock(ref);
    if (lock === 'busy') return { busy: 'ref' };
    let packedLock: HeldLock | 'busy' | undefined;
    try {
      const actual = this.readUnderLock(ref);
      if (actual !== expected) return { ok: false, actual };
      if (next !== null) {
        this.writeUnderLock(lock, ref, expected, next, options);
        return { ok: true };
      }
      // Delete. Hold packed-refs.lock while looking, so a concurrent
      // `git pack-refs` cannot pack the loose value we are about to remove.
      packedLock = this.holder.tryLock(this.pathOf('packed-refs'));
      if (packedLock === 'busy') return { busy: 'packed-refs' };
      if (!this.packed.read().has(ref)) {
        unlinkSync(this.pathOf(ref));
        return { ok: true };
      }
    } finally {
      if (packedLock !== undefined && packedLock !== 'busy') releaseLock(packedLock);
      releaseLock(lock);
    }
    return this.deleteWithGit(ref, expected);
  }

  /** A packed ref: git rewrites packed-refs under its own lock, checking the old value. */
  private async deleteWithGit(ref: string, expected: RefValue): Promise<CasResult | Busy> {
    const result = await git(this.repo, ['update-ref', '--no-deref', '-d', ref, expected ?? ''], { reject: false });
    if (result.exitCode === 0) return { ok: true };
    const actual = await this.read(ref);
    if (actual !== expected) return { ok: false, actual };
    // Same value but git failed: a lock was busy. Let the caller retry.
    return { busy: 'ref' };
  }
}
