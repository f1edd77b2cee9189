import { chmod, lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chownTree, NOBODY, probeOverlay, runInSandbox, type SandboxSpec } from '../../src/sandbox/index.js';
import { HAS_BWRAP, skipUnless } from '../support/require.js';
import { tempDir } from '../support/tmp.js';

const SKIP = skipUnless(HAS_BWRAP, 'bwrap');
const IS_ROOT = process.getuid?.() === 0;

/** A base checkout (owned by the sandbox uid, as the checkout code makes it) and one layer pair per sandbox. */
async function layout(sandboxes = 1): Promise<{ root: string; lower: string; specs: SandboxSpec[]; uppers: string[] }> {
  const root = await tempDir('orch-overlay-');
  await chmod(root, 0o755);
  const lower = join(root, 'base');
  await mkdir(join(lower, 'src'), { recursive: true });
  await writeFile(join(lower, 'README.md'), 'base readme\n');
  await writeFile(join(lower, 'src', 'keep.ts'), 'keep\n');
  await writeFile(join(lower, 'src', 'gone.ts'), 'gone\n');
  if (IS_ROOT) await chownTree(lower, NOBODY);
  const specs: SandboxSpec[] = [];
  const uppers: string[] = [];
  for (let i = 0; i < sandboxes; i += 1) {
    const upper = join(root, `upper-${i}`);
    const work = join(root, `work-${i}`);
    await mkdir(upper);
    await mkdir(work);
    uppers.push(upper);
    specs.push({ project: { overlay: { lower: [lower], upper, work } } });
  }
  return { root, lower, specs, uppers };
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[path.slice(dir.length + 1)] = await readFile(path, 'utf8');
  }
  return out;
}

describe('overlay projects', () => {
  it.skipIf(SKIP)('probeOverlay says unprivileged overlayfs works here', async () => {
    expect(await probeOverlay()).toBe(true);
  });

  it.skipIf(SKIP)('writes land in the upper layer, deletions become whiteouts, the base is untouched', async () => {
    const { lower, specs, uppers } = await layout();
    const before = await snapshot(lower);
    const result = await runInSandbox(specs[0] as SandboxSpec, ['/bin/sh', '-ec', 'cat README.md; echo changed >> README.md; rm src/gone.ts; echo new > src/new.ts']);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).toBe('base readme\n');
    const upper = uppers[0] as string;
    expect(await readFile(join(upper, 'README.md'), 'utf8')).toBe('base readme\nchanged\n');
    expect(await readFile(join(upper, 'src', 'new.ts'), 'utf8')).toBe('new\n');
    const whiteout = await lstat(join(upper, 'src', 'gone.ts'));
    expect(whiteout.isCharacterDevice()).toBe(true);
    expect(whiteout.rdev).toBe(0);
    await expect(lstat(join(upper, 'src', 'keep.ts'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await snapshot(lower)).toEqual(before);
  });

  it.skipIf(SKIP)('sandboxes sharing one base do not see each other\'s changes', async () => {
    const { specs } = await layout(2);
    const [a, b] = specs as [SandboxSpec, SandboxSpec];
    const [first, second] = await Promise.all([
      runInSandbox(a, ['/bin/sh', '-c', 'echo a > mine.txt; sleep 0.3; ls']),
      runInSandbox(b, ['/bin/sh', '-c', 'echo b > other.txt; sleep 0.3; ls']),
    ]);
    expect(first.output).toContain('mine.txt');
    expect(first.output).not.toContain('other.txt');
    expect(second.output).toContain('other.txt');
    expect(second.output).not.toContain('mine.txt');
  });

  it.skipIf(SKIP)('keeps peers out of the upper layer', async () => {
    const { root, specs, uppers } = await layout();
    await mkdir(join(root, 'peer'), { mode: 0o755 });
    await writeFile(join(root, 'peer', 'api.md'), 'peer\n');
    const result = await runInSandbox({ ...(specs[0] as SandboxSpec), peers: [{ name: 'api', dir: join(root, 'peer') }] }, ['/bin/sh', '-c', 'cat .shared/api/api.md']);
    expect(result.output).toBe('peer\n');
    expect(await readdir(uppers[0] as string)).toEqual([]);
  });

  it.skipIf(SKIP || !IS_ROOT)('refuses a base that does not belong to the sandbox uid', async () => {
    const { lower, specs } = await layout();
    await chownTree(lower, { uid: 0, gid: 0 });
    await expect(runInSandbox(specs[0] as SandboxSpec, ['/bin/true'])).rejects.toMatchObject({ code: 'SANDBOX_UNAVAILABLE' });
  });
});

describe('the walls around an overlay project', () => {
  it.skipIf(SKIP)('are the same as around a plain one: no capabilities, the seccomp filter, no nested namespaces, read-only base', async () => {
    const { specs, lower } = await layout();
    const script = [
      "grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status",
      'cat /proc/self/uid_map',
      '/usr/bin/unshare -Ur /bin/true 2>/dev/null || echo nested-refused',
      'mount -o remount,rw / 2>/dev/null || echo remount-refused',
      'umount /project 2>/dev/null || echo umount-refused',
      'id -u',
    ].join('\n');
    const result = await runInSandbox(specs[0] as SandboxSpec, ['/bin/sh', '-c', script]);
    expect(result.output).toContain('CapEff:\t0000000000000000');
    expect(result.output).toContain('CapBnd:\t0000000000000000');
    expect(result.output).toContain('NoNewPrivs:\t1');
    expect(result.output).toContain('Seccomp:\t2');
    expect(result.output.match(/^\s+1000\s+0\s+1$/m)).not.toBeNull();
    for (const refused of ['nested-refused', 'remount-refused', 'umount-refused']) expect(result.output).toContain(refused);
    expect(result.output.trim().split('\n').at(-1)).toBe('1000');
    expect(await readdir(lower)).toEqual(['README.md', 'src']);
  });
});
