import { afterEach, describe, expect, it } from 'vitest';
import { git } from '../../src/git/exec.js';
import { openRepo, type Repo } from '../../src/git/repo.js';
import { listRunIds, readRunLog, readRuns, recordRun } from '../../src/git/run-records.js';
import { makeRepo } from '../support/git-repo.js';

const open: Repo[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((repo) => repo.close()));
});

describe('run records', () => {
  it('appends one commit per attempt with run.json, output.log and work/, and reads them newest first', async () => {
    const repo = await openRepo(await makeRepo({ 'README.md': '# r\n', 'src/a.ts': 'a\n' }));
    open.push(repo);
    const base = (await repo.objects.readCommit((await repo.refs.read('refs/heads/main')) ?? '')).tree;
    const first = await recordRun(repo, 'api-k3f9', {
      run: { agent: 'script', exit: 1, verdict: 'failed' },
      outputLog: 'compiling...\nerror\n',
      work: { base, changes: [{ kind: 'write', path: 'src/a.ts', content: 'broken\n' }] },
    });
    const second = await recordRun(repo, 'api-k3f9', {
      run: { agent: 'script', exit: 0, verdict: 'rejected', reason: 'touched files outside scope' },
      outputLog: Buffer.from('ok\n'),
      work: { base, changes: [{ kind: 'write', path: 'src/b.ts', content: 'b\n' }, { kind: 'delete', path: 'README.md' }] },
    });
    expect([first.attempt, second.attempt]).toEqual([1, 2]);
    const runs = await readRuns(repo, 'api-k3f9');
    expect(runs.map((r) => [r.commit, r.attempt, r.run?.verdict])).toEqual([
      [second.commit, 2, 'rejected'],
      [first.commit, 1, 'failed'],
    ]);
    const oldest = runs[1];
    if (oldest === undefined) throw new Error('missing attempt');
    expect((await readRunLog(repo, oldest)).toString()).toBe('compiling...\nerror\n');
    // The failed and the rejected work are both kept, as trees git can show.
    expect((await git(repo.path, ['show', `${first.commit}:work/src/a.ts`])).stdout).toBe('broken\n');
    expect((await git(repo.path, ['ls-tree', '-r', '--name-only', `${second.commit}:work`])).stdout).toBe('src/a.ts\nsrc/b.ts\n');
    expect((await git(repo.path, ['ls-tree', '--name-only', second.commit])).stdout).toBe('output.log\nrun.json\nwork\n');
    expect((await git(repo.path, ['rev-parse', `${second.commit}^`])).stdout.trim()).toBe(first.commit);
    expect(await listRunIds(repo)).toEqual(['api-k3f9']);
    expect(await readRuns(repo, 'nothing-here')).toEqual([]);
    // A record survives gc and pack-refs.
    await git(repo.path, ['gc', '--quiet', '--prune=now']);
    expect((await readRuns(repo, 'api-k3f9')).map((r) => r.commit)).toEqual([second.commit, first.commit]);
    await git(repo.path, ['fsck', '--strict']);
  });

  it('keeps every attempt when several recorders append at once', async () => {
    const repo = await openRepo(await makeRepo());
    open.push(repo);
    const other = await openRepo(repo.path);
    open.push(other);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => recordRun(i % 2 === 0 ? repo : other, 'busy', { run: { i }, outputLog: `${i}\n` })),
    );
    const runs = await readRuns(repo, 'busy');
    expect(runs).toHaveLength(12);
    expect(new Set(runs.map((r) => r.run?.i))).toEqual(new Set(Array.from({ length: 12 }, (_, i) => i)));
    expect(runs.map((r) => r.attempt)).toEqual(Array.from({ length: 12 }, (_, i) => 12 - i));
    expect(new Set(results.map((r) => r.commit)).size).toBe(12);
  });
});
