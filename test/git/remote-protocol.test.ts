import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git } from '../../src/git/exec.js';
import { LeaseObserver } from '../../src/git/lease-observer.js';
import { assessRemoteLease, parseLease, type LeaseRecord } from '../../src/git/lease-record.js';
import { judgePush } from '../../src/git/push-report.js';
import { openRepo, type Repo } from '../../src/git/repo.js';
import { landOnRemote } from '../../src/git/remote-landing.js';
import { acquireRemoteLease, readTrackedLeases, renewRemoteLease, takeOverRemoteLease, type RemoteLease } from '../../src/git/remote-leases.js';
import { publishRuns } from '../../src/git/remote-runs.js';
import { fetchRefs, mirrorSpec } from '../../src/git/remote-transport.js';
import { readRuns, recordRun } from '../../src/git/run-records.js';
import type { Clock } from '../../src/sys/clock.js';
import { commitFiles, makeRepo } from '../support/git-repo.js';
import { tempDir } from '../support/tmp.js';

/**
 * The git-layer protocol behind scale-out (issue 10), against real bare
 * remotes given by path: how push reports are judged, the remote lease
 * rules (create-only, heartbeat, takeover only of a value watched expired,
 * unsure values adopted), run-record publishing from two clones, and the
 * remote landing (moved branch, lost claim, declined tip, unreachable).
 */

const open: Repo[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((repo) => repo.close()));
});

function virtualClock(start = Date.now()): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, sleep: async (ms) => void (now += ms), advance: (ms) => void (now += ms) };
}

async function remoteWithClones(count: number, clocks: (Clock | undefined)[] = []): Promise<{ bare: string; clones: Repo[] }> {
  const dir = await tempDir('orch-remote-proto-');
  const seed = await makeRepo({ 'README.md': '# r\n', 'src/a.txt': 'a\n' });
  const bare = join(dir, 'r.git');
  await git(dir, ['clone', '-q', '--bare', seed, bare]);
  const clones: Repo[] = [];
  for (let i = 0; i < count; i++) {
    const path = join(dir, `c${i}`);
    await git(dir, ['clone', '-q', bare, path]);
    const clock = clocks[i];
    const repo = await openRepo(path, clock === undefined ? {} : { clock });
    open.push(repo);
    clones.push(repo);
  }
  return { bare, clones };
}

const request = (holder: string, ttlMs = 10_000) => ({ holder, ttlMs, pid: null });
const remoteRef = async (bare: string, ref: string) => (await git(bare, ['rev-parse', '--verify', '--quiet', ref], { reject: false })).stdout.trim() || null;

describe('judgePush', () => {
  it('tells a lost race, a server-side lost race, a refusal and an unreachable remote apart', () => {
    expect(judgePush(0, 'To r\n*\tabc:refs/orch/claims/x\t[new reference]\nDone\n', '')).toMatchObject({ kind: 'ok' });
    expect(judgePush(1, 'To r\n!\tabc:refs/orch/claims/x\t[rejected] (stale info)\nDone\n', '')).toMatchObject({ kind: 'rejected', stale: ['refs/orch/claims/x'], refused: [] });
    const atomic = judgePush(1, '!\tc1:refs/heads/main\t[remote rejected] (atomic transaction failed)\n!\tb1:refs/orch/claims/x\t[remote rejected] (atomic transaction failed)\n', '');
    expect(atomic).toMatchObject({ kind: 'rejected', stale: ['refs/heads/main', 'refs/orch/claims/x'], refused: [] });
    const casualty = judgePush(1, '=\tHEAD:refs/heads/main\t[up to date]\n!\tb1:refs/orch/claims/x\t[rejected] (stale info)\n!\tc:refs/heads/other\t[rejected] (atomic push failed)\n', '');
    expect(casualty).toMatchObject({ kind: 'rejected', stale: ['refs/orch/claims/x'], refused: [] });
    expect(judgePush(1, '!\tc:refs/heads/main\t[remote rejected] (hook declined)\n', '')).toMatchObject({ kind: 'rejected', stale: [], refused: [{ ref: 'refs/heads/main' }] });
    const down = judgePush(128, '', 'fatal: unable to connect to 127.0.0.1:\n127.0.0.1[0: 127.0.0.1]: errno=Connection refused\n');
    expect(down).toEqual({ kind: 'unreachable', message: 'fatal: unable to connect to 127.0.0.1: 127.0.0.1[0: 127.0.0.1]: errno=Connection refused' });
  });
});

describe('remote lease status', () => {
  const record = (leaseUntil: number, ttlMs: number): LeaseRecord => ({ version: 1, holder: 'h', host: 'x', acquiredAt: new Date(leaseUntil - ttlMs).toISOString(), leaseUntil: new Date(leaseUntil).toISOString(), ttlMs, nonce: '0123456789abcdef' });

  it('is expired only when leaseUntil passed AND the same value was watched unchanged for a whole lease', () => {
    const now = 1_000_000;
    expect(assessRemoteLease(record(now - 1, 5000), now, 0)).toBe('live');
    expect(assessRemoteLease(record(now - 1, 5000), now, 4999)).toBe('live');
    expect(assessRemoteLease(record(now - 1, 5000), now, 5000)).toBe('expired');
    // The holder's clock far behind ours (leaseUntil long past): still needs the watched lease.
    expect(assessRemoteLease(record(now - 3_600_000, 5000), now, 100)).toBe('live');
    // Watched for ages but its leaseUntil is still ahead (our clock behind): live.
    expect(assessRemoteLease(record(now + 1000, 5000), now, 60_000)).toBe('live');
  });

  it('the observer restarts the count when the value changes (a renewal) and forgets refs that vanish', () => {
    const observer = new LeaseObserver();
    observer.observe(new Map([['r', 'a']]), 0);
    observer.observe(new Map([['r', 'a']]), 4000);
    expect(observer.unchangedFor('r', 'a', 4000)).toBe(4000);
    observer.observe(new Map([['r', 'b']]), 4500);
    expect(observer.unchangedFor('r', 'b', 5000)).toBe(500);
    expect(observer.unchangedFor('r', 'a', 5000)).toBe(0);
    observer.observe(new Map(), 6000);
    observer.observe(new Map([['r', 'b']]), 7000);
    expect(observer.unchangedFor('r', 'b', 7000)).toBe(0);
  });
});

describe('remote leases', () => {
  it('eight processes race to create one claim on the remote: exactly one wins, the others are told it is held', async () => {
    const { bare, clones } = await remoteWithClones(8);
    const module = resolve(import.meta.dirname, '../../dist/src/git/remote-leases.js');
    const repoModule = resolve(import.meta.dirname, '../../dist/src/git/repo.js');
    const script = `const { acquireRemoteLease } = await import(${JSON.stringify(module)}); const { openRepo } = await import(${JSON.stringify(repoModule)});
      const repo = await openRepo(process.argv[1]); const r = await acquireRemoteLease(repo, process.argv[2], 'refs/orch/claims/race', { holder: process.argv[3], ttlMs: 60000, pid: null });
      process.stdout.write(r.outcome); await repo.close();`;
    const outcomes = await Promise.all(
      clones.map(
        (clone, i) =>
          new Promise<string>((done, fail) => {
            const child = spawn(process.execPath, ['--input-type=module', '-e', script, clone.path, bare, `p${i}`], { stdio: ['ignore', 'pipe', 'pipe'] });
            let out = '';
            let err = '';
            child.stdout.on('data', (d: Buffer) => (out += d.toString()));
            child.stderr.on('data', (d: Buffer) => (err += d.toString()));
            child.on('error', fail);
            child.on('close', () => done(out || `error: ${err}`));
          }),
      ),
    );
    expect(outcomes.filter((o) => o === 'won'), outcomes.join(', ')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'held'), outcomes.join(', ')).toHaveLength(7);
    const winner = parseLease((await git(bare, ['cat-file', 'blob', 'refs/orch/claims/race'])).stdout);
    expect(winner?.holder).toBe(`p${outcomes.indexOf('won')}`);
  });

  it('a renewing holder is never taken over, even by a taker whose clock is hours ahead; a stale one is, by CAS from the value seen', async () => {
    const ahead = virtualClock(Date.now() + 3 * 3_600_000);
    const { bare, clones } = await remoteWithClones(2, [undefined, ahead]);
    const [holder, taker] = clones as [Repo, Repo];
    const won = await acquireRemoteLease(holder, bare, 'refs/orch/claims/b1', request('holder', 2000));
    expect(won.outcome).toBe('won');
    let lease = (won as { lease: RemoteLease }).lease;
    const observer = new LeaseObserver();
    const seen = async () => {
      expect((await fetchRefs(taker.path, bare, [mirrorSpec('refs/orch/claims/*')], { prune: true })).kind).toBe('ok');
      return (await readTrackedLeases(taker, 'refs/orch/claims/', observer))[0];
    };
    // The taker's clock says the lease ran out hours ago, but it has not watched it for a lease: live.
    expect((await seen())?.status).toBe('live');
    ahead.advance(1500);
    const renewed = await renewRemoteLease(holder, bare, lease, 2000);
    expect(renewed.outcome).toBe('ok');
    lease = (renewed as { lease: RemoteLease }).lease;
    // A new value: the watch starts over.
    expect((await seen())?.status).toBe('live');
    ahead.advance(1500);
    expect((await seen())?.status).toBe('live');
    ahead.advance(600);
    const stale = await seen();
    expect(stale?.status).toBe('expired');
    // The holder renews just before the takeover lands: the CAS from the stale value fails.
    const again = await renewRemoteLease(holder, bare, lease, 2000);
    expect(again.outcome).toBe('ok');
    expect((await takeOverRemoteLease(taker, bare, stale!, request('taker'))).outcome).toBe('held');
    // Now nobody renews: watched unchanged past its lease, it is taken over, naming the holder it replaced.
    ahead.advance(100);
    await seen();
    ahead.advance(2100);
    const expired = await seen();
    expect(expired?.status).toBe('expired');
    const taken = await takeOverRemoteLease(taker, bare, expired!, request('taker'));
    expect(taken.outcome).toBe('won');
    const record = parseLease((await git(bare, ['cat-file', 'blob', 'refs/orch/claims/b1'])).stdout);
    expect(record).toMatchObject({ holder: 'taker', recovered: { holder: 'holder', reason: 'expired' } });
    // The old holder's next heartbeat finds the claim lost.
    expect((await renewRemoteLease(holder, bare, (again as { lease: RemoteLease }).lease, 2000)).outcome).toBe('lost');
  });

  it('an unreachable remote is reported as such, never as held or lost; a renewal heard late is adopted', async () => {
    const { bare, clones } = await remoteWithClones(1);
    const repo = clones[0] as Repo;
    const gone = join(bare, '..', 'gone.git');
    expect((await acquireRemoteLease(repo, gone, 'refs/orch/claims/u1', request('me'))).outcome).toBe('unreachable');
    const won = (await acquireRemoteLease(repo, bare, 'refs/orch/claims/u1', request('me'))) as { outcome: 'won'; lease: RemoteLease };
    const silent = await renewRemoteLease(repo, gone, won.lease, 10_000);
    expect(silent.outcome).toBe('unreachable');
    const unsure = (silent as { lease: RemoteLease }).lease;
    expect(unsure.unsure).toHaveLength(1);
    // That renewal did reach the remote after all (its answer was lost): the remote holds the unsure value.
    await git(repo.path, ['push', '-q', '--force', bare, `${unsure.unsure[0]}:refs/orch/claims/u1`]);
    const next = await renewRemoteLease(repo, bare, unsure, 10_000);
    expect(next.outcome).toBe('ok');
    expect(await remoteRef(bare, 'refs/orch/claims/u1')).toBe((next as { lease: RemoteLease }).lease.oid);
  });
});

describe('publishRuns', () => {
  it('two clones record attempts of one bead; the remote chain holds every attempt once, renumbered; again is a no-op', async () => {
    const { bare, clones } = await remoteWithClones(2);
    const [a, b] = clones as [Repo, Repo];
    const record = (repo: Repo, label: string) => recordRun(repo, 'x-1', { run: { label }, outputLog: `${label}\n` });
    await record(a, 'a1');
    expect(await publishRuns(a, bare, 'x-1')).toMatchObject({ kind: 'published' });
    await record(b, 'b1');
    await record(b, 'b2');
    const published = await publishRuns(b, bare, 'x-1');
    expect(published).toMatchObject({ kind: 'published' });
    await record(a, 'a2');
    expect(await publishRuns(a, bare, 'x-1')).toMatchObject({ kind: 'published' });
    const tip = await remoteRef(bare, 'refs/orch/runs/x-1');
    expect(await a.refs.read('refs/orch/runs/x-1')).toBe(tip);
    const runs = await readRuns(a, 'x-1');
    expect(runs.map((r) => [r.attempt, r.run?.label])).toEqual([
      [4, 'a2'],
      [3, 'b2'],
      [2, 'b1'],
      [1, 'a1'],
    ]);
    expect(await publishRuns(a, bare, 'x-1')).toEqual({ kind: 'published', tip });
    expect(await remoteRef(bare, 'refs/orch/runs/x-1')).toBe(tip);
    // Unreachable: nothing changes locally.
    await record(b, 'b3');
    const local = await b.refs.read('refs/orch/runs/x-1');
    expect((await publishRuns(b, join(bare, '..', 'gone.git'), 'x-1')).kind).toBe('unreachable');
    expect(await b.refs.read('refs/orch/runs/x-1')).toBe(local);
    expect((await git(bare, ['fsck', '--strict', '--no-dangling'])).exitCode).toBe(0);
  });
});

describe('landOnRemote', () => {
  async function setup() {
    const { bare, clones } = await remoteWithClones(2);
    const [me, other] = clones as [Repo, Repo];
    const base = (await me.refs.read('refs/heads/main')) as string;
    const won = (await acquireRemoteLease(me, bare, 'refs/orch/claims/w1', request('me'))) as { outcome: 'won'; lease: RemoteLease };
    const work = { remote: bare, branch: 'main', base, lease: won.lease, deadline: Date.now() + 5000, subject: 'work (w1)', changes: [{ kind: 'write' as const, path: 'src/w.txt', content: 'w\n', mode: '100644' as const }] };
    return { bare, me, other, base, lease: won.lease, work };
  }

  it('lands one commit and deletes the claim in the same push; a moved branch is merged on top', async () => {
    const { bare, other, work, me } = await setup();
    await commitFiles(other.path, { 'src/other.txt': 'o\n' }, 'someone else');
    await git(other.path, ['push', '-q', 'origin', 'main']);
    const landed = await landOnRemote(me, work);
    expect(landed).toMatchObject({ kind: 'landed', merge: 'in-process' });
    expect(await remoteRef(bare, 'refs/orch/claims/w1')).toBeNull();
    const log = (await git(bare, ['log', '--format=%s', 'main'])).stdout.trim().split('\n');
    expect(log.slice(0, 2)).toEqual(['work (w1)', 'someone else']);
    expect((await git(bare, ['show', 'main:src/w.txt'])).stdout).toBe('w\n');
    expect((await git(bare, ['fsck', '--strict', '--no-dangling'])).exitCode).toBe(0);
  });

  it('a claim taken over meanwhile: nothing lands', async () => {
    const { bare, other, work, me, lease } = await setup();
    const before = await remoteRef(bare, 'refs/heads/main');
    const taken = await takeOverRemoteLease(other, bare, { ref: lease.ref, oid: lease.oid, record: lease.record, status: 'expired' }, request('other'));
    expect(taken.outcome).toBe('won');
    expect(await landOnRemote(me, work)).toEqual({ kind: 'lost' });
    expect(await remoteRef(bare, 'refs/heads/main')).toBe(before);
  });

  it('the branch moved to a tip where the bead is closed: declined, nothing pushed', async () => {
    const { bare, other, work, me } = await setup();
    await commitFiles(other.path, { 'src/other.txt': 'o\n' }, 'closed elsewhere');
    await git(other.path, ['push', '-q', 'origin', 'main']);
    const tip = await remoteRef(bare, 'refs/heads/main');
    expect(await landOnRemote(me, { ...work, accept: async () => false })).toEqual({ kind: 'declined', tip });
    expect(await remoteRef(bare, 'refs/heads/main')).toBe(tip);
    expect(await remoteRef(bare, 'refs/orch/claims/w1')).not.toBeNull();
  });

  it('an unreachable remote past the deadline: unreachable, nothing claimed to have landed', async () => {
    const { work, me } = await setup();
    const result = await landOnRemote(me, { ...work, remote: '/nonexistent/remote.git', deadline: Date.now() + 300, retryMs: 50 });
    expect(result.kind).toBe('unreachable');
  });
});
