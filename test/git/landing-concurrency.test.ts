import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { landingTrailers } from '../../src/git/commit-message.js';
import { git } from '../../src/git/exec.js';
import { land } from '../../src/git/landing.js';
import { openRepo, type Repo } from '../../src/git/repo.js';
import { PERSON, makeRepo } from '../support/git-repo.js';

const open: Repo[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((repo) => repo.close()));
});

const BEADS = 100;
const PERSON_COMMITS = 60;

describe('landing while a person commits', () => {
  it(`${BEADS} beads land during a loop of native git commits: every commit kept, fsck clean, uncommitted edits intact`, async () => {
    const path = await makeRepo({ 'README.md': '# r\n', 'notes.txt': 'notes\n' });
    const repo = await openRepo(path);
    open.push(repo);
    writeFileSync(join(path, 'notes.txt'), 'my uncommitted thoughts\n');
    writeFileSync(join(path, 'scratch.txt'), 'untracked scratch\n');

    const script = resolve(import.meta.dirname, '../fixtures/git/person-commits.sh');
    const person = spawn('sh', [script, path, String(PERSON_COMMITS)], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...PERSON, GIT_CONFIG_NOSYSTEM: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let personErr = '';
    person.stderr.on('data', (chunk: Buffer) => (personErr += chunk.toString()));
    const personDone = new Promise<number | null>((done) => person.on('close', done));

    const landed: string[] = [];
    const merges = new Set<string>();
    for (let i = 0; i < BEADS; i++) {
      // The work was built on the tip of a moment ago; the person may have committed since.
      const base = (await repo.refs.read('refs/heads/main')) ?? '';
      await new Promise((r) => setTimeout(r, i % 3));
      let result = await land(repo, {
        branch: 'main',
        base,
        changes: [{ kind: 'write', path: `beads/${i}.txt`, content: `bead ${i}\n` }],
        subject: `bead ${i}`,
        trailers: landingTrailers({ bead: `r/b-${i}`, run: '0'.repeat(40), wave: i }),
      });
      while (result.kind === 'busy') result = await land(repo, { branch: 'main', base, changes: [{ kind: 'write', path: `beads/${i}.txt`, content: `bead ${i}\n` }], subject: `bead ${i}` });
      if (result.kind !== 'landed') throw new Error(`bead ${i}: ${JSON.stringify(result)}`);
      expect(result.checkout?.leftBehind).toEqual([]);
      landed.push(result.commit);
      merges.add(result.merge);
    }
    expect(await personDone).toBe(0);
    expect(personErr).toBe('');

    const log = (await git(path, ['log', '--format=%H %s', 'main'])).stdout.trim().split('\n');
    const subjects = log.map((line) => line.slice(41));
    for (let i = 0; i < PERSON_COMMITS; i++) expect(subjects.filter((s) => s === `person ${i}`)).toHaveLength(1);
    for (let i = 0; i < BEADS; i++) expect(subjects.filter((s) => s === `bead ${i}`)).toHaveLength(1);
    const onBranch = new Set(log.map((line) => line.slice(0, 40)));
    expect(landed.filter((commit) => !onBranch.has(commit))).toEqual([]);
    // Nothing was reverted by a stale index: the tip holds every file of both sides.
    const files = (await git(path, ['ls-tree', '-r', '--name-only', 'main'])).stdout.trim().split('\n');
    expect(files.filter((f) => f.startsWith('beads/'))).toHaveLength(BEADS);
    expect(files.filter((f) => f.startsWith('person/'))).toHaveLength(PERSON_COMMITS);
    // The person's uncommitted work survived, and the index matches HEAD everywhere else.
    expect(readFileSync(join(path, 'notes.txt'), 'utf8')).toBe('my uncommitted thoughts\n');
    expect(readFileSync(join(path, 'scratch.txt'), 'utf8')).toBe('untracked scratch\n');
    expect((await git(path, ['status', '--porcelain'])).stdout).toBe(' M notes.txt\n?? scratch.txt\n');
    await git(path, ['fsck', '--strict']);
    expect(merges.has('in-process')).toBe(true);
  });
});
