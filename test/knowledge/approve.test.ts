import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, ORCH_IDENTITY } from '../../src/git/exec.js';
import { approveLesson } from '../../src/knowledge/approve.js';
import { proposeLesson } from '../../src/knowledge/propose.js';
import { listRejections, rejectLesson } from '../../src/knowledge/reject.js';
import { verifyKnowledge } from '../../src/knowledge/verify.js';
import { installGuard, lessonText, makeKnowledgeRepo, revParse } from './support.js';

async function parents(repo: string, rev: string): Promise<string[]> {
  return (await git(repo, ['rev-list', '--parents', '-n', '1', rev])).stdout.trim().split(' ').slice(1);
}

async function refExists(repo: string, ref: string): Promise<boolean> {
  return (await git(repo, ['rev-parse', '--verify', '--quiet', ref], { reject: false })).exitCode === 0;
}

describe('approveLesson', () => {
  it('merges the proposal --no-ff onto main with Reviewed-by, deletes the branch, and passes the guard', async () => {
    const repo = await makeKnowledgeRepo(['alice']);
    await installGuard(repo);
    const before = await revParse(repo, 'main');
    const proposal = await proposeLesson(repo, { content: lessonText({ id: 'pin-lockfile', title: 'Pin the lockfile', project: 'api' }) });
    const result = await approveLesson(repo, 'pin-lockfile', { as: 'alice' });
    expect(result).toMatchObject({ id: 'api/pin-lockfile', reviewer: 'alice', previousMain: before, checkout: 'synced' });
    expect(await revParse(repo, 'main')).toBe(result.merge);
    expect(await parents(repo, 'main')).toEqual([before, proposal.commit]);
    const message = (await git(repo, ['log', '-1', '--format=%B', 'main'])).stdout;
    expect(message).toContain('Merge lesson pin-lockfile from api\n\nPin the lockfile\n\nReviewed-by: alice\n');
    expect((await git(repo, ['log', '-1', '--format=%(trailers:key=Reviewed-by,valueonly)', 'main'])).stdout.trim()).toBe('alice');
    expect(await refExists(repo, 'refs/heads/proposals/api/pin-lockfile')).toBe(false);
    // The checkout of main came along: the lesson is in the work tree and nothing is dirty.
    expect(await readFile(join(repo, 'lessons/pin-lockfile.md'), 'utf8')).toContain('id: pin-lockfile');
    expect((await git(repo, ['status', '--porcelain'])).stdout).toBe('');
    expect(await verifyKnowledge(repo)).toMatchObject({ ok: true, merges: 1 });
  });

  it('refuses a reviewer who is not listed, and leaves everything as it was', async () => {
    const repo = await makeKnowledgeRepo(['alice']);
    const main = await revParse(repo, 'main');
    await proposeLesson(repo, { content: lessonText({ id: 'l1', project: 'api' }) });
    await expect(approveLesson(repo, 'api/l1', { as: 'mallory' })).rejects.toMatchObject({ code: 'REVIEWER_UNKNOWN' });
    await expect(approveLesson(repo, 'api/l1', { as: 'not a name' })).rejects.toMatchObject({ code: 'USAGE' });
    expect(await revParse(repo, 'main')).toBe(main);
    expect(await refExists(repo, 'refs/heads/proposals/api/l1')).toBe(true);
  });

  it('says LESSON_NOT_FOUND for an unknown proposal', async () => {
    const repo = await makeKnowledgeRepo();
    await expect(approveLesson(repo, 'api/nope', { as: 'alice' })).rejects.toMatchObject({ code: 'LESSON_NOT_FOUND' });
  });

  it('re-checks a proposal branch someone pushed to: extra files or a secret are refused', async () => {
    const repo = await makeKnowledgeRepo(['alice']);
    const proposal = await proposeLesson(repo, { content: lessonText({ id: 'sneaky', project: 'api' }) });
    // Someone adds themselves as a reviewer on the proposal branch.
    const worktree = join(repo, '..', 'wt');
    await git(repo, ['worktree', 'add', '-q', worktree, proposal.branch]);
    await writeFile(join(worktree, 'reviewers.txt'), 'alice\nmallory\n');
    await git(worktree, ['commit', '-q', '-am', 'add mallory'], { env: ORCH_IDENTITY });
    await expect(approveLesson(repo, 'api/sneaky', { as: 'alice' })).rejects.toMatchObject({ code: 'LESSON_REFUSED' });
    // Or puts a secret in the lesson after it was checked.
    await git(worktree, ['reset', '-q', '--hard', proposal.commit]);
    await writeFile(join(worktree, 'lessons/sneaky.md'), lessonText({ id: 'sneaky', project: 'api', body: `Use ${'ghp'}_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}.` }));
    await git(worktree, ['commit', '-q', '-am', 'token'], { env: ORCH_IDENTITY });
    await expect(approveLesson(repo, 'api/sneaky', { as: 'alice' })).rejects.toMatchObject({ code: 'LESSON_REFUSED' });
    expect((await verifyKnowledge(repo)).ok).toBe(true);
    expect((await git(repo, ['rev-list', '--count', 'main'])).stdout.trim()).toBe('1');
  });

  it('approves a proposal made on an older main (main moved since)', async () => {
    const repo = await makeKnowledgeRepo(['alice']);
    await proposeLesson(repo, { content: lessonText({ id: 'first', project: 'api' }) });
    await proposeLesson(repo, { content: lessonText({ id: 'second', project: 'web' }) });
    await approveLesson(repo, 'first', { as: 'alice' });
    const result = await approveLesson(repo, 'second', { as: 'alice' });
    expect((await git(repo, ['ls-tree', '--name-only', 'main', 'lessons/'])).stdout).toBe('lessons/first.md\nlessons/second.md\n');
    expect(result.checkout).toBe('synced');
    expect(await verifyKnowledge(repo)).toMatchObject({ ok: true, merges: 2 });
  });

  it('two approvals at the same moment both land, one after the other (compare-and-swap, then retry)', async () => {
    const repo = await makeKnowledgeRepo(['alice', 'bob']);
    await installGuard(repo);
    await proposeLesson(repo, { content: lessonText({ id: 'race-a', project: 'api' }) });
    await proposeLesson(repo, { content: lessonText({ id: 'race-b', project: 'web' }) });
    const [a, b] = await Promise.all([approveLesson(repo, 'race-a', { as: 'alice' }), approveLesson(repo, 'race-b', { as: 'bob' })]);
    const log = (await git(repo, ['log', '--first-parent', '--format=%H', 'main'])).stdout.trim().split('\n');
    expect(log).toHaveLength(3);
    expect(new Set(log.slice(0, 2))).toEqual(new Set([a.merge, b.merge]));
    expect(await verifyKnowledge(repo, { incremental: false })).toMatchObject({ ok: true, merges: 2 });
    // The same proposal approved twice at once lands once.
    await proposeLesson(repo, { content: lessonText({ id: 'twice', project: 'api' }) });
    const results = await Promise.allSettled([approveLesson(repo, 'api/twice', { as: 'alice' }), approveLesson(repo, 'api/twice', { as: 'bob' })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await git(repo, ['rev-list', '--count', '--first-parent', 'main'])).stdout.trim()).toBe('4');
  });

  it("brings a checkout of main along without touching a person's uncommitted work", async () => {
    const repo = await makeKnowledgeRepo(['alice']);
    await writeFile(join(repo, 'README.md'), 'my local notes\n');
    await proposeLesson(repo, { content: lessonText({ id: 'along', project: 'api' }) });
    expect((await approveLesson(repo, 'along', { as: 'alice' })).checkout).toBe('synced');
    expect(await readFile(join(repo, 'README.md'), 'utf8')).toBe('my local notes\n');
    expect(await readFile(join(repo, 'lessons/along.md'), 'utf8')).toContain('id: along');
    // An untracked file where the new lesson goes: main moves, the file stays, the checkout is left behind.
    await writeFile(join(repo, 'lessons/mine.md'), 'my draft\n');
    await proposeLesson(repo, { content: lessonText({ id: 'mine', project: 'api' }) });
    const result = await approveLesson(repo, 'mine', { as: 'alice' });
    expect(result.checkout).toBe('left-behind');
    expect(await revParse(repo, 'main')).toBe(result.merge);
    expect(await readFile(join(repo, 'lessons/mine.md'), 'utf8')).toBe('my draft\n');
  });

  it('works on a bare knowledge repo (no checkout needed)', async () => {
    const repo = await makeKnowledgeRepo(['alice']);
    const bare = `${repo}-bare.git`;
    await git(repo, ['clone', '-q', '--bare', repo, bare]);
    await git(bare, ['config', 'orch.root', await revParse(repo, 'main')]);
    await installGuard(bare);
    await proposeLesson(bare, { content: lessonText({ id: 'bare', project: 'api' }) });
    const result = await approveLesson(bare, 'api/bare', { as: 'alice' });
    expect(result.checkout).toBe('none');
    expect(await verifyKnowledge(bare)).toMatchObject({ ok: true, merges: 1 });
  });

  it('refuses to approve on top of an unverified main', async () => {
    const repo = await makeKnowledgeRepo(['alice']);
    await proposeLesson(repo, { content: lessonText({ id: 'late', project: 'api' }) });
    await writeFile(join(repo, 'note.md'), 'unreviewed\n');
    await git(repo, ['add', 'note.md']);
    await git(repo, ['commit', '-q', '-m', 'direct'], { env: ORCH_IDENTITY });
    await expect(approveLesson(repo, 'api/late', { as: 'alice' })).rejects.toMatchObject({ code: 'KNOWLEDGE_UNVERIFIED' });
  });
});

describe('rejectLesson', () => {
  it('removes the branch and keeps a record that still reaches the proposal', async () => {
    const repo = await makeKnowledgeRepo(['alice']);
    const main = await revParse(repo, 'main');
    const first = await proposeLesson(repo, { content: lessonText({ id: 'meh', project: 'api' }) });
    const rejection = await rejectLesson(repo, 'api/meh', { as: 'alice', reason: 'Too vague:\n  say which command.' });
    expect(rejection).toMatchObject({ id: 'api/meh', proposal: first.commit, by: 'alice', reason: 'Too vague: say which command.' });
    expect(await refExists(repo, 'refs/heads/proposals/api/meh')).toBe(false);
    expect(await revParse(repo, 'main')).toBe(main);
    expect((await git(repo, ['show', `${first.commit}:lessons/meh.md`])).stdout).toContain('id: meh');
    // The same slug can be proposed again, and rejected again: the log keeps both, newest first.
    const second = await proposeLesson(repo, { content: lessonText({ id: 'meh', project: 'api', body: 'Better wording.' }) });
    await rejectLesson(repo, 'meh', { reason: 'still no' });
    const log = await listRejections(repo);
    expect(log.map((r) => [r.id, r.proposal, r.reason])).toEqual([
      ['api/meh', second.commit, 'still no'],
      ['api/meh', first.commit, 'Too vague: say which command.'],
    ]);
    // gc keeps the rejected proposals: they are reachable from refs/orch/rejections.
    await git(repo, ['gc', '-q', '--prune=now']);
    expect((await git(repo, ['cat-file', '-t', first.commit])).stdout.trim()).toBe('commit');
    expect((await verifyKnowledge(repo)).ok).toBe(true);
  });

  it('signed --as someone not listed on main is refused, and nothing is removed or recorded', async () => {
    const repo = await makeKnowledgeRepo(['alice']);
    await proposeLesson(repo, { content: lessonText({ id: 'forged', project: 'api' }) });
    await expect(rejectLesson(repo, 'api/forged', { as: 'mallory', reason: 'no' })).rejects.toMatchObject({ code: 'REVIEWER_UNKNOWN' });
    await expect(rejectLesson(repo, 'api/forged', { as: '-x', reason: 'no' })).rejects.toMatchObject({ code: 'USAGE' });
    expect(await refExists(repo, 'refs/heads/proposals/api/forged')).toBe(true);
    expect(await listRejections(repo)).toEqual([]);
  });

  it('needs a reason', async () => {
    const repo = await makeKnowledgeRepo();
    await proposeLesson(repo, { content: lessonText({ id: 'r', project: 'api' }) });
    await expect(rejectLesson(repo, 'api/r', { reason: '  ' })).rejects.toMatchObject({ code: 'USAGE' });
  });
});
