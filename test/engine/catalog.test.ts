import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BeadCatalog, buildCatalogGraph, readBeadCatalog, type CatalogProject } from '../../src/engine/catalog.js';
import { beadCacheDir } from '../../src/engine/catalog-cache.js';
import { readySet } from '../../src/beads/index.js';
import { git } from '../../src/git/exec.js';
import { commitFiles, makeRepo } from '../support/git-repo.js';
import { tempDir } from '../support/tmp.js';

function beadText(id: string, fields: Record<string, string> = {}): string {
  const all = { id, title: `Bead ${id}`, status: 'open', ...fields };
  return `---\n${Object.entries(all).map(([k, v]) => `${k}: ${v}`).join('\n')}\n---\nbody of ${id}\n`;
}

const path = (id: string) => `.agents/beads/${id}.md`;

async function project(name: string, files: Record<string, string>): Promise<CatalogProject> {
  const repo = await makeRepo({ 'README.md': '# x\n', ...files });
  return { name, path: repo, branch: 'main' };
}

describe('bead catalog', () => {
  it('reads the committed tree of the target branch, never the working file', async () => {
    const api = await project('api', { [path('api-a1')]: beadText('api-a1') });
    await writeFile(join(api.path, path('api-a1')), beadText('api-a1', { status: 'closed' }));
    await writeFile(join(api.path, path('api-b2')), beadText('api-b2'));
    await git(api.path, ['checkout', '-q', '-b', 'side']);
    await commitFiles(api.path, { [path('api-c3')]: beadText('api-c3') }, 'on another branch');
    const [result] = await readBeadCatalog([api]);
    expect(result?.error).toBeUndefined();
    expect(result?.beads.map((b) => [b.id, b.status])).toEqual([['api-a1', 'open']]);
    expect(result?.beads[0]?.file).toBe(join(api.path, '.agents/beads/api-a1.md'));
    expect(result?.commit).toBe((await git(api.path, ['rev-parse', 'main'])).stdout.trim());
  });

  it('sees a new commit at once, parsing only the changed files', async () => {
    const api = await project('api', { [path('api-a1')]: beadText('api-a1'), [path('api-b2')]: beadText('api-b2') });
    const catalog = new BeadCatalog();
    try {
      const first = await catalog.loadProject(api);
      expect(first.beads.map((b) => b.status)).toEqual(['open', 'open']);
      expect(catalog.stats.parsed).toBe(2);
      expect((await catalog.loadProject(api)).beads).toEqual(first.beads);
      expect(catalog.stats.parsed).toBe(2);
      await commitFiles(api.path, { [path('api-b2')]: beadText('api-b2', { status: 'closed' }) });
      const second = await catalog.loadProject(api);
      expect(second.beads.map((b) => b.status)).toEqual(['open', 'closed']);
      expect(catalog.stats.parsed).toBe(3);
      expect(catalog.stats.gitProcesses).toBe(1);
    } finally {
      await catalog.close();
    }
  });

  it('serves an unchanged repo from the disk cache without starting git, and drops it after a commit', async () => {
    const api = await project('api', { [path('api-a1')]: beadText('api-a1') });
    const root = await tempDir();
    const cacheDir = beadCacheDir(root);
    await readBeadCatalog([api], { cacheDir });
    expect(await readdir(cacheDir)).toEqual(['api.json']);
    // Prove the next process reads the cache: tamper with it, the tampered title comes back.
    const cacheFile = join(cacheDir, 'api.json');
    await writeFile(cacheFile, (await readFile(cacheFile, 'utf8')).replace('Bead api-a1', 'From the cache'));
    const warm = new BeadCatalog({ cacheDir });
    expect((await warm.loadProject(api)).beads[0]?.title).toBe('From the cache');
    expect(warm.stats).toEqual({ parsed: 0, gitProcesses: 0 });
    await warm.close();
    await commitFiles(api.path, { [path('api-z9')]: beadText('api-z9') });
    const after = new BeadCatalog({ cacheDir });
    expect((await after.loadProject(api)).beads.map((b) => b.id)).toEqual(['api-a1', 'api-z9']);
    expect(after.stats.parsed).toBe(1); // api-a1's blob is still known from the cache
    await after.close();
  });

  it('reports a broken bead with file and line and still lists the others', async () => {
    const api = await project('api', {
      [path('api-a1')]: beadText('api-a1'),
      [path('api-bad')]: beadText('api-bad', { status: 'doing' }),
      [path('api-yaml')]: '---\nid: api-yaml\ntitle: [broken\n---\n',
      [path('api-mark')]: `${beadText('api-mark')}<<<<<<< HEAD\n`,
      '.agents/beads/README.txt': 'not a bead',
    });
    const [result] = await readBeadCatalog([api]);
    expect(result?.beads.map((b) => b.id)).toEqual(['api-a1']);
    expect(result?.unparsed).toEqual(['api-bad', 'api-mark', 'api-yaml']);
    expect(result?.problems.map((p) => [p.file.slice(api.path.length + 1), p.line, p.kind])).toEqual([
      ['.agents/beads/api-bad.md', 4, 'schema'],
      ['.agents/beads/api-mark.md', 7, 'conflict'],
      ['.agents/beads/api-yaml.md', 3, 'yaml'],
    ]);
  });

  it('reports a project it cannot read without hiding the others', async () => {
    const api = await project('api', { [path('api-a1')]: beadText('api-a1') });
    const nowhere = { name: 'gone', path: join(await tempDir(), 'missing'), branch: 'main' };
    const wrongBranch = { ...api, name: 'other', branch: 'trunk' };
    const empty = await project('web', {});
    const results = await readBeadCatalog([api, nowhere, wrongBranch, empty]);
    expect(results.map((r) => [r.project, r.error?.code, r.beads.length])).toEqual([
      ['api', undefined, 1],
      ['gone', 'NOT_A_REPO', 0],
      ['other', 'BRANCH_NOT_FOUND', 0],
      ['web', undefined, 0],
    ]);
    expect(results[3]?.tree).toBeUndefined();
  });

  it('resolves packed refs and linked worktrees', async () => {
    const api = await project('api', { [path('api-a1')]: beadText('api-a1') });
    await git(api.path, ['pack-refs', '--all']);
    const worktree = join(await tempDir(), 'wt');
    await git(api.path, ['worktree', 'add', '-q', '-b', 'wt-branch', worktree]);
    const catalog = new BeadCatalog();
    const [packed, viaWorktree] = await catalog.load([api, { name: 'wt', path: worktree, branch: 'main' }]);
    expect(packed?.beads.map((b) => b.id)).toEqual(['api-a1']);
    expect(viaWorktree?.beads.map((b) => b.id)).toEqual(['api-a1']);
    await catalog.close();
  });

  it('builds one graph across projects: cross-project deps, blocked by unreadable ones', async () => {
    const api = await project('api', { [path('api-a1')]: beadText('api-a1', { deps: '[web:web-w1]' }), [path('api-a2')]: beadText('api-a2', { deps: '[gone:x]' }) });
    const web = await project('web', { [path('web-w1')]: beadText('web-w1', { status: 'closed' }), [path('web-w2')]: beadText('web-w2', { deps: '[api-bad]' }) });
    const gone = { name: 'gone', path: join(await tempDir(), 'missing'), branch: 'main' };
    const graph = buildCatalogGraph(await readBeadCatalog([api, web, gone]));
    expect(graph.problems.map((p) => p.reason)).toEqual(['unknown dep "api-bad": project web has no bead api-bad']);
    expect(readySet(graph).map((b) => b.id)).toEqual(['api-a1']);
  });
});
