import { lstat, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makePolicy } from '../../src/sandbox/exec.js';
import { mountPointsInCheckout, prepareMountPoints, removeCreatedMountPoints } from '../../src/sandbox/mount-guard.js';
import { tempDir } from '../support/tmp.js';

const peers = [{ name: 'web', dir: '/snap/web' }];

describe('mount points inside the checkout', () => {
  it('are only needed for peers', () => {
    expect(mountPointsInCheckout(makePolicy({ project: { dir: '/c' } }))).toEqual([]);
    expect(mountPointsInCheckout(makePolicy({ project: { dir: '/c' }, peers }))).toEqual(['.shared']);
  });

  it('are created when missing and removed again afterwards', async () => {
    const dir = await tempDir();
    const created = await prepareMountPoints(makePolicy({ project: { dir }, peers }));
    expect(created).toEqual([join(dir, '.shared')]);
    expect((await lstat(join(dir, '.shared'))).isDirectory()).toBe(true);
    await removeCreatedMountPoints(created);
    expect(await readdir(dir)).toEqual([]);
  });

  it('keep a directory the tree already has', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, '.shared'));
    await writeFile(join(dir, '.shared', 'keep'), 'x');
    expect(await prepareMountPoints(makePolicy({ project: { dir }, peers }))).toEqual([]);
  });

  it('refuse a symlink or a file where a mount point goes, without touching its target', async () => {
    const dir = await tempDir();
    const outside = await tempDir();
    await symlink(outside, join(dir, '.shared'));
    await expect(prepareMountPoints(makePolicy({ project: { dir }, peers }))).rejects.toMatchObject({ code: 'SANDBOX_UNSAFE' });
    expect(await readdir(outside)).toEqual([]);
    const other = await tempDir();
    await writeFile(join(other, '.shared'), 'x');
    await expect(prepareMountPoints(makePolicy({ project: { dir: other }, peers }))).rejects.toMatchObject({ code: 'SANDBOX_UNSAFE' });
  });

  it('refuse a symlinked checkout root', async () => {
    const real = await tempDir();
    const parent = await tempDir();
    await symlink(real, join(parent, 'link'));
    await expect(prepareMountPoints(makePolicy({ project: { dir: join(parent, 'link') } }))).rejects.toMatchObject({ code: 'SANDBOX_UNSAFE' });
  });

  it('check every overlay layer and create the mount point in the upper one', async () => {
    const root = await tempDir();
    const [lower, upper, work] = ['lower', 'upper', 'work'].map((name) => join(root, name)) as [string, string, string];
    for (const dir of [lower, upper, work]) await mkdir(dir);
    const overlay = makePolicy({ project: { overlay: { lower: [lower], upper, work } }, peers });
    const created = await prepareMountPoints(overlay);
    expect(created).toEqual([join(upper, '.shared')]);
    await removeCreatedMountPoints(created);
    await symlink('/etc', join(lower, '.shared'));
    await expect(prepareMountPoints(overlay)).rejects.toMatchObject({ code: 'SANDBOX_UNSAFE' });
    expect(await readdir(upper)).toEqual([]);
  });
});
