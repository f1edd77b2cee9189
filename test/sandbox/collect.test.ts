import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectFromDir, collectFromUpper, type BaseTree, type Change } from '../../src/sandbox/collect.js';
import { explainBadPath, explainEscape } from '../../src/sandbox/collect-paths.js';
import { readSnapshotFiles, takeCheckout } from '../../src/snapshot/take-snapshot.js';
import { run } from '../../src/sys/process.js';
import { makeRepo } from '../support/git-repo.js';
import { hasCommand, skipUnless } from '../support/require.js';
import { tempDir } from '../support/tmp.js';

const HAS_UNSHARE = hasCommand('unshare', ['--version']);

const BASE_FILES: Record<string, string> = {
  'edit.txt': 'old\n',
  'del.txt': 'bye\n',
  'gone/a.txt': 'a\n',
  'gone/deep/b.txt': 'b\n',
  'replaced/old1.txt': '1\n',
  'replaced/keep-name.txt': 'same name, new content later\n',
  'replaced/sub/old2.txt': '2\n',
  'ren-a.txt': 'moving\n',
  'script.sh': '#!/bin/sh\necho hi\n',
  'same.txt': 'same\n',
  'revert.txt': 'orig\n',
  'dir2/x.txt': 'x\n',
  'file2': 'was a file\n',
  'keep/sub/a.txt': 'a\n',
  'keep/sub/b.txt': 'b\n',
};

/** Run `script` in the merged view of an overlay over `lower`; returns the upper dir. */
async function runInOverlay(lower: string, script: string): Promise<string> {
  const root = await tempDir('orch-overlay-');
  for (const sub of ['upper', 'work', 'merged']) mkdirSync(join(root, sub));
  const options = `userxattr,lowerdir=${lower},upperdir=${join(root, 'upper')},workdir=${join(root, 'work')}`;
  await run('unshare', ['-Urm', 'sh', '-ec', `mount -t overlay overlay -o "$1" "$2"; cd "$2"; ${script}`, 'sh', options, join(root, 'merged')]);
  return join(root, 'upper');
}

function summarize(changes: Change[]): string[] {
  return changes.map((c) => (c.kind === 'write' ? `write ${c.path} ${c.mode}` : c.kind === 'symlink' ? `symlink ${c.path} -> ${c.target}${c.escapes ? ' (escapes)' : ''}` : `delete ${c.path}`));
}

describe('collectFromUpper on a real overlay', () => {
  it.skipIf(skipUnless(HAS_UNSHARE, 'unshare'))('turns the upper layer into writes, deletes and symlinks against the base tree', async () => {
    const repo = await makeRepo(BASE_FILES);
    const cacheDir = join(await tempDir(), 'snapshots');
    const base = await takeCheckout({ repo, rev: 'main', cacheDir });
    const upper = await runInOverlay(base.dir, [
      'echo new > new.txt',
      'echo changed > edit.txt',
      'rm del.txt',
      'rm -rf gone',
      'rm -rf replaced && mkdir replaced && echo only > replaced/only.txt && echo fresh > replaced/keep-name.txt',
      'mv ren-a.txt ren-b.txt',
      'chmod +x script.sh',
      'echo same > same.txt',
      'echo tmp > revert.txt && echo orig > revert.txt',
      'rm -rf dir2 && echo now-a-file > dir2',
      'rm file2 && mkdir file2 && echo inside > file2/x.txt',
      'echo a2 > keep/sub/a.txt',
      'ln -s edit.txt link-in',
      'ln -s /etc/passwd link-out',
      'mkdir -p deep && ln -s ../../x deep/link-up',
    ].join('; '));
    const collected = await collectFromUpper(upper, readSnapshotFiles(base));
    base.release();
    expect(summarize(collected.changes)).toEqual([
      'symlink deep/link-up -> ../../x (escapes)',
      'delete del.txt',
      'write dir2 100644',
      'delete dir2/x.txt',
      'write edit.txt 100644',
      'delete file2',
      'write file2/x.txt 100644',
      'delete gone/a.txt',
      'delete gone/deep/b.txt',
      'write keep/sub/a.txt 100644',
      'symlink link-in -> edit.txt',
      'symlink link-out -> /etc/passwd (escapes)',
      'write new.txt 100644',
      'delete ren-a.txt',
      'write ren-b.txt 100644',
      'write replaced/keep-name.txt 100644',
      'delete replaced/old1.txt',
      'write replaced/only.txt 100644',
      'delete replaced/sub/old2.txt',
      'write script.sh 100755',
    ]);
    expect(collected.refused).toEqual([]);
    const write = collected.changes.find((c) => c.path === 'edit.txt');
    expect(write?.kind === 'write' && write.absPath).toBe(join(upper, 'edit.txt'));
  });

  it.skipIf(skipUnless(HAS_UNSHARE, 'unshare'))('refuses .git in any case, special files and never reports them as changes', async () => {
    const repo = await makeRepo({ 'a.txt': 'a\n' });
    const cacheDir = join(await tempDir(), 'snapshots');
    const base = await takeCheckout({ repo, rev: 'main', cacheDir });
    const upper = await runInOverlay(base.dir, 'mkdir -p .git/hooks .GIT sub/.Git && echo x > .git/hooks/pre-commit && echo y > sub/.Git/config && echo z > .GIT/HEAD && mkfifo pipe && echo ok > ok.txt');
    const collected = await collectFromUpper(upper, readSnapshotFiles(base));
    base.release();
    expect(summarize(collected.changes)).toEqual(['write ok.txt 100644']);
    expect(collected.refused.map((r) => r.path)).toEqual(['.GIT', '.git', 'pipe', 'sub/.Git']);
  });
});

describe('collectFromDir', () => {
  it('compares a whole directory with the base hashes', async () => {
    const repo = await makeRepo({ 'a.txt': 'a\n', 'b/c.txt': 'c\n', 'd.txt': 'd\n', 'e.sh': 'e\n' });
    const cacheDir = join(await tempDir(), 'snapshots');
    const baseSnap = await takeCheckout({ repo, rev: 'main', cacheDir });
    const base: BaseTree = readSnapshotFiles(baseSnap);
    baseSnap.release();
    const dir = await tempDir();
    mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'a.txt'), 'a\n');
    writeFileSync(join(dir, 'b/c.txt'), 'c changed\n');
    writeFileSync(join(dir, 'e.sh'), 'e\n', { mode: 0o755 });
    writeFileSync(join(dir, 'new.txt'), 'n\n');
    const collected = await collectFromDir(dir, base);
    expect(summarize(collected.changes)).toEqual(['write b/c.txt 100644', 'delete d.txt', 'write e.sh 100755', 'write new.txt 100644']);
  });
});

describe('collect path rules', () => {
  it('refuses .git look-alikes and unusable components', () => {
    for (const bad of ['.git/config', 'a/.GIT/x', '.git.', 'GIT~1/x', '.g\u200cit/x', '../x', '/abs', 'a//b', 'a\\b']) expect(explainBadPath(bad), bad).toBeTypeOf('string');
    for (const good of ['.gitignore', 'src/a.ts', '.github/workflows/ci.yml']) expect(explainBadPath(good), good).toBeUndefined();
  });

  it('flags symlinks that leave the repository', () => {
    expect(explainEscape('a', 'b')).toBeUndefined();
    expect(explainEscape('x/a', '../b')).toBeUndefined();
    expect(explainEscape('a', '../b')).toBeTypeOf('string');
    expect(explainEscape('x/a', 'y/../../..')).toBeTypeOf('string');
    expect(explainEscape('x/a', '/etc')).toBeTypeOf('string');
  });
});
