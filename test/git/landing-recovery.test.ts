import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git } from '../../src/git/exec.js';
import { land } from '../../src/git/landing.js';
import { recoverLandings } from '../../src/git/landing-recovery.js';
import { openRepo, type Repo } from '../../src/git/repo.js';
import { makeRepo } from '../support/git-repo.js';

const fixture = resolve(import.meta.dirname, '../fixtures/git/half-land.mjs');
const open: Repo[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((repo) => repo.close()));
});

const PERSON_STATUS = ' M notes.txt\nA  staged.txt\n';

async function killedAt(step: string): Promise<{ path: string; base: string }> {
  const path = await makeRepo({ 'README.md': '# r\n', 'shared.txt': 'original\n', 'gone.txt': 'g\n', 'notes.txt': 'n\n' });
  const base = (await git(path, ['rev-parse', 'HEAD'])).stdout.trim();
  writeFileSync(join(path, 'notes.txt'), 'person unstaged\n');
  writeFileSync(join(path, 'staged.txt'), 'person staged\n');
  await git(path, ['add', 'staged.txt']);
  const child = spawnSync(process.execPath, [fixture, path, step], { encoding: 'utf8' });
  expect(child.signal).toBe('SIGKILL');
  return { path, base };
}

function leftovers(gitDir: string): string[] {
  return readdirSync(gitDir).filter((name) => name.startsWith('orch-lock.') || name.startsWith('.orch-') || name.endsWith('.lock'));
}

describe('recoverLandings after a landing killed at each stage', () => {
  for (const step of ['locked', 'prepared', 'index'] as const) {
    it(`killed at "${step}": undoes it, keeping the person's work`, async () => {
      const { path, base } = await killedAt(step);
      expect(existsSync(join(path, '.git/index.lock'))).toBe(true);
      // The killed landing had got this far: files written, then the new index in place.
      expect(existsSync(join(path, 'landed.txt'))).toBe(step !== 'locked');
      expect((await git(path, ['ls-files', 'landed.txt'])).stdout).toBe(step === 'index' ? 'landed.txt\n' : '');
      const repo = await openRepo(path);
      open.push(repo);
      const recovered = await recoverLandings(repo);
      expect(recovered.map((r) => r.outcome)).toEqual(['undone']);
      expect((await git(path, ['rev-parse', 'main'])).stdout.trim()).toBe(base);
      expect(readFileSync(join(path, 'shared.txt'), 'utf8')).toBe('original\n');
      expect(readFileSync(join(path, 'gone.txt'), 'utf8')).toBe('g\n');
      expect(existsSync(join(path, 'landed.txt'))).toBe(false);
      expect((await git(path, ['status', '--porcelain'])).stdout).toBe(PERSON_STATUS);
      expect(readFileSync(join(path, 'notes.txt'), 'utf8')).toBe('person unstaged\n');
      expect(leftovers(repo.gitDir)).toEqual([]);
      expect(readdirSync(join(repo.commonDir, 'refs/heads'))).toEqual(['main']);
      // And the next landing goes through.
      const next = await land(repo, { branch: 'main', base, changes: [{ kind: 'write', path: 'landed.txt', content: 'landed\n' }], subject: 'again' });
      expect(next.kind).toBe('landed');
      await git(path, ['fsck', '--strict']);
    });
  }

  it('killed at "branch": the landing stands and the leftover lock is released', async () => {
    const { path, base } = await killedAt('branch');
    const repo = await openRepo(path);
    open.push(repo);
    expect(existsSync(join(path, '.git/index.lock'))).toBe(true);
    expect((await recoverLandings(repo)).map((r) => r.outcome)).toEqual(['finished']);
    expect((await git(path, ['rev-parse', 'main^'])).stdout.trim()).toBe(base);
    expect(readFileSync(join(path, 'landed.txt'), 'utf8')).toBe('landed\n');
    expect(readFileSync(join(path, 'shared.txt'), 'utf8')).toBe('changed by the bead\n');
    expect(existsSync(join(path, 'gone.txt'))).toBe(false);
    expect((await git(path, ['status', '--porcelain'])).stdout).toBe(PERSON_STATUS);
    expect(leftovers(repo.gitDir)).toEqual([]);
    await git(path, ['fsck', '--strict']);
  });

  it('leaves a live process\'s landing alone', async () => {
    const path = await makeRepo();
    const repo = await openRepo(path);
    open.push(repo);
    expect(await recoverLandings(repo)).toEqual([]);
  });
});
