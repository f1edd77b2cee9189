import { OrchError } from '../errors/index.js';
import { git } from './exec.js';
import { firstFatal, judgePush, type PushVerdict } from './push-report.js';
import { isOid, ZERO_OID } from './ref-name.js';

/**
 * The three conversations orch has with a project's remote: a push of
 * compare-and-swap ref updates (`--force-with-lease=<ref>:<expected>`, an
 * empty expectation meaning "must not exist", `--atomic` so several refs move
 * together or not at all), a fetch of refspecs into local tracking refs, and
 * `ls-remote`. The remote arbitrates: its receive-pack takes each ref's lock
 * and checks the old value, so two machines can never both win. A network
 * error is reported as `unreachable`, never as a lost race.
 */

export interface RefUpdate {
  /** Full ref name on the remote. */
  ref: string;
  /** New value (an object this repo has), or null to delete. */
  to: string | null;
  /** The value the ref must hold now, or null: it must not exist. */
  expect: string | null;
}

export interface TransportOptions {
  /** Give up on a silent remote after this long (default 30 s): reported as unreachable. */
  timeoutMs?: number;
}

export type FetchResult = { kind: 'ok' } | { kind: 'unreachable'; message: string };
export type LsRemoteResult = { kind: 'ok'; refs: Map<string, string> } | { kind: 'unreachable'; message: string };

const DEFAULT_TIMEOUT_MS = 30_000;

/** Settings that keep a push or fetch from doing anything but moving the named refs. */
const QUIET_CONFIG = [
  '-c', 'push.recurseSubmodules=no',
  '-c', 'push.followTags=false',
  '-c', 'push.gpgSign=false',
  '-c', 'fetch.recurseSubmodules=no',
  '-c', 'fetch.writeCommitGraph=false',
  '-c', 'fetch.fsckObjects=false',
  '-c', 'gc.auto=0',
  '-c', 'maintenance.auto=false',
];

/** A remote is a remote name, a URL or a path; never something git would read as an option. */
export function checkRemote(remote: string): string {
  if (remote.length === 0 || remote.startsWith('-') || remote.includes('\0') || /[\r\n]/.test(remote)) {
    throw new OrchError('CONFIG_INVALID', `invalid remote "${remote.slice(0, 120)}"`, {
      data: { remote },
      hint: 'name a remote (origin), a URL (git://host/repo.git, https://...) or an absolute path to a bare repository',
    });
  }
  return remote;
}

function leaseArg(update: RefUpdate): string {
  return `--force-with-lease=${update.ref}:${update.expect ?? ''}`;
}

function refspec(update: RefUpdate): string {
  return update.to === null ? `:${update.ref}` : `${update.to}:${update.ref}`;
}

export async function pushRefs(repoPath: string, remote: string, updates: readonly RefUpdate[], options: TransportOptions & { atomic?: boolean } = {}): Promise<PushVerdict> {
  if (updates.length === 0) return { kind: 'ok', refs: [] };
  const args = [
    ...QUIET_CONFIG,
    'push',
    '--porcelain',
    '--no-verify',
    ...(options.atomic === false ? [] : ['--atomic']),
    ...updates.map(leaseArg),
    checkRemote(remote),
    ...updates.map(refspec),
  ];
  const result = await git(repoPath, args, { reject: false, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  if (result.timedOut) return { kind: 'unreachable', message: `no answer from ${remote} within ${Math.round((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s` };
  return judgePush(result.exitCode, result.stdout, result.stderr);
}

/** One fetch per repository at a time in this process: two would clash on the tracking refs' locks. */
const fetching = new Map<string, Promise<unknown>>();
const LOCAL_LOCK_RETRIES = 3;

/**
 * Fetch `refspecs` (with `+` for forced updates); `prune` removes tracking
 * refs the remote no longer has. A clash on a local tracking ref's lock (a
 * person's git, another orch) is retried, not reported as an unreachable remote.
 */
export async function fetchRefs(repoPath: string, remote: string, refspecs: readonly string[], options: TransportOptions & { prune?: boolean } = {}): Promise<FetchResult> {
  const previous = fetching.get(repoPath) ?? Promise.resolve();
  const mine = previous.then(async () => {
    for (let attempt = 0; ; attempt++) {
      const result = await fetchOnce(repoPath, remote, refspecs, options);
      if (result.kind === 'ok' || !result.localLock || attempt >= LOCAL_LOCK_RETRIES) return result.kind === 'ok' ? result : { kind: 'unreachable' as const, message: result.message };
      await new Promise((resolve) => setTimeout(resolve, 20 * (attempt + 1)));
    }
  });
  const settled = mine.catch(() => undefined);
  fetching.set(repoPath, settled);
  void settled.then(() => {
    if (fetching.get(repoPath) === settled) fetching.delete(repoPath);
  });
  return mine;
}

async function fetchOnce(repoPath: string, remote: string, refspecs: readonly string[], options: TransportOptions & { prune?: boolean }): Promise<{ kind: 'ok' } | { kind: 'failed'; message: string; localLock: boolean }> {
  const args = [
    ...QUIET_CONFIG,
    'fetch',
    '--quiet',
    '--no-tags',
    '--no-write-fetch-head',
    '--no-auto-maintenance',
    '--no-recurse-submodules',
    ...(options.prune === true ? ['--prune'] : []),
    checkRemote(remote),
    ...refspecs,
  ];
  const result = await git(repoPath, args, { reject: false, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  if (result.timedOut) return { kind: 'failed', message: `no answer from ${remote} within ${Math.round((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s`, localLock: false };
  if (result.exitCode === 0) return { kind: 'ok' };
  // "error: cannot lock ref 'refs/orch/remote/...'" names one of our own tracking refs: a local clash.
  return { kind: 'failed', message: firstFatal(result.stderr), localLock: /cannot lock ref 'refs\/orch\/remote\//.test(result.stderr) };
}

/** The remote's refs matching `patterns` (git ls-remote patterns match whole trailing components). */
export async function lsRemote(repoPath: string, remote: string, patterns: readonly string[], options: TransportOptions = {}): Promise<LsRemoteResult> {
  const result = await git(repoPath, ['ls-remote', '--refs', checkRemote(remote), ...patterns], { reject: false, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  if (result.timedOut) return { kind: 'unreachable', message: `no answer from ${remote}` };
  if (result.exitCode !== 0) return { kind: 'unreachable', message: firstFatal(result.stderr) };
  const refs = new Map<string, string>();
  for (const line of result.stdout.split('\n')) {
    const [oid, ref] = line.split('\t');
    if (oid !== undefined && ref !== undefined && isOid(oid) && oid !== ZERO_OID) refs.set(ref, oid);
  }
  return { kind: 'ok', refs };
}

/** Where the remote's `ref` is mirrored locally: refs/heads/x -> refs/orch/remote/heads/x, refs/orch/claims/x -> refs/orch/remote/claims/x. */
export function trackingRef(ref: string): string {
  if (ref.startsWith('refs/orch/')) return `refs/orch/remote/${ref.slice('refs/orch/'.length)}`;
  if (ref.startsWith('refs/')) return `refs/orch/remote/${ref.slice('refs/'.length)}`;
  throw new OrchError('REF_INVALID', `not a full ref name: ${ref}`, { data: { ref } });
}

/** A forced fetch refspec mirroring `ref` (or a `prefix*` glob) into its tracking ref. */
export function mirrorSpec(ref: string): string {
  return `+${ref}:${trackingRef(ref)}`;
}
