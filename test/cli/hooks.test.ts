import { lstat, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git } from '../../src/git/exec.js';
import { PERSON } from '../support/git-repo.js';
import { makeWorkspace, parseJson } from './cli-harness.js';

const PROJECT_HOOKS = ['post-checkout', 'post-commit', 'post-merge', 'post-rewrite'];

async function hookFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => !name.endsWith('.sample')).sort();
}

describe('orch hooks', () => {
  it('install puts hooks in every project and the knowledge repo, chaining a hook that was there; uninstall restores it', async () => {
    const ws = await makeWorkspace([{ name: 'api' }, { name: 'web' }]);
    const apiHooks = join(ws.projects.api ?? '', '.git', 'hooks');
    const original = '#!/bin/sh\necho "the person\'s own post-merge"\n';
    await writeFile(join(apiHooks, 'post-merge'), original, { mode: 0o750 });
    const before = await lstat(join(apiHooks, 'post-merge'));

    const installed = await ws.orch(['hooks', 'install', '--json']);
    expect(installed.exitCode, installed.stderr).toBe(0);
    const report = parseJson<{ repos: { repo: string; installed: string[]; chained: string[]; knowledge: boolean }[] }>(installed);
    const api = report.repos.find((r) => r.repo === ws.projects.api);
    expect(api?.installed.sort()).toEqual(PROJECT_HOOKS);
    expect(api?.chained).toEqual(['post-merge']);
    expect(report.repos.find((r) => r.knowledge)?.installed).toEqual(['reference-transaction']);
    expect(await hookFiles(apiHooks)).toEqual([...PROJECT_HOOKS, 'post-merge.orch-chained'].sort());
    expect(await hookFiles(join(ws.projects.web ?? '', '.git', 'hooks'))).toEqual(PROJECT_HOOKS);
    expect((await git(ws.projects.api ?? '', ['config', '--get-all', 'orch.notify'])).stdout.trim()).toBe(join(ws.root, '.orch', 'run', 'triggers', 'api'));
    expect((await git(ws.knowledge, ['config', '--get-all', 'orch.notify'])).stdout.trim()).toBe(join(ws.root, '.orch', 'run', 'triggers', '_knowledge'));

    const again = await ws.orch(['hooks', 'install']);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('already current');

    const removed = await ws.orch(['hooks', 'uninstall']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(removed.stdout).toMatch(/restored.*post-merge/);
    expect(await hookFiles(apiHooks)).toEqual(['post-merge']);
    expect(await readFile(join(apiHooks, 'post-merge'), 'utf8')).toBe(original);
    const after = await lstat(join(apiHooks, 'post-merge'));
    expect([after.ino, after.mode]).toEqual([before.ino, before.mode]);
    expect(await hookFiles(join(ws.knowledge, '.git', 'hooks'))).toEqual([]);
    const notify = await git(ws.projects.api ?? '', ['config', '--get-all', 'orch.notify'], { reject: false });
    expect(notify.stdout).toBe('');
  });

  it('the installed knowledge guard refuses a plain commit on main', async () => {
    const ws = await makeWorkspace([]);
    expect((await ws.orch(['hooks', 'install'])).exitCode).toBe(0);
    await writeFile(join(ws.knowledge, 'x.md'), 'x\n');
    await git(ws.knowledge, ['add', 'x.md']);
    const commit = await git(ws.knowledge, ['commit', '-q', '-m', 'unreviewed'], { hooks: true, reject: false, env: PERSON });
    expect(commit.exitCode).not.toBe(0);
    expect(commit.stderr).toContain('refusing to update refs/heads/main');
  });

  it('a project that is not a git repo is reported and makes the command exit 1; the others are still installed', async () => {
    const ws = await makeWorkspace([{ name: 'api' }]);
    await rm(join(ws.projects.api ?? '', '.git'), { recursive: true, force: true });
    const result = await ws.orch(['hooks', 'install']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/api .*\n\s+FAILED: .*not a git repository/);
    expect(await hookFiles(join(ws.knowledge, '.git', 'hooks'))).toEqual(['reference-transaction']);
  });
});
