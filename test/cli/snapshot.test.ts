import { appendFile, chmod, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeWorkspace, parseJson } from './cli-harness.js';

interface SnapshotJson {
  dir: string;
  files: number;
  bytes: number;
  skipped: { path: string; reason: string; detail: string }[];
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) out.push(...(await listFiles(join(dir, entry.name), `${prefix}${entry.name}/`)));
    else out.push(`${prefix}${entry.name}`);
  }
  return out.sort();
}

const written: string[] = [];

/** Snapshot dirs are read-only; make them writable so the temp dir can go (as a non-root user too). */
afterAll(async () => {
  for (const dir of written) {
    const walk = async (path: string): Promise<void> => {
      await chmod(path, 0o755).catch(() => undefined);
      for (const entry of await readdir(path, { withFileTypes: true }).catch(() => [])) if (entry.isDirectory()) await walk(join(path, entry.name));
    };
    await walk(dir);
  }
});

describe('orch snapshot', () => {
  it('writes the committed tip without .env, keys or workspace-denied files, and says what it skipped', async () => {
    const ws = await makeWorkspace([
      {
        name: 'web',
        files: {
          'README.md': '# web\n',
          'src/app.ts': 'export const app = 1;\n',
          '.env': 'API_KEY=not-for-peers\n',
          '.ssh/id_ed25519': 'private\n',
          'data/cache.sqlite': 'db\n',
        },
      },
    ]);
    const yaml = join(ws.root, '.orch', 'workspace.yaml');
    await appendFile(yaml, 'snapshot: {deny: ["*.sqlite"]}\n');
    const dest = join(ws.root, 'out');
    written.push(dest);
    const result = await ws.orch(['snapshot', 'web', dest, '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const snapshot = parseJson<SnapshotJson>(result);
    expect(await listFiles(dest)).toEqual(['README.md', 'src/app.ts']);
    expect(snapshot.files).toBe(2);
    expect(snapshot.bytes).toBe('# web\n'.length + 'export const app = 1;\n'.length);
    expect(snapshot.skipped.map((s) => [s.path, s.reason]).sort()).toEqual([
      ['.env', 'denied'],
      ['.ssh', 'denied'],
      ['data/cache.sqlite', 'denied'],
    ]);
    expect(await readFile(join(dest, 'src/app.ts'), 'utf8')).toBe('export const app = 1;\n');
    expect((await stat(join(dest, 'README.md'))).mode & 0o777).toBe(0o444);

    const human = await ws.orch(['snapshot', 'web', join(ws.root, 'out2')]);
    written.push(join(ws.root, 'out2'));
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toMatch(/2 files/);
    expect(human.stdout).toMatch(/\.env\s+denied/);
  });

  it('an existing DEST or an unknown project is bad usage (exit 2)', async () => {
    const ws = await makeWorkspace([{ name: 'web' }], { knowledge: false });
    const exists = await ws.orch(['snapshot', 'web', ws.root]);
    expect(exists.exitCode, exists.stderr).toBe(2);
    expect(exists.stderr).toContain('already exists');
    const unknown = await ws.orch(['snapshot', 'nope', join(ws.root, 'x')]);
    expect(unknown.exitCode, unknown.stderr).toBe(2);
    expect(unknown.stderr).toContain('[PROJECT_UNKNOWN]');
  });
});
