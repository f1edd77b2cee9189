import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listClaims, recoverClaim } from '../../src/git/claims-and-locks.js';
import { git } from '../../src/git/exec.js';
import { recoverLandings } from '../../src/git/landing-recovery.js';
import { releaseLease } from '../../src/git/leases.js';
import { openRepo, type Repo } from '../../src/git/repo.js';
import { readRuns } from '../../src/git/run-records.js';
import { makeRepo } from '../support/git-repo.js';

const TRIALS = 20;
const fixture = resolve(import.meta.dirname, '../fixtures/git/land-loop.mjs');

const open: Repo[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((repo) => repo.close()));
});

/** Run the landing loop and SIGKILL it `delayMs` after it is ready. Returns the commits it reported landed. */
async function runAndKill(repoPath: string, first: number, delayMs: number): Promise<{ landed: string[]; killed: boolean }> {
  const child = spawn(process.execPath, [fixture, repoPath, String(first), '40'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let timer: NodeJS.Timeout | undefined;
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (timer === undefined && out.includes('ready\n')) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const [code, signal] = await new Promise<[number | null, string | null]>((done) => child.on('close', (c, s) => done([c, s])));
  clearTimeout(timer);
  if (signal !== 'SIGKILL' && code !== 0) throw new Error(`land-loop failed (${code}): ${err}`);
  const landed = [...out.matchAll(/^landed \d+ ([0-9a-f]{40})$/gm)].map((m) => m[1] ?? '');
  return { landed, killed: signal === 'SIGKILL' };
}

describe('landing under SIGKILL', () => {
  it(`${TRIALS} random kills: the repo stays valid, nothing landed is lost, claims and the checkout are recoverable`, async () => {
    const path = await makeRepo({ 'README.md': '# r\n', 'notes.txt': 'notes\n' });
    writeFileSync(join(path, 'notes.txt'), 'uncommitted edit\n');
    const everLanded: string[] = [];
    let kills = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const { landed, killed } = await runAndKill(path, trial * 1000, 20 + Math.floor(Math.random() * 250));
      if (killed) kills++;
      everLanded.push(...landed);

      await git(path, ['fsck', '--strict', '--no-dangling']);
      for (const commit of everLanded) {
        expect((await git(path, ['merge-base', '--is-ancestor', commit, 'main'], { reject: false })).exitCode).toBe(0);
      }

      const repo = await openRepo(path);
      open.push(repo);
      const recovered = await recoverLandings(repo);
      if (process.env.ORCH_TEST_VERBOSE === '1') console.log(`trial ${trial}: killed=${killed} landed=${landed.length} recovered=${JSON.stringify(recovered.map((r) => r.outcome))}`);
      expect(existsSync(join(repo.gitDir, 'index.lock'))).toBe(false);
      // Index and working tree agree with the branch everywhere but the person's own edit.
      expect((await git(path, ['status', '--porcelain'])).stdout).toBe(' M notes.txt\n');
      expect(readFileSync(join(path, 'notes.txt'), 'utf8')).toBe('uncommitted edit\n');
      // Every claim the dead process held is recoverable; its attempts are on record.
      for (const claim of await listClaims(repo)) {
        expect(claim.status).toBe('dead');
        const recovered = await recoverClaim(repo, claim.name, { holder: 'test', ttlMs: 1000 });
        expect(recovered.won).toBe(true);
        if (recovered.won) expect((await releaseLease(repo, recovered.lease)).ok).toBe(true);
        // Its attempts (if it got as far as recording one) read back.
        for (const run of await readRuns(repo, claim.name)) expect(run.run).toMatchObject({ id: claim.name });
      }
      await repo.close();
    }
    expect(kills).toBeGreaterThanOrEqual(TRIALS / 2);
    expect(everLanded.length).toBeGreaterThan(0);
  });
});
