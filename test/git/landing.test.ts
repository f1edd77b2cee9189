import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { landingTrailers, parseTrailers } from '../../src/git/commit-message.js';
import { git } from '../../src/git/exec.js';
import { land, type LandRequest, type LandResult } from '../../src/git/landing.js';
import { openRepo, type Repo } from '../../src/git/repo.js';
import { PERSON, commitFiles, makeRepo } from '../support/git-repo.js';

const open: Repo[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((repo) => repo.close()));
});

async function setup(files: Record<string, string> = { 'README.md': '# r\n', 'src/a.txt': 'a1\na2\na3\na4\na5\n', 'src/b.txt': 'b\n' }): Promise<{ repo: Repo; base: string }> {
  const path = await makeRepo(files);
  const repo = await openRepo(path);
  open.push(repo);
  return { repo, base: (await git(path, ['rev-parse', 'HEAD'])).stdout.trim() };
}

async function out(repo: Repo, args: string[]): Promise<string> {
  return (await git(repo.path, args)).stdout;
}

function request(base: string, extra: Partial<LandRequest> = {}): LandRequest {
  return {
    branch: 'main',
    base,
    changes: [{ kind: 'write', path: 'src/new.txt', content: 'new\n' }],
    subject: 'Add new.txt',
    trailers: landingTrailers({ bead: 'api/api-k3f9', run: 'a'.repeat(40), wave: 2 }),
    ...extra,
  };
}

/** Temp indexes a landing left beside the index (there should be none). */
function tempIndexes(repo: Repo): string[] {
  return readdirSync(repo.gitDir).filter((name) => name.startsWith('.orch-index-'));
}

function landed(result: LandResult): Extract<LandResult, { kind: 'landed' }> {
  if (result.kind !== 'landed') throw new Error(`expected landed, got ${JSON.stringify(result)}`);
  return result;
}

describe('land', () => {
  it('lands one commit with the changes and trailers on a branch that is not checked out, touching no index', async () => {
    const { repo, base } = await setup();
    await git(repo.path, ['checkout', '-q', '-b', 'elsewhere']);
    writeFileSync(join(repo.path, 'src/b.txt'), 'person edit\n');
    await git(repo.path, ['add', 'src/b.txt']);
    const indexBefore = readFileSync(join(repo.gitDir, 'index'));
    const result = landed(
      await land(repo, request(base, { changes: [{ kind: 'write', path: 'src/new.txt', content: 'new\n' }, { kind: 'delete', path: 'README.md' }, { kind: 'write', path: 'bin/run', content: '#!/bin/sh\n', mode: '100755' }] })),
    );
    expect(result.parent).toBe(base);
    expect(result.merge).toBe('none');
    expect(result.checkout).toBeUndefined();
    expect((await out(repo, ['rev-parse', 'main'])).trim()).toBe(result.commit);
    expect(await out(repo, ['show', 'main:src/new.txt'])).toBe('new\n');
    expect(await out(repo, ['ls-tree', '-r', '--name-only', 'main'])).toBe('bin/run\nsrc/a.txt\nsrc/b.txt\nsrc/new.txt\n');
    expect((await out(repo, ['ls-tree', 'main', 'bin/run'])).startsWith('100755 blob')).toBe(true);
    const message = await out(repo, ['log', '-1', '--format=%B', 'main']);
    expect(parseTrailers(message)).toEqual([['Bead', 'api/api-k3f9'], ['Run', 'a'.repeat(40)], ['Wave', '2']]);
    expect((await out(repo, ['log', '-1', '--format=%an <%ae>', 'main'])).trim()).toBe('orch <orch@localhost>');
    expect(readFileSync(join(repo.gitDir, 'index')).equals(indexBefore)).toBe(true);
    expect(await out(repo, ['log', '-g', '-1', '--format=%gs', 'main'])).toBe('orch: Add new.txt\n');
    await git(repo.path, ['fsck', '--strict']);
  });

  it('brings a clean checkout along: working files and index match the landed commit', async () => {
    const { repo, base } = await setup();
    const result = landed(await land(repo, request(base, { changes: [{ kind: 'write', path: 'src/new.txt', content: 'new\n' }, { kind: 'write', path: 'src/a.txt', content: 'A\n' }, { kind: 'delete', path: 'src/b.txt' }] })));
    expect(result.checkout).toEqual({ worktree: repo.path, updated: ['src/a.txt', 'src/b.txt', 'src/new.txt'], leftBehind: [] });
    expect(readFileSync(join(repo.path, 'src/new.txt'), 'utf8')).toBe('new\n');
    expect(readFileSync(join(repo.path, 'src/a.txt'), 'utf8')).toBe('A\n');
    expect(existsSync(join(repo.path, 'src/b.txt'))).toBe(false);
    expect(await out(repo, ['status', '--porcelain'])).toBe('');
    expect(await out(repo, ['log', '-g', '-1', '--format=%gs', 'HEAD'])).toBe('orch: Add new.txt\n');
    expect(existsSync(join(repo.gitDir, 'index.lock'))).toBe(false);
    expect(tempIndexes(repo)).toEqual([]);
    await git(repo.path, ['fsck', '--strict']);
  });

  it('never overwrites a person\'s uncommitted work and says what it left behind', async () => {
    const { repo, base } = await setup({ 'README.md': '# r\n', 'staged.txt': 's\n', 'edited.txt': 'e\n', 'clean.txt': 'c\n', 'gone.txt': 'g\n', 'other.txt': 'o\n' });
    writeFileSync(join(repo.path, 'staged.txt'), 'person staged\n');
    await git(repo.path, ['add', 'staged.txt']);
    writeFileSync(join(repo.path, 'edited.txt'), 'person unstaged\n');
    writeFileSync(join(repo.path, 'added.txt'), 'person untracked\n');
    writeFileSync(join(repo.path, 'other.txt'), 'person other\n');
    const result = landed(
      await land(repo, request(base, {
        changes: [
          { kind: 'write', path: 'staged.txt', content: 'bead\n' },
          { kind: 'write', path: 'edited.txt', content: 'bead\n' },
          { kind: 'write', path: 'added.txt', content: 'bead\n' },
          { kind: 'write', path: 'clean.txt', content: 'bead\n' },
          { kind: 'delete', path: 'gone.txt' },
        ],
      })),
    );
    expect(result.checkout?.updated).toEqual(['clean.txt', 'gone.txt']);
    expect(result.checkout?.leftBehind).toEqual([
      { path: 'added.txt', reason: 'untracked' },
      { path: 'edited.txt', reason: 'modified' },
      { path: 'staged.txt', reason: 'staged' },
    ]);
    // Every byte of the person's work is still there.
    expect(readFileSync(join(repo.path, 'staged.txt'), 'utf8')).toBe('person staged\n');
    expect(await out(repo, ['show', ':staged.txt'])).toBe('person staged\n');
    expect(readFileSync(join(repo.path, 'edited.txt'), 'utf8')).toBe('person unstaged\n');
    expect(readFileSync(join(repo.path, 'added.txt'), 'utf8')).toBe('person untracked\n');
    expect(readFileSync(join(repo.path, 'other.txt'), 'utf8')).toBe('person other\n');
    expect(readFileSync(join(repo.path, 'clean.txt'), 'utf8')).toBe('bead\n');
    expect(existsSync(join(repo.path, 'gone.txt'))).toBe(false);
    // A plain `git commit` now would not undo the landed change to edited.txt / added.txt: their index entries follow HEAD.
    expect(await out(repo, ['diff', '--cached', '--name-only'])).toBe('staged.txt\n');
    expect(await out(repo, ['status', '--porcelain'])).toBe(' M added.txt\n M edited.txt\n M other.txt\nM  staged.txt\n');
    expect(tempIndexes(repo)).toEqual([]);
  });

  it('puts the work on top when the branch moved: in-process for other paths, merge-tree for the same file', async () => {
    const { repo, base } = await setup();
    const person = await commitFiles(repo.path, { 'person.txt': 'p\n' }, 'person 1');
    const first = landed(await land(repo, request(base)));
    expect(first.parent).toBe(person);
    expect(first.merge).toBe('in-process');
    // The person edits line 1 of a.txt; a bead built on the old base edits line 5.
    await commitFiles(repo.path, { 'src/a.txt': 'A1\na2\na3\na4\na5\n' }, 'person 2');
    const second = landed(await land(repo, request(base, { changes: [{ kind: 'write', path: 'src/a.txt', content: 'a1\na2\na3\na4\nA5\n' }], subject: 'edit a5' })));
    expect(second.merge).toBe('merge-tree');
    expect(await out(repo, ['show', 'main:src/a.txt'])).toBe('A1\na2\na3\na4\nA5\n');
    expect(readFileSync(join(repo.path, 'src/a.txt'), 'utf8')).toBe('A1\na2\na3\na4\nA5\n');
    expect(await out(repo, ['log', '--format=%s', 'main'])).toBe('edit a5\nperson 2\nAdd new.txt\nperson 1\ninitial\n');
    expect(await out(repo, ['status', '--porcelain'])).toBe('');
    await git(repo.path, ['fsck', '--strict']);
  });

  it('reports a conflict with its paths and lands nothing', async () => {
    const { repo, base } = await setup();
    const tip = await commitFiles(repo.path, { 'src/a.txt': 'PERSON\na2\na3\na4\na5\n' }, 'person');
    const result = await land(repo, request(base, { changes: [{ kind: 'write', path: 'src/a.txt', content: 'BEAD\na2\na3\na4\na5\n' }] }));
    expect(result.kind).toBe('conflict');
    if (result.kind !== 'conflict') return;
    expect(result.paths).toEqual(['src/a.txt']);
    expect(result.tip).toBe(tip);
    expect(result.messages.join('\n')).toContain('src/a.txt');
    expect((await out(repo, ['rev-parse', 'main'])).trim()).toBe(tip);
    expect(await out(repo, ['status', '--porcelain'])).toBe('');
  });

  it('replaces a file with a directory in the checkout', async () => {
    const { repo, base } = await setup({ 'README.md': '# r\n', docs: 'a file\n' });
    const result = landed(await land(repo, request(base, { changes: [{ kind: 'delete', path: 'docs' }, { kind: 'write', path: 'docs/index.md', content: '# docs\n' }] })));
    expect(result.checkout?.leftBehind).toEqual([]);
    expect(readFileSync(join(repo.path, 'docs/index.md'), 'utf8')).toBe('# docs\n');
    expect(await out(repo, ['status', '--porcelain'])).toBe('');
  });

  it('waits for a busy index.lock, then reports busy and lands nothing', async () => {
    const { repo, base } = await setup();
    writeFileSync(join(repo.gitDir, 'index.lock'), '');
    const result = await land(repo, request(base, { indexLockTimeoutMs: 100 }));
    expect(result).toEqual({ kind: 'busy', path: join(repo.gitDir, 'index.lock') });
    expect((await out(repo, ['rev-parse', 'main'])).trim()).toBe(base);
    expect(existsSync(join(repo.gitDir, 'index.lock'))).toBe(true);
  });

  it('lands into a branch checked out in a linked worktree, bringing that worktree along', async () => {
    const { repo, base } = await setup();
    await git(repo.path, ['branch', 'feature']);
    const wt = `${repo.path}-wt`;
    await git(repo.path, ['worktree', 'add', '-q', wt, 'feature']);
    const result = landed(await land(repo, request(base, { branch: 'feature' })));
    expect(result.checkout?.worktree).toBe(wt);
    expect(readFileSync(join(wt, 'src/new.txt'), 'utf8')).toBe('new\n');
    expect((await git(wt, ['status', '--porcelain'])).stdout).toBe('');
    expect(existsSync(join(repo.path, 'src/new.txt'))).toBe(false);
    expect(await out(repo, ['status', '--porcelain'])).toBe('');
  });

  it('keeps the author identity of the person\'s commits and never rewrites them', async () => {
    const { repo, base } = await setup();
    const person = await commitFiles(repo.path, { 'p.txt': 'p\n' }, 'person');
    landed(await land(repo, request(base)));
    expect((await out(repo, ['log', '-1', '--format=%an', person])).trim()).toBe(PERSON.GIT_AUTHOR_NAME);
    expect((await git(repo.path, ['merge-base', '--is-ancestor', person, 'main'], { reject: false })).exitCode).toBe(0);
  });
});
