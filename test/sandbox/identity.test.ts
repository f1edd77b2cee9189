import { chmod, chown, lstat, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertReachable, chownTree, lookupNobody, NOBODY, resolveSandboxIdentity } from '../../src/sandbox/identity.js';
import { tempDir } from '../support/tmp.js';

const IS_ROOT = process.getuid?.() === 0;

describe('sandbox identity', () => {
  it('runs as the current user unless that is root', () => {
    expect(resolveSandboxIdentity(undefined, 1000)).toBeUndefined();
    expect(resolveSandboxIdentity({ uid: 2000, gid: 2000 }, 1000)).toBeUndefined();
    expect(resolveSandboxIdentity({ uid: 2000, gid: 2001 }, 0)).toEqual({ uid: 2000, gid: 2001 });
    expect(resolveSandboxIdentity(undefined, 0)?.uid).toBeGreaterThan(0);
  });

  it('never runs a sandbox as host root', () => {
    expect(() => resolveSandboxIdentity({ uid: 0, gid: 0 }, 0)).toThrow(/never runs as host root/);
    expect(() => resolveSandboxIdentity({ uid: 5, gid: 0 }, 0)).toThrow();
  });

  it('finds nobody in passwd, else 65534', () => {
    expect(lookupNobody('root:x:0:0::/root:/bin/sh\nnobody:x:99:98::/:/sbin/nologin\n')).toEqual({ uid: 99, gid: 98 });
    expect(lookupNobody('root:x:0:0::/root:/bin/sh\n')).toEqual(NOBODY);
  });

  it.skipIf(!IS_ROOT)('hands a tree over without following symlinks out of it', async () => {
    const root = await tempDir();
    const outside = await tempDir();
    await writeFile(join(outside, 'host-file'), 'x');
    await mkdir(join(root, 'a', 'b'), { recursive: true });
    await writeFile(join(root, 'a', 'b', 'f'), 'x');
    await symlink(join(outside, 'host-file'), join(root, 'a', 'link'));
    await chownTree(root, NOBODY);
    for (const path of [root, join(root, 'a'), join(root, 'a', 'b'), join(root, 'a', 'b', 'f'), join(root, 'a', 'link')]) {
      expect((await lstat(path)).uid, path).toBe(65534);
    }
    expect((await lstat(join(outside, 'host-file'))).uid).toBe(0);
  });

  it.skipIf(!IS_ROOT)('says which directory keeps the sandbox uid out', async () => {
    const root = await tempDir();
    await chmod(root, 0o700);
    await mkdir(join(root, 'checkout'));
    await expect(assertReachable(join(root, 'checkout'), NOBODY, 'write', 'the checkout')).rejects.toMatchObject({
      code: 'SANDBOX_UNAVAILABLE',
      data: { dir: root },
    });
    await chmod(root, 0o755);
    await expect(assertReachable(join(root, 'checkout'), NOBODY, 'write', 'the checkout')).rejects.toMatchObject({ code: 'SANDBOX_UNAVAILABLE' });
    await chown(join(root, 'checkout'), 65534, 65534);
    await expect(assertReachable(join(root, 'checkout'), NOBODY, 'write', 'the checkout')).resolves.toBeUndefined();
  });
});
