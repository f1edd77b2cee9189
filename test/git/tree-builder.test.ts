import { symlinkSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isOrchError } from '../../src/errors/index.js';
import { git } from '../../src/git/exec.js';
import { openRepo, type Repo } from '../../src/git/repo.js';
import { buildTree, EMPTY_TREE, explainBadPath } from '../../src/git/tree-builder.js';
import { diffTrees } from '../../src/git/tree-diff.js';
import { makeRepo } from '../support/git-repo.js';

const open: Repo[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((repo) => repo.close()));
});

async function setup(): Promise<{ repo: Repo; base: string }> {
  const files: Record<string, string> = { 'README.md': '# r\n', 'a/b/c.txt': 'c\n', 'a/d.txt': 'd\n', 'z.txt': 'z\n', 'a-b.txt': 'sorts between a and a/\n' };
  const repo = await openRepo(await makeRepo(files));
  open.push(repo);
  return { repo, base: (await git(repo.path, ['rev-parse', 'HEAD^{tree}'])).stdout.trim() };
}

describe('buildTree', () => {
  it('writes the same tree ids git does, sharing untouched subtrees with the base', async () => {
    const { repo, base } = await setup();
    const tree = await buildTree(repo.objects, base, [
      { kind: 'write', path: 'a/b/c.txt', content: 'changed\n' },
      { kind: 'write', path: 'a/new/deep/file.txt', content: 'new\n' },
      { kind: 'write', path: 'run.sh', content: '#!/bin/sh\n', mode: '100755' },
      { kind: 'write', path: 'link', content: 'a/d.txt', mode: '120000' },
      { kind: 'delete', path: 'z.txt' },
      { kind: 'delete', path: 'not/there.txt' },
    ]);
    // The same change made by git itself in the working tree gives the same tree id.
    writeFileSync(join(repo.path, 'a/b/c.txt'), 'changed\n');
    mkdirSync(join(repo.path, 'a/new/deep'), { recursive: true });
    writeFileSync(join(repo.path, 'a/new/deep/file.txt'), 'new\n');
    writeFileSync(join(repo.path, 'run.sh'), '#!/bin/sh\n');
    chmodSync(join(repo.path, 'run.sh'), 0o755);
    symlinkSync('a/d.txt', join(repo.path, 'link'));
    await git(repo.path, ['rm', '-q', 'z.txt']);
    await git(repo.path, ['add', '-A']);
    expect(tree).toBe((await git(repo.path, ['write-tree'])).stdout.trim());
    expect((await git(repo.path, ['rev-parse', `${tree}:a-b.txt`])).stdout).toBe((await git(repo.path, ['rev-parse', `${base}:a-b.txt`])).stdout);
    const diff = await diffTrees(repo.objects, base, tree);
    expect(diff.map((d) => [d.path, d.before === null ? '-' : d.before.mode, d.after === null ? '-' : d.after.mode])).toEqual([
      ['a/b/c.txt', '100644', '100644'],
      ['a/new/deep/file.txt', '-', '100644'],
      ['link', '-', '120000'],
      ['run.sh', '-', '100755'],
      ['z.txt', '100644', '-'],
    ]);
    await git(repo.path, ['fsck', '--strict']);
  });

  it('removes directories that become empty, turns files into directories and back, and handles no base', async () => {
    const { repo, base } = await setup();
    const emptied = await buildTree(repo.objects, base, [{ kind: 'delete', path: 'a/b/c.txt' }, { kind: 'delete', path: 'a/d.txt' }]);
    expect((await git(repo.path, ['ls-tree', '-r', '--name-only', emptied])).stdout).toBe('README.md\na-b.txt\nz.txt\n');
    const fileToDir = await buildTree(repo.objects, base, [{ kind: 'delete', path: 'z.txt' }, { kind: 'write', path: 'z.txt/inner', content: 'x' }]);
    expect((await git(repo.path, ['ls-tree', '-r', '--name-only', fileToDir])).stdout).toContain('z.txt/inner\n');
    const dirToFile = await buildTree(repo.objects, base, [{ kind: 'write', path: 'a', content: 'now a file\n' }]);
    expect((await git(repo.path, ['cat-file', '-t', `${dirToFile}:a`])).stdout.trim()).toBe('blob');
    expect(await buildTree(repo.objects, undefined, [])).toBe(EMPTY_TREE);
    const fresh = await buildTree(repo.objects, undefined, [{ kind: 'write', path: 'x/y', content: 'y' }]);
    expect((await git(repo.path, ['ls-tree', '-r', '--name-only', fresh])).stdout).toBe('x/y\n');
    const reused = await buildTree(repo.objects, base, [{ kind: 'write', path: 'copy.txt', content: { oid: (await git(repo.path, ['rev-parse', `${base}:z.txt`])).stdout.trim() } }]);
    expect((await git(repo.path, ['show', `${reused}:copy.txt`])).stdout).toBe('z\n');
    await git(repo.path, ['fsck', '--strict']);
  });

  it('refuses paths that escape or touch .git, and colliding changes', async () => {
    const { repo, base } = await setup();
    for (const path of ['../x', 'a/../../x', '/abs', 'a//b', '.git/config', 'sub/.GIT/hooks/x', 'a\\b', 'dir/', '', 'a/./b']) {
      expect(explainBadPath(path)).toBeDefined();
      const error = await buildTree(repo.objects, base, [{ kind: 'write', path, content: 'x' }]).catch((e: unknown) => e);
      expect(isOrchError(error, 'SCOPE_VIOLATION')).toBe(true);
    }
    for (const changes of [
      [{ kind: 'write' as const, path: 'x', content: '1' }, { kind: 'write' as const, path: 'x', content: '2' }],
      [{ kind: 'write' as const, path: 'x', content: '1' }, { kind: 'write' as const, path: 'x/y', content: '2' }],
    ]) {
      expect(isOrchError(await buildTree(repo.objects, base, changes).catch((e: unknown) => e), 'SCOPE_VIOLATION')).toBe(true);
    }
    expect(explainBadPath('src/.gitignore')).toBeUndefined();
  });
});
