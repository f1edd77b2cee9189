import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  acquireClaim,
  acquireLock,
  claimFirst,
  listClaims,
  listLocks,
  readClaim,
  recoverClaim,
  releaseLock,
} from '../../src/git/claims-and-locks.js';
import { git } from '../../src/git/exec.js';
import { acquireLease, readLease, releaseLease, renewLease, type LeaseRequest } from '../../src/git/leases.js';
import { openRepo, type Repo } from '../../src/git/repo.js';
import type { Clock } from '../../src/sys/clock.js';
import { makeRepo } from '../support/git-repo.js';
import { tempDir } from '../support/tmp.js';

const open: Repo[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((repo) => repo.close()));
});

function virtualClock(start = Date.parse('2030-01-01T00:00:00Z')): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

async function setup(clock?: Clock): Promise<Repo> {
  const repo = await openRepo(await makeRepo(), clock === undefined ? {} : { clock });
  open.push(repo);
  return repo;
}

const ME: LeaseRequest = { holder: 'runner-1', ttlMs: 60_000, runId: 'r1' };

/** A pid that just exited (on this host). */
function deadPid(): number {
  const child = spawnSync('true');
  return child.pid;
}

function strayLocks(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.includes('.lock'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('leases', () => {
  it('grants a claim once, records who holds it, and releases only from the held value', async () => {
    const repo = await setup();
    const first = await acquireClaim(repo, 'api-k3f9', ME);
    expect(first.won).toBe(true);
    const second = await acquireClaim(repo, 'api-k3f9', { ...ME, holder: 'runner-2' });
    expect(second.won).toBe(false);
    if (second.won || !first.won) throw new Error('unreachable');
    expect(second.current?.status).toBe('live');
    expect(second.current?.record).toMatchObject({ holder: 'runner-1', pid: process.pid, runId: 'r1', version: 1 });
    const listed = await listClaims(repo);
    expect(listed.map((c) => [c.name, c.record?.holder, c.status])).toEqual([['api-k3f9', 'runner-1', 'live']]);
    // The ref points at a blob git can read.
    const shown = await git(repo.path, ['cat-file', '-p', 'refs/orch/claims/api-k3f9']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ holder: 'runner-1' });
    expect((await releaseLease(repo, first.lease)).ok).toBe(true);
    expect(await readClaim(repo, 'api-k3f9')).toBeNull();
    expect((await releaseLease(repo, first.lease)).ok).toBe(false);
  });

  it('renews by swapping from the exact value, so a lease recovered by another cannot be renewed or released', async () => {
    const clock = virtualClock();
    const repo = await setup(clock);
    const won = await acquireClaim(repo, 'b1', { ...ME, ttlMs: 1000 });
    if (!won.won) throw new Error('not won');
    clock.advance(900);
    const renewed = await renewLease(repo, won.lease, 1000);
    if (!renewed.ok || renewed.lease === undefined) throw new Error('not renewed');
    expect(Date.parse(renewed.lease.record.leaseUntil)).toBe(clock.now() + 1000);
    expect((await renewLease(repo, won.lease, 1000)).ok).toBe(false);
    clock.advance(1001);
    expect((await readClaim(repo, 'b1'))?.status).toBe('expired');
    const taken = await recoverClaim(repo, 'b1', { ...ME, holder: 'runner-2' });
    expect(taken.won).toBe(true);
    if (!taken.won) throw new Error('unreachable');
    expect(taken.lease.record.recovered).toMatchObject({ holder: 'runner-1', reason: 'expired' });
    const late = await releaseLease(repo, renewed.lease);
    expect(late.ok).toBe(false);
    if (late.ok) throw new Error('unreachable');
    expect(late.current?.record?.holder).toBe('runner-2');
  });

  it('recovers the claim of a dead holder on this host, but never a live one', async () => {
    const repo = await setup();
    const dead = await acquireClaim(repo, 'c1', { ...ME, holder: 'crashed', pid: deadPid() });
    expect(dead.won).toBe(true);
    expect((await readClaim(repo, 'c1'))?.status).toBe('dead');
    const live = await acquireClaim(repo, 'c2', ME);
    expect(live.won).toBe(true);
    expect((await recoverClaim(repo, 'c2', { ...ME, holder: 'thief' })).won).toBe(false);
    const recovered = await recoverClaim(repo, 'c1', ME);
    expect(recovered.won).toBe(true);
    if (!recovered.won) throw new Error('unreachable');
    expect(recovered.recovered?.record?.holder).toBe('crashed');
    expect(recovered.lease.record.recovered?.reason).toBe('dead');
    // Two recoverers of the same stale value: exactly one wins.
    await acquireClaim(repo, 'c3', { ...ME, holder: 'crashed', pid: deadPid() });
    const race = await Promise.all([recoverClaim(repo, 'c3', ME), recoverClaim(repo, 'c3', ME), recoverClaim(repo, 'c3', ME)]);
    expect(race.filter((r) => r.won)).toHaveLength(1);
  });

  it('treats an unreadable record as stale and recovers it', async () => {
    const repo = await setup();
    const junk = (await git(repo.path, ['hash-object', '-w', '--stdin'], { input: 'not json' })).stdout.trim();
    await git(repo.path, ['update-ref', 'refs/orch/claims/junk', junk]);
    expect((await readClaim(repo, 'junk'))?.status).toBe('corrupt');
    const recovered = await recoverClaim(repo, 'junk', ME);
    expect(recovered.won).toBe(true);
  });

  it('claimFirst takes candidates in order, skipping live claims and recovering stale ones', async () => {
    const repo = await setup();
    await acquireClaim(repo, 'a', { ...ME, holder: 'other' });
    await acquireClaim(repo, 'b', { ...ME, holder: 'crashed', pid: deadPid() });
    const first = await claimFirst(repo, ['a', 'b', 'c'], ME);
    expect(first?.id).toBe('b');
    expect(first?.recovered?.record?.holder).toBe('crashed');
    const second = await claimFirst(repo, ['a', 'b', 'c'], ME);
    expect(second?.id).toBe('c');
    expect(await claimFirst(repo, ['a', 'b', 'c'], ME)).toBeUndefined();
    expect(await claimFirst(repo, ['x'], ME, { recover: false })).toMatchObject({ id: 'x' });
  });

  it('locks from the CLI outlive their process and are released by holder name or force', async () => {
    const clock = virtualClock();
    const repo = await setup(clock);
    const person = { holder: 'alice@laptop', ttlMs: 3_600_000, pid: null, note: 'deploy freeze' };
    expect((await acquireLock(repo, 'deploy', person)).won).toBe(true);
    const listed = await listLocks(repo);
    expect(listed).toHaveLength(1);
    expect(listed[0]?.record?.pid).toBeUndefined();
    expect(listed[0]?.status).toBe('live');
    expect((await acquireLock(repo, 'deploy', { holder: 'bob', ttlMs: 1000 })).won).toBe(false);
    expect(await releaseLock(repo, 'deploy', { holder: 'bob' })).toMatchObject({ released: false, reason: 'not-holder' });
    expect(await releaseLock(repo, 'deploy', { holder: 'alice@laptop' })).toMatchObject({ released: true });
    expect(await releaseLock(repo, 'deploy', { holder: 'alice@laptop' })).toEqual({ released: false, reason: 'absent' });
    await acquireLock(repo, 'deploy', person);
    expect(await releaseLock(repo, 'deploy', { force: true })).toMatchObject({ released: true });
    // An expired lock is taken over by the next acquirer.
    await acquireLock(repo, 'deploy', { ...person, ttlMs: 10 });
    clock.advance(20);
    const next = await acquireLock(repo, 'deploy', { holder: 'bob', ttlMs: 1000 });
    expect(next.won).toBe(true);
  });

  it('reads locks and claims the same after `git gc` and `git pack-refs --all`', async () => {
    const repo = await setup();
    const lock = await acquireLock(repo, 'l1', ME);
    const claim = await acquireClaim(repo, 'k1', ME);
    if (!lock.won || !claim.won) throw new Error('not won');
    const before = [await listLocks(repo), await listClaims(repo)];
    await git(repo.path, ['pack-refs', '--all', '--prune']);
    await git(repo.path, ['gc', '--quiet', '--prune=now']);
    expect([await listLocks(repo), await listClaims(repo)]).toEqual(before);
    // A fresh reader (new cat-file) sees the packed record too.
    const other = await openRepo(repo.path);
    open.push(other);
    expect((await readLease(other, 'refs/orch/claims/k1'))?.record).toEqual(claim.lease.record);
    expect((await acquireClaim(other, 'k1', ME)).won).toBe(false);
    expect((await releaseLease(repo, claim.lease)).ok).toBe(true);
    expect((await releaseLease(repo, lock.lease)).ok).toBe(true);
    expect(await git(repo.path, ['for-each-ref', 'refs/orch/']).then((r) => r.stdout)).toBe('');
    await git(repo.path, ['fsck', '--strict']);
  });
});

describe('lease contention', () => {
  it('8 processes x 500 attempts on one lock: one holder at a time, no double grant, no stray lock file', async () => {
    const repo = await setup();
    const witnessDir = await tempDir('orch-witness-');
    const go = join(witnessDir, 'go');
    const fixture = resolve(import.meta.dirname, '../fixtures/git/contend-lock.mjs');
    const runs = Array.from({ length: 8 }, () => {
      const child = spawn(process.execPath, [fixture, repo.path, witnessDir, '500', 'contended', go], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      return new Promise<{ grants: number; doubles: number; releaseFailures: number }>((done, fail) => {
        child.on('close', (code) => (code === 0 ? done(JSON.parse(out)) : fail(new Error(`contender exited ${code}: ${err}`))));
      });
    });
    mkdirSync(witnessDir, { recursive: true });
    writeFileSync(go, '');
    const results = await Promise.all(runs);
    const total = results.reduce((sum, r) => sum + r.grants, 0);
    expect(results.map((r) => r.doubles)).toEqual(Array(8).fill(0));
    expect(results.map((r) => r.releaseFailures)).toEqual(Array(8).fill(0));
    expect(total).toBeGreaterThan(8);
    expect(results.filter((r) => r.grants > 0).length).toBeGreaterThan(1);
    expect(strayLocks(join(repo.commonDir, 'refs'))).toEqual([]);
    expect(await repo.refs.read('refs/orch/locks/contended')).toBeNull();
    await git(repo.path, ['fsck', '--strict']);
  });
});
