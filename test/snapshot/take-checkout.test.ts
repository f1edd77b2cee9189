import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git } from '../../src/git/exec.js';
import { STREAM_THRESHOLD } from '../../src/snapshot/blob-writer.js';
import { readSnapshotFiles, takeCheckout } from '../../src/snapshot/take-snapshot.js';
import { makeRepo } from '../support/git-repo.js';
import { tempDir } from '../support/tmp.js';
import { commitTree, mktree, scan, writeBlob } from './trees.js';

const IS_ROOT = process.getuid?.() === 0;

async function craftedRepo() {
  const repo = await makeRepo();
  const text = await writeBlob(repo, 'export const a = 1;\n');
  const script = await writeBlob(repo, '#!/bin/sh\necho hi\n');
  const blob = (target: string) => writeBlob(repo, target);
  const d = await mktree(repo, [
    { mode: '120000', name: 'l', oid: await blob('..') },
    { mode: '120000', name: 'm', oid: await blob('l/..') },
    { mode: '120000', name: 'up', oid: await blob('../src/a.ts') },
    { mode: '120000', name: 'far', oid: await blob('../../outside') },
  ]);
  const src = await mktree(repo, [{ mode: '100644', name: 'a.ts', oid: text }]);
  const tree = await mktree(repo, [
    { mode: '040000', name: 'src', oid: src },
    { mode: '040000', name: 'd', oid: d },
    { mode: '100755', name: 'run.sh', oid: script },
    { mode: '100644', name: '.env', oid: text },
    { mode: '120000', name: 'link', oid: await blob('src/a.ts') },
    { mode: '120000', name: 'abs', oid: await blob('/etc/passwd') },
    { mode: '160000', name: 'vendor', oid: '2222222222222222222222222222222222222222' },
  ]);
  await commitTree(repo, tree);
  return repo;
}

describe('takeCheckout (a sandbox base)', () => {
  it('writes the full committed tree: own modes, symlinks that stay inside, no submodules', async () => {
    const repo = await craftedRepo();
    const cacheDir = join(await tempDir(), 'snapshots');
    const base = await takeCheckout({ repo, rev: 'main', cacheDir });
    try {
      const entries = scan(base.dir);
      expect([...entries.keys()].sort()).toEqual(['.env', 'd', 'd/l', 'd/up', 'link', 'run.sh', 'src', 'src/a.ts']);
      expect(entries.get('run.sh')?.mode).toBe(0o755);
      expect(entries.get('src/a.ts')?.mode).toBe(0o644);
      expect(entries.get('src')?.mode).toBe(0o755);
      expect(readlinkSync(join(base.dir, 'link'))).toBe('src/a.ts');
      expect(readFileSync(join(base.dir, 'd/up'), 'utf8')).toBe('export const a = 1;\n');
      const reasons = Object.fromEntries(base.skipped.map((s) => [s.path, s.reason]));
      expect(reasons).toEqual({ abs: 'escaping-symlink', 'd/m': 'escaping-symlink', 'd/far': 'escaping-symlink', vendor: 'submodule' });
    } finally {
      base.release();
    }
  });

  it('lists the base files with the blob ids git has', async () => {
    const repo = await makeRepo({ 'a.txt': 'a\n', 'x/y.sh': 'y\n' });
    await git(repo, ['update-index', '--chmod=+x', 'x/y.sh']);
    await git(repo, ['commit', '-qm', 'exec'], { env: { GIT_AUTHOR_NAME: 'p', GIT_AUTHOR_EMAIL: 'p@x', GIT_COMMITTER_NAME: 'p', GIT_COMMITTER_EMAIL: 'p@x' } });
    const cacheDir = join(await tempDir(), 'snapshots');
    const head = (await git(repo, ['rev-parse', 'HEAD'])).stdout.trim();
    const base = await takeCheckout({ repo, rev: head, cacheDir });
    const files = readSnapshotFiles(base);
    const lsTree = (await git(repo, ['ls-tree', '-r', '-l', 'HEAD'])).stdout.trim().split('\n').map((line) => {
      const [meta, path] = line.split('\t');
      const [mode, , oid, size] = meta!.split(/\s+/);
      return [path!, { oid: oid!, mode: mode!, size: Number(size) }] as const;
    });
    expect(files).toEqual(new Map(lsTree));
    base.release();
  });

  it.skipIf(!IS_ROOT)('chowns every file, link and directory to the given owner', async () => {
    const repo = await craftedRepo();
    const cacheDir = join(await tempDir(), 'snapshots');
    const base = await takeCheckout({ repo, rev: 'main', cacheDir, owner: { uid: 1000, gid: 1000 } });
    try {
      for (const path of ['', 'src', 'src/a.ts', 'run.sh', 'link', 'd/up']) {
        const st = lstatSync(join(base.dir, path));
        expect([st.uid, st.gid], path).toEqual([1000, 1000]);
      }
      const other = await takeCheckout({ repo, rev: 'main', cacheDir });
      expect(other.dir).not.toBe(base.dir);
      expect(lstatSync(join(other.dir, 'src/a.ts')).uid).toBe(0);
      other.release();
    } finally {
      base.release();
    }
  });

  it('streams a blob larger than the in-memory threshold straight into its file', async () => {
    const repo = await makeRepo();
    const big = Buffer.alloc(STREAM_THRESHOLD + 4097, 7);
    big.write('head', 0);
    big.write('tail', big.length - 4);
    const oid = await writeBlob(repo, big);
    await commitTree(repo, await mktree(repo, [{ mode: '100644', name: 'big.bin', oid }]));
    const cacheDir = join(await tempDir(), 'snapshots');
    const base = await takeCheckout({ repo, rev: 'main', cacheDir });
    const path = join(base.dir, 'big.bin');
    expect(statSync(path).size).toBe(big.length);
    const digest = (b: Buffer) => createHash('sha1').update(b).digest('hex');
    expect(digest(readFileSync(path))).toBe(digest(big));
    base.release();
  });
});
