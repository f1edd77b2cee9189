import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOrchError } from '../../src/errors/index.js';
import { CatFile } from '../../src/git/cat-file.js';
import { takeSnapshot, writeSnapshot } from '../../src/snapshot/take-snapshot.js';
import { commitFiles, makeRepo } from '../support/git-repo.js';
import { tempDir } from '../support/tmp.js';
import { commitTree, mktree, scan, writeBlob, writeRawTree } from './trees.js';

async function setup(files: Record<string, string>) {
  const repo = await makeRepo(files);
  const cacheDir = join(await tempDir('orch-snapcache-'), 'snapshots');
  return { repo, cacheDir };
}

describe('takeSnapshot on adversarial trees', () => {
  it('leaves out .env, .ENV, id_rsa, a symlink to /etc, "..", ".", ".GIT", backslashes and submodules', async () => {
    const repo = await makeRepo();
    const secret = await writeBlob(repo, 'SECRET=1\n');
    const fine = await writeBlob(repo, 'fine\n');
    const link = await writeBlob(repo, '/etc');
    const inner = await mktree(repo, [{ mode: '100644', name: 'passwd', oid: secret }]);
    const tree = await mktree(repo, [
      { mode: '100644', name: '.env', oid: secret },
      { mode: '100644', name: '.ENV', oid: secret },
      { mode: '100644', name: 'id_rsa', oid: secret },
      { mode: '120000', name: 'etc', oid: link },
      { mode: '040000', name: '..', oid: inner },
      { mode: '040000', name: '.', oid: inner },
      { mode: '040000', name: '.GIT', oid: inner },
      { mode: '100644', name: 'a\\b', oid: secret },
      { mode: '160000', name: 'mod', oid: '1111111111111111111111111111111111111111' },
      { mode: '100644', name: 'ok.txt', oid: fine },
      { mode: '040000', name: 'src', oid: await mktree(repo, [{ mode: '100755', name: 'run.sh', oid: fine }]) },
    ]);
    await commitTree(repo, tree);
    const cacheDir = join(await tempDir(), 'snapshots');
    const snap = await takeSnapshot({ repo, branch: 'main', cacheDir });
    try {
      expect([...scan(snap.dir).keys()].sort()).toEqual(['ok.txt', 'src', 'src/run.sh']);
      expect(readFileSync(join(snap.dir, 'ok.txt'), 'utf8')).toBe('fine\n');
      const reasons = Object.fromEntries(snap.skipped.map((s) => [s.path, s.reason]));
      expect(reasons).toMatchObject({
        '.env': 'denied', '.ENV': 'denied', id_rsa: 'denied', etc: 'symlink', '..': 'unsafe-name', '.': 'unsafe-name',
        '.GIT': 'unsafe-name', 'a\\b': 'unsafe-name', mod: 'submodule',
      });
      // nothing escaped next to the snapshot either
      expect(readdirSync(join(snap.dir, '..')).sort()).toEqual(['listing.json', 'meta.json', 'tree']);
      expect(snap.files).toBe(2);
    } finally {
      snap.release();
    }
  });

  it('refuses raw tree entries git itself would never write: empty names, slashes, duplicates', async () => {
    const repo = await makeRepo();
    const a = await writeBlob(repo, 'first\n');
    const b = await writeBlob(repo, 'second\n');
    const deep = await writeRawTree(repo, [{ mode: '100644', name: 'x', oid: a }]);
    const tree = await writeRawTree(repo, [
      { mode: '100644', name: '', oid: a },
      { mode: '100644', name: '../escape', oid: a },
      { mode: '100644', name: 'd/e', oid: a },
      { mode: '100644', name: 'same', oid: a },
      { mode: '100644', name: 'same', oid: b },
      { mode: '40000', name: 'same', oid: deep },
      { mode: '100664', name: 'odd-mode', oid: a },
    ]);
    await commitTree(repo, tree);
    const outside = await tempDir();
    const cacheDir = join(outside, 'snapshots');
    const snap = await takeSnapshot({ repo, branch: 'main', cacheDir });
    try {
      expect([...scan(snap.dir).keys()]).toEqual(['same']);
      expect(readFileSync(join(snap.dir, 'same'), 'utf8')).toBe('first\n');
      expect(snap.skipped.map((s) => s.reason).sort()).toEqual(['bad-mode', 'duplicate', 'duplicate', 'unsafe-name', 'unsafe-name', 'unsafe-name']);
      expect(readdirSync(outside)).toEqual(['snapshots']);
    } finally {
      snap.release();
    }
  });
});

describe('takeSnapshot', () => {
  it('copies the committed tip only, files 0444 and directories 0555', async () => {
    const { repo, cacheDir } = await setup({ 'README.md': 'committed\n', 'src/a.ts': 'a\n', 'bin/tool': '#!/bin/sh\n' });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(repo, 'README.md'), 'uncommitted edit\n');
    writeFileSync(join(repo, 'untracked.txt'), 'not committed\n');
    writeFileSync(join(repo, '.env'), 'IGNORED=1\n');
    const snap = await takeSnapshot({ repo, branch: 'main', cacheDir });
    try {
      const entries = scan(snap.dir);
      expect([...entries.keys()].sort()).toEqual(['README.md', 'bin', 'bin/tool', 'src', 'src/a.ts']);
      expect(readFileSync(join(snap.dir, 'README.md'), 'utf8')).toBe('committed\n');
      for (const [path, entry] of entries) expect(entry.mode, path).toBe(entry.type === 'd' ? 0o555 : 0o444);
      expect(statSync(snap.dir).mode & 0o777).toBe(0o555);
    } finally {
      snap.release();
    }
  });

  it('hands back the same directory for an unchanged tree', async () => {
    const { repo, cacheDir } = await setup({ 'a.txt': 'a\n' });
    const cat = new CatFile(repo);
    try {
      const first = await takeSnapshot({ repo, branch: 'main', cacheDir, cat });
      const second = await takeSnapshot({ repo, branch: 'main', cacheDir, cat });
      expect(first.how).toBe('cold');
      expect(second.how).toBe('cached');
      expect(second.dir).toBe(first.dir);
      expect(second.treeOid).toBe(first.treeOid);
      first.release();
      second.release();
    } finally {
      await cat.close();
    }
  });

  it('updates the previous snapshot in place when no one holds it', async () => {
    const files: Record<string, string> = { 'keep/a.txt': 'a\n', 'keep/b.txt': 'b\n', 'change.txt': 'v1\n', 'gone/x.txt': 'x\n', 'flip': 'file\n' };
    const { repo, cacheDir } = await setup(files);
    const first = await takeSnapshot({ repo, branch: 'main', cacheDir });
    const inode = statSync(join(first.dir, 'keep/a.txt')).ino;
    first.release();
    const { rmSync } = await import('node:fs');
    rmSync(join(repo, 'gone'), { recursive: true });
    rmSync(join(repo, 'flip'));
    await commitFiles(repo, { 'change.txt': 'v2\n', 'new/deep/n.txt': 'n\n', 'flip/inside.txt': 'now a dir\n', '.env.local': 'S=1\n' });
    const second = await takeSnapshot({ repo, branch: 'main', cacheDir });
    try {
      expect(second.how).toBe('updated');
      expect(second.dir).not.toBe(first.dir);
      const entries = scan(second.dir);
      expect([...entries.keys()].sort()).toEqual([
        'change.txt', 'flip', 'flip/inside.txt', 'keep', 'keep/a.txt', 'keep/b.txt', 'new', 'new/deep', 'new/deep/n.txt',
      ]);
      expect(readFileSync(join(second.dir, 'change.txt'), 'utf8')).toBe('v2\n');
      expect(statSync(join(second.dir, 'keep/a.txt')).ino).toBe(inode);
      for (const [path, entry] of entries) expect(entry.mode, path).toBe(entry.type === 'd' ? 0o555 : 0o444);
      expect(second.skipped.map((s) => s.path)).toEqual(['.env.local']);
      expect(scan(join(cacheDir)).has(first.dir.slice(cacheDir.length + 1))).toBe(false);
    } finally {
      second.release();
    }
  });

  it('hardlinks unchanged files from a previous snapshot still in use, leaving it intact', async () => {
    const { repo, cacheDir } = await setup({ 'same.txt': 'same\n', 'change.txt': 'v1\n' });
    const first = await takeSnapshot({ repo, branch: 'main', cacheDir });
    await commitFiles(repo, { 'change.txt': 'v2\n', 'moved/same-copy.txt': 'same\n' });
    const second = await takeSnapshot({ repo, branch: 'main', cacheDir });
    try {
      expect(second.how).toBe('linked');
      expect(readFileSync(join(first.dir, 'change.txt'), 'utf8')).toBe('v1\n');
      expect(readFileSync(join(second.dir, 'change.txt'), 'utf8')).toBe('v2\n');
      const ino = statSync(join(first.dir, 'same.txt')).ino;
      expect(statSync(join(second.dir, 'same.txt')).ino).toBe(ino);
      expect(statSync(join(second.dir, 'moved/same-copy.txt')).ino).toBe(ino);
      expect(statSync(join(second.dir, 'change.txt')).ino).not.toBe(statSync(join(first.dir, 'change.txt')).ino);
    } finally {
      first.release();
      second.release();
    }
  });

  it('updates an older free snapshot of the same source in place when the newest is in use', async () => {
    const { repo, cacheDir } = await setup({ 'a.txt': 'a0\n', 'keep/k.txt': 'k\n' });
    const a = await takeSnapshot({ repo, branch: 'main', cacheDir });
    await commitFiles(repo, { 'a.txt': 'a1\n' });
    const b = await takeSnapshot({ repo, branch: 'main', cacheDir });
    expect(b.how).toBe('linked');
    b.release();
    a.release();
    const bHeld = await takeSnapshot({ repo, branch: 'main', cacheDir });
    expect(bHeld.dir).toBe(b.dir);
    await commitFiles(repo, { 'a.txt': 'a2\n', 'new.txt': 'n\n' });
    const c = await takeSnapshot({ repo, branch: 'main', cacheDir });
    try {
      expect(c.how).toBe('updated');
      expect(readFileSync(join(c.dir, 'a.txt'), 'utf8')).toBe('a2\n');
      expect([...scan(c.dir).keys()].sort()).toEqual(['a.txt', 'keep', 'keep/k.txt', 'new.txt']);
      expect(readFileSync(join(bHeld.dir, 'a.txt'), 'utf8')).toBe('a1\n');
      expect(readdirSync(cacheDir)).not.toContain(a.dir.split('/').at(-2));
    } finally {
      c.release();
      bHeld.release();
    }
  });

  it('gives concurrent callers of a new tree one consistent snapshot', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 200; i++) files[`d${i % 7}/f${i}.txt`] = `${i}\n`;
    const { repo, cacheDir } = await setup(files);
    const snaps = await Promise.all([1, 2, 3, 4].map(() => takeSnapshot({ repo, branch: 'main', cacheDir })));
    try {
      expect(new Set(snaps.map((s) => s.dir)).size).toBe(1);
      const dir = snaps[0]!.dir;
      expect([...scan(dir).values()].filter((e) => e.type === 'f')).toHaveLength(200);
      expect(readdirSync(join(cacheDir, 'tmp'))).toEqual([]);
    } finally {
      for (const s of snaps) s.release();
    }
  });

  it('skips files over the per-file cap and refuses or truncates past the total cap', async () => {
    const { repo, cacheDir } = await setup({ 'big.bin': 'x'.repeat(5000), 'a.txt': 'a'.repeat(600), 'b.txt': 'b'.repeat(600), 'c.txt': 'c'.repeat(600) });
    const capped = await takeSnapshot({ repo, branch: 'main', cacheDir, caps: { maxFileBytes: 4096 } });
    expect(capped.skipped).toEqual([expect.objectContaining({ path: 'big.bin', reason: 'too-large' })]);
    expect(scan(capped.dir).has('big.bin')).toBe(false);
    capped.release();

    const refused = takeSnapshot({ repo, branch: 'main', cacheDir, caps: { maxFileBytes: 4096, maxTotalBytes: 1000 } });
    await expect(refused).rejects.toSatisfy((e: unknown) => isOrchError(e, 'SNAPSHOT_FAILED'));
    expect(readdirSync(join(cacheDir, 'tmp'))).toEqual([]);

    const truncated = await takeSnapshot({ repo, branch: 'main', cacheDir, caps: { maxFileBytes: 4096, maxTotalBytes: 1300, onTotalCap: 'truncate' } });
    expect(truncated.truncated).toBe(true);
    expect(truncated.bytes).toBeLessThanOrEqual(1300);
    expect(truncated.skipped.filter((s) => s.reason === 'total-cap').map((s) => s.path)).toEqual(['c.txt']);
    expect([...scan(truncated.dir).keys()].sort()).toEqual(['a.txt', 'b.txt']);
    truncated.release();
  });

  it('denies the workspace additions and keys the cache by them', async () => {
    const { repo, cacheDir } = await setup({ 'db/prod.SQLITE': 'data', 'src/x.ts': 'x' });
    const plain = await takeSnapshot({ repo, branch: 'main', cacheDir });
    const strict = await takeSnapshot({ repo, branch: 'main', cacheDir, extraDeny: ['*.sqlite'] });
    expect(scan(plain.dir).has('db/prod.SQLITE')).toBe(true);
    expect(scan(strict.dir).has('db/prod.SQLITE')).toBe(false);
    expect(strict.dir).not.toBe(plain.dir);
    plain.release();
    strict.release();
  });

  it('keeps `keep` snapshots per source and never collects one in use', async () => {
    const { repo, cacheDir } = await setup({ 'v.txt': '0\n' });
    const held = await takeSnapshot({ repo, branch: 'main', cacheDir, keep: 1 });
    const dirs = [held.dir];
    for (let i = 1; i <= 3; i++) {
      await commitFiles(repo, { 'v.txt': `${i}\n` });
      const snap = await takeSnapshot({ repo, branch: 'main', cacheDir, keep: 1 });
      dirs.push(snap.dir);
      snap.release();
    }
    const entries = readdirSync(cacheDir).filter((n) => n.startsWith('peer-'));
    expect(entries.sort()).toEqual([held.dir, dirs[3]!].map((d) => d.split('/').at(-2)!).sort());
    expect(readFileSync(join(held.dir, 'v.txt'), 'utf8')).toBe('0\n');
    held.release();
  });

  it('fails clearly for a missing branch or a malformed branch name', async () => {
    const { repo, cacheDir } = await setup({ 'a.txt': 'a' });
    await expect(takeSnapshot({ repo, branch: 'nope', cacheDir })).rejects.toSatisfy((e: unknown) => isOrchError(e, 'SNAPSHOT_FAILED'));
    await expect(takeSnapshot({ repo, branch: 'main\nHEAD', cacheDir })).rejects.toSatisfy((e: unknown) => isOrchError(e, 'REF_INVALID'));
    await expect(takeSnapshot({ repo, branch: '../x', cacheDir })).rejects.toSatisfy((e: unknown) => isOrchError(e, 'REF_INVALID'));
  });
});

describe('writeSnapshot (orch snapshot PEER DEST)', () => {
  it('writes a filtered snapshot into a new directory and refuses an existing one', async () => {
    const { repo } = await setup({ 'a.txt': 'a\n', '.npmrc': 'token\n', 'node_modules/m/index.js': 'x' });
    const dest = join(await tempDir(), 'out');
    const written = await writeSnapshot({ repo, branch: 'main', dest });
    expect([...scan(dest).keys()]).toEqual(['a.txt']);
    expect(written.skipped.map((s) => s.path).sort()).toEqual(['.npmrc', 'node_modules']);
    await expect(writeSnapshot({ repo, branch: 'main', dest })).rejects.toSatisfy((e: unknown) => isOrchError(e, 'USAGE'));
  });
});
