import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git } from '../../src/git/exec.js';
import { renderLessons } from '../../src/knowledge/render.js';
import { verifyKnowledge } from '../../src/knowledge/verify.js';
import { tempDir } from '../support/tmp.js';
import { installGuard, lessonText, makeKnowledgeRepo, personGit, revParse, writeAndCommit } from './support.js';

/**
 * A knowledge repo that lives on a forge: the remote is a bare repo, a pull
 * request is merged elsewhere with the Reviewed-by trailer in its merge
 * commit, and the local knowledge repo catches up with `git pull`.
 */

async function forgeSetup(): Promise<{ local: string; remote: string; contributor: string }> {
  const local = await makeKnowledgeRepo(['alice']);
  const remote = join(await tempDir(), 'knowledge.git');
  await git(local, ['clone', '-q', '--bare', local, remote]);
  await git(local, ['remote', 'add', 'origin', remote]);
  await git(local, ['fetch', '-q', 'origin']);
  await git(local, ['branch', '-q', '--set-upstream-to=origin/main', 'main']);
  const contributor = join(await tempDir(), 'contributor');
  await git(local, ['clone', '-q', remote, contributor]);
  return { local, remote, contributor };
}

/** What a forge does when a pull request is merged: a --no-ff merge commit carrying the message the reviewer wrote. */
async function mergePullRequest(clone: string, branch: string, files: Record<string, string>, message: string): Promise<void> {
  await personGit(clone, ['checkout', '-q', '-b', branch, 'main']);
  await writeAndCommit(clone, files, `add ${branch}`);
  await personGit(clone, ['checkout', '-q', 'main']);
  await personGit(clone, ['merge', '-q', '--no-ff', branch, '-m', message]);
  await personGit(clone, ['push', '-q', 'origin', 'main']);
}

describe('knowledge repo on a forge', () => {
  it('a merged pull request whose merge commit carries Reviewed-by verifies after git pull, and is injected', async () => {
    const { local, contributor } = await forgeSetup();
    await mergePullRequest(
      contributor,
      'pr-7',
      { 'lessons/use-ci.md': lessonText({ id: 'use-ci', title: 'Use npm ci in CI', project: 'api' }) },
      'Merge pull request #7 from contributor/pr-7\n\nUse npm ci in CI\n\nReviewed-by: alice <alice@example.com>',
    );
    await installGuard(local);
    const pulled = await personGit(local, ['pull', '-q', '--ff-only'], { reject: false });
    expect(pulled.exitCode).toBe(0);
    expect(await revParse(local, 'main')).toBe(await revParse(contributor, 'main'));
    expect(await verifyKnowledge(local)).toMatchObject({ ok: true, merges: 1 });
    expect((await renderLessons(local, 'web')).included).toEqual(['use-ci']);
  });

  it('an unreviewed commit pushed to the forge fails verify once pulled, and the guard refuses the pull', async () => {
    const { local, contributor } = await forgeSetup();
    await writeAndCommit(contributor, { 'lessons/evil.md': lessonText({ id: 'evil', project: 'api' }) }, 'direct push');
    await personGit(contributor, ['push', '-q', 'origin', 'main']);
    const pushed = await revParse(contributor, 'main');
    // With the guard installed, the pull cannot move main.
    await installGuard(local);
    const before = await revParse(local, 'main');
    const guarded = await personGit(local, ['pull', '-q', '--ff-only'], { reject: false });
    expect(guarded.exitCode).not.toBe(0);
    expect(await revParse(local, 'main')).toBe(before);
    // Without it (hooks off), the pull goes through, and verify catches it.
    await git(local, ['pull', '-q', '--ff-only']);
    expect(await revParse(local, 'main')).toBe(pushed);
    const result = await verifyKnowledge(local);
    expect(result).toMatchObject({ ok: false, commit: pushed });
    await expect(renderLessons(local, 'api')).rejects.toMatchObject({ code: 'KNOWLEDGE_UNVERIFIED' });
  });

  it('a fresh clone (no pinned root) verifies the same way', async () => {
    const { remote, contributor } = await forgeSetup();
    await mergePullRequest(contributor, 'pr-1', { 'lessons/a.md': lessonText({ id: 'a', project: 'api' }) }, 'Merge pull request #1\n\nReviewed-by: alice');
    const fresh = join(await tempDir(), 'fresh');
    await git(remote, ['clone', '-q', remote, fresh]);
    expect(await verifyKnowledge(fresh)).toMatchObject({ ok: true, merges: 1 });
  });
});
