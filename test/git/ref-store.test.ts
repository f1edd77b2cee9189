import { spawn, spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isOrchError } from '../../src/errors/index.js';
import { git } from '../../src/git/exec.js';
import { openRepo, type Repo } from '../../src/git/repo.js';
import { makeRepo, commitFiles } from '../support/git-repo.js';

const open: Repo[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((repo) => repo.close()));
});

async function setup(options: Parameters<typeof openRepo>[1] = {}): Promise<{ repo: Repo; a: string; b: string }> {
  const path = await makeRepo();
  const a = (await git(path, ['rev-parse', 'HEAD'])).stdout.trim();
  const b = await commitFiles(path, { 'x.txt': 'x\n' });
  const repo = await openRepo(path, options);
  open.push(repo);
  return { repo, a, b };
}

async function forEachRef(repo: Repo, prefix: string): Promise<string> {
  return (await git(repo.path, ['for-each-ref', '--format=%(objectname) %(refname)', prefix])).stdout;
}

function strayLocks(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.includes('.lock')) found.push(join(entry.parentPath, entry.name));
  }
  return found;
}

describe('RefStore.cas', () => {
  it('creates only when absent, swaps only from the expected value, and reports what is there', async () => {
    const { repo, a, b } = await setup();
    const ref = 'refs/orch/locks/one';
    expect(await repo.refs.cas(ref, null, a)).toEqual({ ok: true });
    expect(await repo.refs.cas(ref, null, b)).toEqual({ ok: false, actual: a });
    expect(await repo.refs.cas(ref, b, a)).toEqual({ ok: false, actual: a });
    expect(await repo.refs.cas(ref, a, b)).toEqual({ ok: true });
    expect(await forEachRef(repo, ref)).toBe(`${b} ${ref}\n`);
    expect(await repo.refs.cas(ref, a, null)).toEqual({ ok: false, actual: b });
    expect(await repo.refs.cas(ref, b, null)).toEqual({ ok: true });
    expect(await repo.refs.read(ref)).toBeNull();
    expect(await forEachRef(repo, ref)).toBe('');
    expect(await repo.refs.cas(ref, b, null)).toEqual({ ok: false, actual: null });
    expect(strayLocks(join(repo.commonDir, 'refs'))).toEqual([]);
  });

  it('reads refs git wrote, and git reads refs it wrote', async () => {
    const { repo, a, b } = await setup();
    await git(repo.path, ['update-ref', 'refs/orch/claims/g', a]);
    expect(await repo.refs.read('refs/orch/claims/g')).toBe(a);
    expect(await repo.refs.cas('refs/orch/claims/g', a, b)).toEqual({ ok: true });
    expect((await git(repo.path, ['rev-parse', 'refs/orch/claims/g'])).stdout.trim()).toBe(b);
    await git(repo.path, ['update-ref', '-d', 'refs/orch/claims/g', b]);
    expect(await repo.refs.read('refs/orch/claims/g')).toBeNull();
  });

  it('sees packed refs, lets a loose value shadow them, and deletes a packed ref through git', async () => {
    const { repo, a, b } = await setup();
    const ref = 'refs/orch/locks/packed';
    await repo.refs.cas(ref, null, a);
    await git(repo.path, ['pack-refs', '--all', '--prune']);
    expect(existsSync(join(repo.commonDir, ref))).toBe(false);
    expect(await repo.refs.read(ref)).toBe(a);
    expect(await repo.refs.cas(ref, null, b)).toEqual({ ok: false, actual: a });
    expect(await repo.refs.cas(ref, a, b)).toEqual({ ok: true });
    expect(await forEachRef(repo, ref)).toBe(`${b} ${ref}\n`);
    await git(repo.path, ['pack-refs', '--all', '--prune']);
    expect(await repo.refs.cas(ref, a, null)).toEqual({ ok: false, actual: b });
    expect(await repo.refs.cas(ref, b, null)).toEqual({ ok: true });
    expect(await forEachRef(repo, ref)).toBe('');
    expect(await repo.refs.read(ref)).toBeNull();
    expect((await repo.refs.list('refs/orch/')).size).toBe(0);
  });

  it('lists loose and packed refs under a prefix, loose shadowing packed', async () => {
    const { repo, a, b } = await setup();
    await repo.refs.cas('refs/orch/claims/p1', null, a);
    await repo.refs.cas('refs/orch/claims/p2', null, a);
    await git(repo.path, ['pack-refs', '--all']);
    await repo.refs.cas('refs/orch/claims/p2', a, b);
    await repo.refs.cas('refs/orch/claims/p3', null, b);
    await repo.refs.cas('refs/orch/locks/other', null, b);
    expect([...(await repo.refs.list('refs/orch/claims/'))]).toEqual([
      ['refs/orch/claims/p1', a],
      ['refs/orch/claims/p2', b],
      ['refs/orch/claims/p3', b],
    ]);
  });

  it('waits for a lock git holds, then gives up with LOCK_HELD naming the file', async () => {
    const { repo, a } = await setup({ lockTimeoutMs: 150 });
    const ref = 'refs/heads/main';
    writeFileSync(join(repo.commonDir, `${ref}.lock`), '');
    const error = await repo.refs.cas(ref, a, a).catch((e: unknown) => e);
    expect(isOrchError(error, 'LOCK_HELD')).toBe(true);
    expect((error as { data: { path: string } }).data.path).toBe(join(repo.commonDir, `${ref}.lock`));
  });

  it('removes a lock a killed orch left (a link to its holder file) at once; others only when stale; never a branch lock', async () => {
    const { repo, a } = await setup({ lockTimeoutMs: 100 });
    const aged = (path: string, ageMs: number): void => {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, '');
      const then = new Date(Date.now() - ageMs);
      utimesSync(path, then, then);
    };
    // A killed orch's lock: a hard link to its holder file.
    const dead = spawnSync('true').pid;
    const holder = join(repo.commonDir, `orch-held.${dead}-0`);
    writeFileSync(holder, '');
    mkdirSync(join(repo.commonDir, 'refs/orch/locks'), { recursive: true });
    linkSync(holder, join(repo.commonDir, 'refs/orch/locks/s.lock'));
    linkSync(holder, join(repo.commonDir, 'packed-refs.lock'));
    expect(await repo.refs.cas('refs/orch/locks/s', null, a)).toEqual({ ok: true });
    expect(await repo.refs.cas('refs/orch/locks/s', a, null)).toEqual({ ok: true });
    expect(existsSync(join(repo.commonDir, 'packed-refs.lock'))).toBe(false);
    // A live process's holder link is left alone.
    const live = join(repo.commonDir, `orch-held.${process.ppid}-0`);
    writeFileSync(live, '');
    linkSync(live, join(repo.commonDir, 'refs/orch/locks/u.lock'));
    expect(isOrchError(await repo.refs.cas('refs/orch/locks/u', null, a).catch((e: unknown) => e), 'LOCK_HELD')).toBe(true);
    // Any other lock under refs/orch/ goes only after staleLockMs (30 s by default).
    aged(join(repo.commonDir, 'refs/orch/locks/t.lock'), 3000);
    expect(isOrchError(await repo.refs.cas('refs/orch/locks/t', null, a).catch((e: unknown) => e), 'LOCK_HELD')).toBe(true);
    const patient = await openRepo(repo.path, { lockTimeoutMs: 100, staleLockMs: 1000 });
    open.push(patient);
    expect(await patient.refs.cas('refs/orch/locks/t', null, a)).toEqual({ ok: true });
    // A branch lock is the person's git's unless a journal proves a dead orch left it.
    aged(join(repo.commonDir, 'refs/heads/main.lock'), 60_000);
    expect(isOrchError(await patient.refs.cas('refs/heads/main', a, a).catch((e: unknown) => e), 'LOCK_HELD')).toBe(true);
    expect(existsSync(join(repo.commonDir, 'refs/heads/main.lock'))).toBe(true);
  });

  it('removes a branch lock whose journal shows a dead orch holder', async () => {
    const { repo, a, b } = await setup({ lockTimeoutMs: 200 });
    const lockPath = join(repo.commonDir, 'refs/heads/main.lock');
    writeFileSync(lockPath, '');
    const dead = spawnSync('true').pid;
    writeFileSync(
      join(repo.commonDir, `orch-lock.${dead}-0123456789ab.json`),
      JSON.stringify({ pid: dead, host: hostname(), ino: statSync(lockPath).ino, lockPath, temp: join(repo.commonDir, 'refs/heads/.orch-lock-x') }),
    );
    expect(await repo.refs.cas('refs/heads/main', b, a)).toEqual({ ok: true });
    expect(existsSync(join(repo.commonDir, `orch-lock.${dead}-0123456789ab.json`))).toBe(false);
  });

  it('refuses names git would refuse and a ref that collides with a directory', async () => {
    const { repo, a } = await setup();
    for (const bad of ['refs/orch/../x', 'refs/orch/a.lock', 'HEAD', 'refs/orch/a b', 'refs/orch//a']) {
      const error = await repo.refs.cas(bad, null, a).catch((e: unknown) => e);
      expect(isOrchError(error, 'REF_INVALID')).toBe(true);
    }
    await repo.refs.cas('refs/orch/locks/d', null, a);
    const error = await repo.refs.cas('refs/orch/locks/d/e', null, a).catch((e: unknown) => e);
    expect(isOrchError(error, 'REF_INVALID')).toBe(true);
  });

  it('keeps every ref while deletes race `git pack-refs --all --prune` in a loop', async () => {
    const { repo, a, b } = await setup();
    let packing = true;
    const packer = (async () => {
      let runs = 0;
      while (packing) {
        await new Promise<void>((resolve) => {
          const child = spawn('git', ['pack-refs', '--all', '--prune'], { cwd: repo.path, stdio: 'ignore' });
          child.on('close', () => resolve());
        });
        runs++;
      }
      return runs;
    })();
    const resurrected: string[] = [];
    for (let i = 0; i < 400; i++) {
      const ref = `refs/orch/claims/c${i % 8}`;
      const created = await repo.refs.cas(ref, null, a);
      if (!created.ok) {
        // A deleted ref came back: the bug this test exists to catch.
        resurrected.push(ref);
        await repo.refs.cas(ref, created.actual, null);
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(await repo.refs.cas(ref, a, b)).toEqual({ ok: true });
      expect(await repo.refs.cas(ref, b, null)).toEqual({ ok: true });
      expect(await repo.refs.read('refs/heads/main')).toBe(b);
    }
    packing = false;
    expect(await packer).toBeGreaterThan(0);
    expect(resurrected).toEqual([]);
    expect(await forEachRef(repo, 'refs/orch/')).toBe('');
    expect((await git(repo.path, ['rev-parse', 'refs/heads/main'])).stdout.trim()).toBe(b);
    expect(strayLocks(join(repo.commonDir, 'refs'))).toEqual([]);
    await git(repo.path, ['fsck', '--strict']);
  });
});
