import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { notifyTargetOf, parseHookNotice, triggersDirOf } from '../../../src/engine/triggers/hook-notice.js';
import { readRepoLayout, watchTargetsFor } from '../../../src/engine/triggers/watch-targets.js';
import { git } from '../../../src/git/exec.js';
import { isNotifyTarget } from '../../../src/git/hooks-config.js';
import { makeRepo } from '../../support/git-repo.js';
import { tempDir } from '../../support/tmp.js';

describe('watch targets', () => {
  it('watches the branch ref dir, logs/, the git dir and .agents/beads; names are filtered', () => {
    const targets = watchTargetsFor({ worktree: '/w', gitDir: '/w/.git', commonDir: '/w/.git' }, 'feature/x');
    expect(targets.map((t) => t.dir)).toEqual(['/w/.git/refs/heads/feature', '/w/.git/logs', '/w/.git', '/w/.agents/beads']);
    const [ref, logs, common, beads] = targets;
    expect([ref!.accepts('x'), ref!.accepts('x.lock'), ref!.accepts('y')]).toEqual([true, false, false]);
    expect([logs!.accepts('HEAD'), logs!.accepts('refs')]).toEqual([true, false]);
    expect([common!.accepts('packed-refs'), common!.accepts('index.lock'), common!.accepts('')]).toEqual([true, false, false]);
    expect([beads!.accepts('api-1.md'), beads!.accepts('.api-1.md.swp')]).toEqual([true, false]);
  });

  it('refuses a branch name that would leave refs/heads', () => {
    const layout = { worktree: '/w', gitDir: '/w/.git', commonDir: '/w/.git' };
    for (const bad of ['', '../../x', 'a//b', 'a/./b']) expect(() => watchTargetsFor(layout, bad)).toThrow(expect.objectContaining({ code: 'REF_INVALID' }));
  });

  it('reads the layout of a linked worktree and of a bare repo', async () => {
    const repo = await makeRepo();
    const wt = join(await tempDir('orch-wt-'), 'wt');
    await git(repo, ['worktree', 'add', '-q', '-b', 'side', wt]);
    const layout = await readRepoLayout(wt);
    expect(layout).toEqual({ worktree: wt, gitDir: join(repo, '.git', 'worktrees', 'wt'), commonDir: join(repo, '.git') });
    const bare = await tempDir('orch-bare-');
    await git(bare, ['init', '-q', '--bare']);
    expect(await readRepoLayout(bare)).toEqual({ worktree: undefined, gitDir: bare, commonDir: bare });
    await expect(readRepoLayout(await tempDir('orch-none-'))).rejects.toMatchObject({ code: 'NOT_A_REPO' });
  });
});

describe('hook notices', () => {
  it('names trigger paths the shipped hooks accept, and parses notices', () => {
    const target = notifyTargetOf('/ws/.orch/run', 'api');
    expect(target).toBe('/ws/.orch/run/triggers/api');
    expect(isNotifyTarget(target)).toBe(true);
    expect(isNotifyTarget(notifyTargetOf('/ws/.orch/run', '_knowledge'))).toBe(true);
    expect(triggersDirOf('/ws/.orch/run')).toBe('/ws/.orch/run/triggers');
    expect(() => notifyTargetOf('/ws/.orch/run', '../x')).toThrow();
    expect(parseHookNotice('api.post-commit')).toEqual({ key: 'api', hook: 'post-commit' });
    expect(parseHookNotice('_knowledge.post-merge')).toEqual({ key: '_knowledge', hook: 'post-merge' });
    for (const junk of ['api', '.api.post-commit.swp', 'api.post-commit.tmp', 'a b.post-commit', 'api.Post']) expect(parseHookNotice(junk)).toBeUndefined();
  });
});
