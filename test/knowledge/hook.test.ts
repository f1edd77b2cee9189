import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git } from '../../src/git/exec.js';
import { approveLesson } from '../../src/knowledge/approve.js';
import { proposeLesson } from '../../src/knowledge/propose.js';
import { verifyKnowledge } from '../../src/knowledge/verify.js';
import { tempDir } from '../support/tmp.js';
import { HOOK_SCRIPT, installGuard, lessonText, makeKnowledgeRepo, personGit, revParse, writeAndCommit } from './support.js';

/**
 * The shipped reference-transaction hook, run by real git: main moves only
 * along reviewed merges, whatever the git command.
 */

async function guardedRepo(reviewers = ['alice']): Promise<{ repo: string; root: string }> {
  const repo = await makeKnowledgeRepo(reviewers);
  await installGuard(repo);
  return { repo, root: await revParse(repo, 'main') };
}

/** A branch with one lesson commit on main, made by a person. */
async function personBranch(repo: string, name: string, files: Record<string, string>): Promise<void> {
  await personGit(repo, ['checkout', '-q', '-b', name, 'main']);
  expect((await writeAndCommit(repo, files, `add ${name}`)).exitCode).toBe(0);
  await personGit(repo, ['checkout', '-q', 'main']);
}

describe('reference-transaction guard', () => {
  it('refuses a plain git commit on main', async () => {
    const { repo, root } = await guardedRepo();
    const result = await writeAndCommit(repo, { 'lessons/direct.md': lessonText({ id: 'direct', project: 'api' }) }, 'direct');
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('orch: refusing to update refs/heads/main');
    expect(await revParse(repo, 'main')).toBe(root);
  });

  it('lets a person make a reviewed --no-ff merge, with or without an address in the trailer', async () => {
    const { repo } = await guardedRepo(['alice']);
    await personBranch(repo, 'feature', { 'lessons/by-hand.md': lessonText({ id: 'by-hand', project: 'api' }) });
    const merged = await personGit(repo, ['merge', '-q', '--no-ff', 'feature', '-m', 'Merge by hand\n\nReviewed-by: alice <alice@example.com>']);
    expect(merged.exitCode).toBe(0);
    expect((await verifyKnowledge(repo)).ok).toBe(true);
  });

  it('refuses a merge reviewed by someone not listed, or with no trailer', async () => {
    const { repo, root } = await guardedRepo(['alice']);
    await personBranch(repo, 'feature', { 'lessons/x.md': lessonText({ id: 'x', project: 'api' }) });
    for (const message of ['Merge\n\nReviewed-by: mallory', 'Merge without review', 'Merge\n\nReviewed-by: alice is mentioned here but not as a trailer\n\nSigned-off-by: bob']) {
      const result = await personGit(repo, ['merge', '-q', '--no-ff', 'feature', '-m', message], { reject: false });
      expect(result.exitCode).not.toBe(0);
      await personGit(repo, ['merge', '--abort'], { reject: false });
      expect(await revParse(repo, 'main')).toBe(root);
    }
  });

  it('refuses a merge that adds its own reviewer: the first parent decides who may review', async () => {
    const { repo, root } = await guardedRepo(['alice']);
    await personBranch(repo, 'takeover', { 'reviewers.txt': 'alice\nmallory\n' });
    const result = await personGit(repo, ['merge', '-q', '--no-ff', 'takeover', '-m', 'Merge\n\nReviewed-by: mallory'], { reject: false });
    expect(result.exitCode).not.toBe(0);
    expect(await revParse(repo, 'main')).toBe(root);
  });

  it('refuses a fast-forward to an unreviewed commit, a rewind, and deleting main', async () => {
    const { repo, root } = await guardedRepo();
    await personBranch(repo, 'plain', { 'lessons/ff.md': lessonText({ id: 'ff', project: 'api' }) });
    expect((await personGit(repo, ['merge', '-q', '--ff-only', 'plain'], { reject: false })).exitCode).not.toBe(0);
    expect((await personGit(repo, ['update-ref', 'refs/heads/main', 'plain'], { reject: false })).exitCode).not.toBe(0);
    expect(await revParse(repo, 'main')).toBe(root);
    // After a reviewed merge, going back is refused too.
    await personBranch(repo, 'good', { 'lessons/good.md': lessonText({ id: 'good', project: 'api' }) });
    await personGit(repo, ['merge', '-q', '--no-ff', 'good', '-m', 'Merge\n\nReviewed-by: alice']);
    const merged = await revParse(repo, 'main');
    expect((await personGit(repo, ['reset', '-q', '--hard', root], { reject: false })).exitCode).not.toBe(0);
    expect((await personGit(repo, ['update-ref', '-d', 'refs/heads/main'], { reject: false })).exitCode).not.toBe(0);
    expect(await revParse(repo, 'main')).toBe(merged);
  });

  it('refuses a force-push to main of a guarded remote, and accepts a pushed reviewed merge', async () => {
    const { repo } = await guardedRepo();
    const remote = join(await tempDir(), 'remote.git');
    await git(repo, ['clone', '-q', '--bare', repo, remote]);
    await installGuard(remote);
    const clone = join(await tempDir(), 'clone');
    await git(repo, ['clone', '-q', remote, clone]);
    // A rewritten history (a new root) pushed with --force.
    await personGit(clone, ['checkout', '-q', '--orphan', 'rewrite']);
    await writeAndCommit(clone, { 'reviewers.txt': 'mallory\n', 'lessons/evil.md': lessonText({ id: 'evil', project: 'api' }) }, 'new root', { hooks: false });
    const forced = await personGit(clone, ['push', '-q', '--force', 'origin', 'rewrite:main'], { reject: false });
    expect(forced.exitCode).not.toBe(0);
    expect(forced.stderr).toContain('orch: refusing to update refs/heads/main');
    // A reviewed merge goes through.
    await personGit(clone, ['checkout', '-q', 'main']);
    await personBranch(clone, 'pr-1', { 'lessons/pr.md': lessonText({ id: 'pr', project: 'api' }) });
    await personGit(clone, ['merge', '-q', '--no-ff', 'pr-1', '-m', 'Merge pull request #1\n\nReviewed-by: alice'], { hooks: false });
    expect((await personGit(clone, ['push', '-q', 'origin', 'main'], { reject: false })).exitCode).toBe(0);
    expect(await revParse(remote, 'main')).toBe(await revParse(clone, 'main'));
  });

  it('leaves other refs alone and does not break pack-refs or gc', async () => {
    const { repo, root } = await guardedRepo();
    await proposeLesson(repo, { content: lessonText({ id: 'p', project: 'api' }) });
    expect((await personGit(repo, ['branch', 'scratch', root], { reject: false })).exitCode).toBe(0);
    expect((await personGit(repo, ['branch', '-D', 'scratch'], { reject: false })).exitCode).toBe(0);
    expect((await personGit(repo, ['tag', 'v1'], { reject: false })).exitCode).toBe(0);
    expect((await personGit(repo, ['pack-refs', '--all'], { reject: false })).exitCode).toBe(0);
    await approveLesson(repo, 'api/p', { as: 'alice' });
    expect((await personGit(repo, ['gc', '-q'], { reject: false })).exitCode).toBe(0);
    expect((await git(repo, ['for-each-ref', '--format=%(refname)', 'refs/heads/'])).stdout.trim()).toBe('refs/heads/main');
    expect((await verifyKnowledge(repo)).ok).toBe(true);
  });

  it('is what orch itself passes through when it approves', async () => {
    const { repo } = await guardedRepo();
    // Wrap the guard so the test can see it ran and what it was asked.
    const gitDir = (await git(repo, ['rev-parse', '--absolute-git-dir'])).stdout.trim();
    const log = join(gitDir, 'guard.log');
    const hook = join(gitDir, 'hooks', 'reference-transaction');
    await writeFile(hook, `#!/bin/sh\nin=$(cat)\nprintf '%s %s\\n' "$1" "$in" >> '${log}'\nprintf '%s\\n' "$in" | sh '${HOOK_SCRIPT}' "$@"\n`);
    await chmod(hook, 0o755);
    await proposeLesson(repo, { content: lessonText({ id: 'seen', project: 'api' }) });
    const result = await approveLesson(repo, 'api/seen', { as: 'alice' });
    const seen = await readFile(log, 'utf8');
    expect(seen).toContain(`prepared `);
    expect(seen).toContain(`${result.merge} refs/heads/main`);
  });
});
