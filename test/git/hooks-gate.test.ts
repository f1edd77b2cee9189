import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, resolveCommit } from '../../src/git/exec.js';
import { KNOWLEDGE_HOOK_NAMES, shippedHookSpecs } from '../../src/git/hooks-shipped.js';
import { installHooks, uninstallHooks } from '../../src/git/hooks.js';
import { makeRepo } from '../support/git-repo.js';
import { tempDir } from '../support/tmp.js';
import { commitWithHooks, snapshotDir, writeHook } from './hooks-support.js';

/** reference-transaction: its exit code matters, so the chained hook and orch's body must both pass. */
describe('gate hooks (reference-transaction)', () => {
  async function setup(): Promise<{ repo: string; log: string; head: string }> {
    const repo = await makeRepo();
    const log = join(repo, '.git', 'ref.log');
    const dir = await tempDir('orch-body-');
    const body = join(dir, 'reference-transaction');
    await writeFile(
      body,
      `#!/bin/sh
[ "$1" = prepared ] || exit 0
while read -r old new ref; do
  echo "body $ref" >>"${log}"
  [ "$ref" = refs/heads/guarded ] && { echo "guard: no" >&2; exit 1; }
done
exit 0
`,
    );
    await writeHook(
      join(repo, '.git', 'hooks', 'reference-transaction'),
      `#!/bin/sh
[ "$1" = prepared ] || exit 0
while read -r old new ref; do
  echo "chained $ref" >>"${log}"
  [ "$ref" = refs/heads/blocked ] && exit 7
done
exit 0
`,
    );
    const report = await installHooks(repo, { hooks: [{ name: 'reference-transaction', scriptPath: body }] });
    expect(report.chained).toEqual(['reference-transaction']);
    const head = (await git(repo, ['rev-parse', 'HEAD'])).stdout.trim();
    await writeFile(log, '');
    return { repo, log, head };
  }

  it('aborts the update when the chained hook fails, before orch body runs', async () => {
    const { repo, log, head } = await setup();
    const result = await git(repo, ['update-ref', 'refs/heads/blocked', head], { hooks: true, reject: false });
    expect(result.exitCode).not.toBe(0);
    expect(await resolveCommit(repo, 'refs/heads/blocked')).toBeUndefined();
    expect(await readFile(log, 'utf8')).toBe('chained refs/heads/blocked\n');
  });

  it("aborts the update when orch's body fails, after the chained hook saw the same stdin", async () => {
    const { repo, log, head } = await setup();
    const result = await git(repo, ['update-ref', 'refs/heads/guarded', head], { hooks: true, reject: false });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('guard: no');
    expect(await resolveCommit(repo, 'refs/heads/guarded')).toBeUndefined();
    expect(await readFile(log, 'utf8')).toBe('chained refs/heads/guarded\nbody refs/heads/guarded\n');
  });

  it('lets other updates through, both hooks seeing each one', async () => {
    const { repo, log, head } = await setup();
    await git(repo, ['update-ref', 'refs/heads/free', head], { hooks: true });
    expect(await resolveCommit(repo, 'refs/heads/free')).toBe(head);
    expect(await readFile(log, 'utf8')).toBe('chained refs/heads/free\nbody refs/heads/free\n');
  });

  it('installs the shipped knowledge guard around an existing hook; a plain commit on main is refused', async () => {
    const repo = await makeRepo();
    const hooksDir = join(repo, '.git', 'hooks');
    const log = join(repo, '.git', 'chained.log');
    await writeHook(join(hooksDir, 'reference-transaction'), `#!/bin/sh\ncat >>"${log}"\n`);
    const before = await snapshotDir(hooksDir);
    await installHooks(repo, { hooks: shippedHookSpecs(KNOWLEDGE_HOOK_NAMES) });
    const main = (await git(repo, ['rev-parse', 'main'])).stdout.trim();

    await writeFile(join(repo, 'lesson.md'), 'unreviewed\n');
    await git(repo, ['add', 'lesson.md']);
    const refused = await git(repo, ['commit', '-q', '-m', 'sneak'], { hooks: true, reject: false, env: { GIT_AUTHOR_NAME: 'a', GIT_AUTHOR_EMAIL: 'a@b', GIT_COMMITTER_NAME: 'a', GIT_COMMITTER_EMAIL: 'a@b' } });
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain('refusing to update refs/heads/main');
    expect((await git(repo, ['rev-parse', 'main'])).stdout.trim()).toBe(main);
    expect(await readFile(log, 'utf8')).toContain('refs/heads/main');

    await git(repo, ['checkout', '-q', '-b', 'proposals/api/x'], { hooks: true });
    await commitWithHooks(repo, { 'lesson.md': 'proposal\n' }, 'proposal');
    expect(await resolveCommit(repo, 'proposals/api/x')).not.toBe(main);

    await uninstallHooks(repo);
    expect(await snapshotDir(hooksDir)).toEqual(before);
  });
});
