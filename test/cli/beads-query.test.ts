import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git } from '../../src/git/exec.js';
import { commitFiles } from '../support/git-repo.js';
import { tempDir } from '../support/tmp.js';
import { makeWorkspace, orch, parseJson } from './cli-harness.js';

function bead(id: string, fields: Record<string, string> = {}, body = 'Do it.\n'): string {
  const lines = Object.entries({ id, title: `Bead ${id}`, status: 'open', ...fields }).map(([k, v]) => `${k}: ${v}`);
  return ['---', ...lines, '---', body].join('\n');
}

describe('orch init and add', () => {
  it('init creates the workspace and a guarded knowledge repo; add registers a repo with its current branch and hooks', async () => {
    const root = join(await tempDir('orch-init-'), 'ws');
    const init = await orch(['init', root, '--reviewers', 'alice,bob', '--json']);
    expect(init.exitCode, init.stderr).toBe(0);
    const created = parseJson<{ knowledge: string }>(init);
    expect((await git(created.knowledge, ['log', '--format=%s', 'main'])).stdout).toMatch(/knowledge/i);
    expect(await readFile(join(created.knowledge, '.git', 'hooks', 'reference-transaction'), 'utf8')).toContain('orch');
    expect(await readFile(join(root, '.orch', '.gitignore'), 'utf8')).toContain('run/');
    // A second init refuses and changes nothing.
    const before = await readFile(join(root, '.orch', 'workspace.yaml'), 'utf8');
    const again = await orch(['init', root]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('already exists');
    expect(await readFile(join(root, '.orch', 'workspace.yaml'), 'utf8')).toBe(before);

    const repo = join(root, 'Api_Service');
    await git(root, ['init', '-q', '-b', 'trunk', repo]);
    await commitFiles(repo, { 'README.md': 'x\n' });
    const add = await orch(['--workspace', root, 'add', repo, '--json']);
    expect(add.exitCode, add.stderr).toBe(0);
    expect(parseJson(add)).toMatchObject({ project: 'api-service', branch: 'trunk' });
    expect(await readFile(join(repo, '.git', 'hooks', 'post-commit'), 'utf8')).toContain('orch');
    const config = await readFile(join(root, '.orch', 'workspace.yaml'), 'utf8');
    expect(config).toContain('# orch workspace');
    expect(config).toMatch(/name: api-service\n\s+path: \.\/Api_Service\n\s+branch: trunk/);
    // Adding a non-repo is bad input.
    const bad = await orch(['--workspace', root, 'add', await tempDir()]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('not a git repository');
  });

  it('an unknown workspace key is reported with its line, exit 2', async () => {
    const ws = await makeWorkspace([{ name: 'api' }]);
    const file = join(ws.root, '.orch', 'workspace.yaml');
    await writeFile(file, `${await readFile(file, 'utf8')}colour: blue\n`);
    const result = await ws.orch(['list']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/workspace\.yaml:\d+/);
    expect(result.stderr).toContain('colour');
  });
});

describe('orch bead new, list, ready, plan', () => {
  it('bead new writes a valid hash-id bead that only counts once committed', async () => {
    const ws = await makeWorkspace([{ name: 'api' }]);
    const made = await ws.orch(['bead', 'new', 'api', 'Add a route', '--files', 'src/**', '--priority', '1', '--json']);
    expect(made.exitCode, made.stderr).toBe(0);
    const { id, file } = parseJson<{ id: string; file: string }>(made);
    expect(id).toMatch(/^api-[0-9a-z]{4,}$/);
    expect(await readFile(file, 'utf8')).toMatch(/^files: \[src\/\*\*\]$/m);
    expect(parseJson<{ ready: unknown[] }>(await ws.orch(['ready', '--json'])).ready).toEqual([]);
    await git(ws.projects.api ?? '', ['add', '-A']);
    await git(ws.projects.api ?? '', ['commit', '-qm', 'bead'], { env: { GIT_AUTHOR_NAME: 'p', GIT_AUTHOR_EMAIL: 'p@x', GIT_COMMITTER_NAME: 'p', GIT_COMMITTER_EMAIL: 'p@x' } });
    const ready = parseJson<{ ready: { id: string }[] }>(await ws.orch(['ready', '--json']));
    expect(ready.ready.map((b) => b.id)).toEqual([id]);
    const badPriority = await ws.orch(['bead', 'new', 'api', 'x', '--priority', '9']);
    expect(badPriority.exitCode).toBe(2);
  });

  it('invalid beads are reported with file and line, exit 2, and every other bead is still listed', async () => {
    const ws = await makeWorkspace([{ name: 'api' }, { name: 'web' }]);
    await commitFiles(ws.projects.api ?? '', {
      '.agents/beads/api-good.md': bead('api-good', { files: '[src/a.ts]', priority: '1' }),
      '.agents/beads/api-dep.md': bead('api-dep', { deps: '[api-good]' }),
      '.agents/beads/api-bad.md': bead('api-bad', { status: 'finished' }),
      '.agents/beads/api-name.md': bead('api-other'),
      '.agents/beads/api-conflict.md': `${bead('api-conflict')}<<<<<<< HEAD\nx\n=======\ny\n>>>>>>> b\n`,
    });
    await commitFiles(ws.projects.web ?? '', {
      '.agents/beads/web-a.md': bead('web-a', { deps: '[api:api-good]', files: '[ui/**]' }),
      '.agents/beads/web-b.md': bead('web-b', { deps: '[api:api-missing]' }),
      '.agents/beads/web-c1.md': bead('web-c1', { deps: '[web-c2]' }),
      '.agents/beads/web-c2.md': bead('web-c2', { deps: '[web-c1]' }),
    });
    const list = await ws.orch(['list', '--json']);
    expect(list.exitCode).toBe(2);
    const listed = parseJson<{ beads: { key: string; state: string; detail: string }[]; problems: { file: string; line: number; reason: string }[] }>(list);
    const state = Object.fromEntries(listed.beads.map((b) => [b.key, b.state]));
    expect(state['api:api-good']).toBe('ready');
    expect(state['api:api-dep']).toBe('blocked');
    expect(state['web:web-a']).toBe('blocked');
    const files = listed.problems.map((p) => `${p.file}:${p.line}`).join(' ');
    for (const name of ['api-bad.md', 'api-name.md', 'api-conflict.md', 'web-b.md', 'web-c1.md', 'web-c2.md']) expect(files).toContain(name);
    for (const problem of listed.problems) expect(problem.line).toBeGreaterThan(0);
    expect(listed.problems.find((p) => p.file.includes('api-bad'))?.reason).toMatch(/status/);
    expect(listed.problems.find((p) => p.file.includes('web-c1'))?.reason).toMatch(/cycle/);
    expect(list.stderr).toContain('api-bad.md:');
    // Nothing was rewritten or dropped.
    expect((await git(ws.projects.api ?? '', ['status', '--porcelain'])).stdout).toBe('');

    const ready = await ws.orch(['ready', '--json']);
    expect(ready.exitCode).toBe(2);
    expect(parseJson<{ ready: { key: string }[] }>(ready).ready.map((b) => b.key)).toEqual(['api:api-good']);
    const human = await ws.orch(['ready']);
    expect(human.stdout).toContain('api:api-good');
  });

  it('plan puts overlapping and exclusive beads in different waves and names the shared files', async () => {
    const ws = await makeWorkspace([{ name: 'api', extra: ['maxAgents: 5'] }]);
    await commitFiles(ws.projects.api ?? '', {
      'src/routes.ts': 'x\n',
      '.agents/beads/api-a.md': bead('api-a', { files: '[src/routes.ts]', priority: '0' }),
      '.agents/beads/api-b.md': bead('api-b', { files: '["src/**"]', priority: '1' }),
      '.agents/beads/api-c.md': bead('api-c', { files: '[docs/x.md]', priority: '2' }),
      '.agents/beads/api-d.md': bead('api-d', { priority: '3' }),
    });
    const plan = await ws.orch(['plan', '--json']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const waves = parseJson<{ waves: { wave: number; beads: { key: string }[] }[]; shared: { pattern: string; beads: string[] }[] }>(plan);
    const waveOf = (key: string): number | undefined => waves.waves.find((w) => w.beads.some((b) => b.key === key))?.wave;
    expect(waveOf('api:api-a')).toBe(1);
    expect(waveOf('api:api-c')).toBe(1);
    expect(waveOf('api:api-b')).toBeGreaterThan(1);
    // A bead with no files is exclusive in its project.
    const dWave = waveOf('api:api-d');
    expect(waves.waves.find((w) => w.wave === dWave)?.beads).toHaveLength(1);
    expect(waves.shared.some((s) => s.beads.includes('api:api-a') && s.beads.includes('api:api-b'))).toBe(true);
    const human = await ws.orch(['plan']);
    expect(human.stdout).toMatch(/wave 1:/);
    expect(human.stdout).toContain('files shared by more than one bead');
    const capped = parseJson<{ waves: { beads: unknown[] }[] }>(await ws.orch(['plan', '--json', '--max-agents', '1']));
    expect(capped.waves.every((w) => w.beads.length === 1)).toBe(true);
  });
});
