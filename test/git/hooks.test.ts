import { lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git } from '../../src/git/exec.js';
import { listNotifyTargets } from '../../src/git/hooks-config.js';
import { PROJECT_HOOK_NAMES, shippedHookSpecs } from '../../src/git/hooks-shipped.js';
import { inspectHooks } from '../../src/git/hooks-inspect.js';
import { installHooks, uninstallHooks } from '../../src/git/hooks.js';
import { run } from '../../src/sys/process.js';
import { makeRepo, PERSON } from '../support/git-repo.js';
import { commitWithHooks, makeTriggerTarget, snapshotDir, writeHook } from './hooks-support.js';

const PROJECT_HOOKS = shippedHookSpecs(PROJECT_HOOK_NAMES);

describe('installHooks / uninstallHooks', () => {
  it('installs the four notify hooks, records the notify target, and a commit touches the trigger file', async () => {
    const repo = await makeRepo();
    const { triggers, target } = await makeTriggerTarget('api');
    const report = await installHooks(repo, { hooks: PROJECT_HOOKS, notifyTarget: target });
    expect(report.installed.sort()).toEqual([...PROJECT_HOOK_NAMES].sort());
    expect(report.chained).toEqual([]);
    expect(report.hooksDir).toBe(join(repo, '.git', 'hooks'));
    for (const name of PROJECT_HOOK_NAMES) {
      const info = await stat(join(repo, '.git', 'hooks', name));
      expect(info.mode & 0o111).not.toBe(0);
    }
    expect(await listNotifyTargets(repo)).toEqual([target]);

    await commitWithHooks(repo, { '.agents/beads/api-1.md': 'x\n' });
    expect(await readdir(triggers)).toEqual(['api.post-commit']);
    await git(repo, ['checkout', '-q', '-b', 'other'], { hooks: true });
    expect((await readdir(triggers)).sort()).toEqual(['api.post-checkout', 'api.post-commit']);
  });

  it('with no watcher running, commits succeed and leave nothing behind', async () => {
    const repo = await makeRepo();
    const { workspace, target } = await makeTriggerTarget('api', { watcherRunning: false });
    await installHooks(repo, { hooks: PROJECT_HOOKS, notifyTarget: target });
    const hooksBefore = await snapshotDir(join(repo, '.git', 'hooks'));
    for (let i = 0; i < 3; i++) await commitWithHooks(repo, { [`f${i}.txt`]: `${i}\n` });
    await commitWithHooks(repo, {}, 'amend', ['--amend']);
    expect(await readdir(workspace)).toEqual([]);
    expect((await git(repo, ['status', '--porcelain'])).stdout).toBe('');
    expect(await snapshotDir(join(repo, '.git', 'hooks'))).toEqual(hooksBefore);
    expect((await git(repo, ['rev-list', '--count', 'HEAD'])).stdout.trim()).toBe('4');
  });

  it('is idempotent, and uninstall leaves the hooks dir exactly as it was', async () => {
    const repo = await makeRepo();
    const { target } = await makeTriggerTarget();
    const hooksDir = join(repo, '.git', 'hooks');
    const before = await snapshotDir(hooksDir);
    await installHooks(repo, { hooks: PROJECT_HOOKS, notifyTarget: target });
    const once = await snapshotDir(hooksDir);
    const again = await installHooks(repo, { hooks: PROJECT_HOOKS, notifyTarget: target });
    expect(again.installed).toEqual([]);
    expect(again.unchanged.sort()).toEqual([...PROJECT_HOOK_NAMES].sort());
    expect(await snapshotDir(hooksDir)).toEqual(once);
    expect(await listNotifyTargets(repo)).toEqual([target]);

    const removed = await uninstallHooks(repo);
    expect(removed.removed.sort()).toEqual([...PROJECT_HOOK_NAMES].sort());
    expect(await snapshotDir(hooksDir)).toEqual(before);
    expect(await listNotifyTargets(repo)).toEqual([]);
    expect((await git(repo, ['config', '--local', '--get-regexp', '^orch\\.'], { reject: false })).exitCode).toBe(1);
  });

  it('chains an existing hook: it runs first with its args and $0, and uninstall restores it byte for byte (same inode)', async () => {
    const repo = await makeRepo();
    const { triggers, target } = await makeTriggerTarget();
    const hook = join(repo, '.git', 'hooks', 'post-checkout');
    const log = join(repo, '.git', 'original.log');
    await writeHook(hook, `#!/bin/sh\necho "ran \${0##*/} $*" >>"${log}"\n`, 0o750);
    const original = await lstat(hook);
    const report = await installHooks(repo, { hooks: PROJECT_HOOKS, notifyTarget: target });
    expect(report.chained).toEqual(['post-checkout']);
    expect(await readFile(`${hook}.orch-chained`, 'utf8')).toContain('ran');

    await git(repo, ['checkout', '-q', '-b', 'side'], { hooks: true });
    const head = (await git(repo, ['rev-parse', 'HEAD'])).stdout.trim();
    expect(await readFile(log, 'utf8')).toBe(`ran post-checkout ${head} ${head} 1\n`);
    expect(await readdir(triggers)).toEqual(['api.post-checkout']);

    const undo = await uninstallHooks(repo);
    expect(undo.restored).toEqual(['post-checkout']);
    const restored = await lstat(hook);
    expect(restored.ino).toBe(original.ino);
    expect(restored.mode).toBe(original.mode);
    expect(await readFile(hook, 'utf8')).toBe(`#!/bin/sh\necho "ran \${0##*/} $*" >>"${log}"\n`);
    expect((await readdir(join(repo, '.git', 'hooks'))).filter((n) => !n.endsWith('.sample'))).toEqual(['post-checkout']);
  });

  it('passes stdin to a chained post-rewrite hook and its exit code through', async () => {
    const repo = await makeRepo();
    const { triggers, target } = await makeTriggerTarget();
    const hook = join(repo, '.git', 'hooks', 'post-rewrite');
    const seen = join(repo, '.git', 'rewrite.log');
    await writeHook(hook, `#!/bin/sh\necho "$1" >"${seen}"\ncat >>"${seen}"\nexit 3\n`);
    await installHooks(repo, { hooks: PROJECT_HOOKS, notifyTarget: target });
    const old = (await git(repo, ['rev-parse', 'HEAD'])).stdout.trim();
    await commitWithHooks(repo, {}, 'reworded', ['--amend']);
    const now = (await git(repo, ['rev-parse', 'HEAD'])).stdout.trim();
    expect(await readFile(seen, 'utf8')).toBe(`amend\n${old} ${now}\n`);
    expect(await readdir(triggers)).toContain('api.post-rewrite');

    const direct = await run('sh', [hook, 'rebase'], { input: 'a b\n', reject: false, cwd: repo });
    expect(direct.exitCode).toBe(3);
    expect(await readFile(seen, 'utf8')).toBe('rebase\na b\n');
  });

  it('honours a chained hook written for sh -e, and executes non-shell hooks directly', async () => {
    const repo = await makeRepo();
    const { target } = await makeTriggerTarget();
    const dir = join(repo, '.git', 'hooks');
    const log = join(repo, '.git', 'chain.log');
    await writeHook(join(dir, 'post-merge'), `#!/bin/sh -e\necho before >>"${log}"\nfalse\necho after >>"${log}"\n`);
    await writeHook(join(dir, 'post-commit'), `#!/usr/bin/env node\nrequire('fs').appendFileSync(${JSON.stringify(log)}, 'node ' + require('path').basename(process.argv[1]) + '\\n')\n`);
    await writeHook(join(dir, 'post-checkout'), `#!/bin/sh\necho not-executable >>"${log}"\n`, 0o644);
    await installHooks(repo, { hooks: PROJECT_HOOKS, notifyTarget: target });

    const merge = await run('sh', [join(dir, 'post-merge'), '0'], { reject: false, cwd: repo });
    expect(merge.exitCode).toBe(1);
    await commitWithHooks(repo, { 'a.txt': 'a\n' });
    await git(repo, ['checkout', '-q', '-b', 'x'], { hooks: true });
    expect(await readFile(log, 'utf8')).toBe('before\nnode post-commit.orch-chained\n');
  });

  it('keeps a symlinked hook as a symlink and restores it', async () => {
    const repo = await makeRepo();
    const { target } = await makeTriggerTarget();
    const dir = join(repo, '.git', 'hooks');
    await writeHook(join(repo, 'scripts', 'hook.sh'), '#!/bin/sh\necho linked >"$(git rev-parse --git-dir)/linked.log"\n');
    await symlink('../../scripts/hook.sh', join(dir, 'post-commit'));
    await installHooks(repo, { hooks: PROJECT_HOOKS, notifyTarget: target });
    await commitWithHooks(repo, { 'b.txt': 'b\n' });
    expect(await readFile(join(repo, '.git', 'linked.log'), 'utf8')).toBe('linked\n');
    await uninstallHooks(repo);
    expect((await lstat(join(dir, 'post-commit'))).isSymbolicLink()).toBe(true);
    expect(await snapshotDir(dir)).toMatchObject({ 'post-commit': 'link -> ../../scripts/hook.sh' });
  });

  it('works with a husky-style relative core.hooksPath whose hooks find the user script from $0', async () => {
    const repo = await makeRepo();
    const { triggers, target } = await makeTriggerTarget();
    const husky = join(repo, '.husky');
    // husky v9: .husky/_/<hook> is a stub that sources .husky/_/h, which runs .husky/<basename $0>.
    await writeHook(join(husky, '_', 'h'), '#!/usr/bin/env sh\nn=$(basename "$0")\ns=$(dirname "$(dirname "$0")")/$n\n[ ! -f "$s" ] && exit 0\nsh -e "$s" "$@"\nc=$?\nexit $c\n', 0o644);
    for (const name of ['post-commit', 'pre-commit']) {
      await writeHook(join(husky, '_', name), '#!/usr/bin/env sh\n. "$(dirname "$0")/h"\n');
    }
    await writeFile(join(husky, '_', '.gitignore'), '*\n');
    await writeHook(join(husky, 'post-commit'), 'echo "husky post-commit $(git rev-parse --short HEAD)" >>.git/husky.log\n', 0o644);
    await git(repo, ['config', 'core.hooksPath', '.husky/_']);
    await commitWithHooks(repo, { '.husky/post-commit': await readFile(join(husky, 'post-commit'), 'utf8') }, 'add husky');
    const before = await snapshotDir(join(husky, '_'));

    const report = await installHooks(repo, { hooks: PROJECT_HOOKS, notifyTarget: target });
    expect(report.hooksDir).toBe(join(husky, '_'));
    expect(report.chained).toEqual(['post-commit']);
    await mkdir(join(repo, 'sub'), { recursive: true });
    await commitWithHooks(repo, { 'sub/c.txt': 'c\n' });
    const short = (await git(repo, ['rev-parse', '--short', 'HEAD'])).stdout.trim();
    expect((await readFile(join(repo, '.git', 'husky.log'), 'utf8')).trim().split('\n').at(-1)).toBe(`husky post-commit ${short}`);
    expect(await readdir(triggers)).toEqual(['api.post-commit']);
    expect((await git(repo, ['status', '--porcelain'])).stdout).toBe('');

    await uninstallHooks(repo);
    expect(await snapshotDir(join(husky, '_'))).toEqual(before);
  });

  it('re-chains when a hook manager rewrote the wrapper, keeping every hook it was given', async () => {
    const repo = await makeRepo();
    const { target } = await makeTriggerTarget();
    const hook = join(repo, '.git', 'hooks', 'post-commit');
    await writeHook(hook, '#!/bin/sh\necho one\n');
    await installHooks(repo, { hooks: PROJECT_HOOKS, notifyTarget: target });
    // The manager writes the same stub again: nothing to keep twice.
    await writeHook(hook, '#!/bin/sh\necho one\n');
    const same = await installHooks(repo, { hooks: PROJECT_HOOKS, notifyTarget: target });
    expect(same.chained).toEqual(['post-commit']);
    expect(same.warnings).toEqual([]);
    // Then a different one: the older original is kept under a backup name.
    await writeHook(hook, '#!/bin/sh\necho two\n');
    const other = await installHooks(repo, { hooks: PROJECT_HOOKS, notifyTarget: target });
    expect(other.warnings).toHaveLength(1);
    const names = await readdir(join(repo, '.git', 'hooks'));
    const backup = names.find((n) => n.startsWith('post-commit.orch-chained-'));
    expect(backup).toBeDefined();
    expect(await readFile(join(repo, '.git', 'hooks', backup!), 'utf8')).toBe('#!/bin/sh\necho one\n');
    expect(await readFile(`${hook}.orch-chained`, 'utf8')).toBe('#!/bin/sh\necho two\n');
    await uninstallHooks(repo);
    expect(await readFile(hook, 'utf8')).toBe('#!/bin/sh\necho two\n');
  });

  it('leaves a hook that replaced its wrapper alone on uninstall', async () => {
    const repo = await makeRepo();
    const { target } = await makeTriggerTarget();
    const hook = join(repo, '.git', 'hooks', 'post-merge');
    await writeHook(hook, '#!/bin/sh\necho mine\n');
    await installHooks(repo, { hooks: PROJECT_HOOKS, notifyTarget: target });
    await writeHook(hook, '#!/bin/sh\necho theirs\n');
    const report = await uninstallHooks(repo);
    expect(report.warnings).toHaveLength(1);
    expect(await readFile(hook, 'utf8')).toBe('#!/bin/sh\necho theirs\n');
    expect(await readFile(`${hook}.orch-chained`, 'utf8')).toBe('#!/bin/sh\necho mine\n');
  });

  it('skips a repo whose hooks are disabled, and keeps wrappers while another workspace still uses them', async () => {
    const off = await makeRepo();
    await git(off, ['config', 'core.hooksPath', '/dev/null']);
    const { target } = await makeTriggerTarget('api');
    const skipped = await installHooks(off, { hooks: PROJECT_HOOKS, notifyTarget: target });
    expect(skipped.skipped.sort()).toEqual([...PROJECT_HOOK_NAMES].sort());
    expect(skipped.warnings[0]).toContain('/dev/null');

    const repo = await makeRepo();
    const second = await makeTriggerTarget('shared-api');
    await installHooks(repo, { hooks: PROJECT_HOOKS, notifyTarget: target });
    await installHooks(repo, { hooks: PROJECT_HOOKS, notifyTarget: second.target });
    expect(await listNotifyTargets(repo)).toEqual([target, second.target]);
    const first = await uninstallHooks(repo, { notifyTarget: target });
    expect(first.keptFor).toEqual([second.target]);
    await commitWithHooks(repo, { 'x.txt': 'x\n' });
    expect(await readdir(second.triggers)).toEqual(['shared-api.post-commit']);
    const last = await uninstallHooks(repo, { notifyTarget: second.target });
    expect(last.removed).toHaveLength(4);
  });

  it('refuses a notify target the hooks would not accept, and a path that is not a repo', async () => {
    const repo = await makeRepo();
    await expect(installHooks(repo, { hooks: PROJECT_HOOKS, notifyTarget: '/tmp/elsewhere/file' })).rejects.toMatchObject({ code: 'INTERNAL' });
    const { workspace } = await makeTriggerTarget();
    await expect(installHooks(workspace, { hooks: PROJECT_HOOKS })).rejects.toMatchObject({ code: 'NOT_A_REPO' });
  });

  it('a hand-set orch.notify that points outside a triggers dir is ignored by the hook', async () => {
    const repo = await makeRepo();
    const { workspace, target } = await makeTriggerTarget();
    await installHooks(repo, { hooks: PROJECT_HOOKS, notifyTarget: target });
    const victim = join(workspace, 'victim');
    await writeFile(join(workspace, 'victim.post-commit'), 'keep me\n');
    await git(repo, ['config', '--add', 'orch.notify', victim]);
    await git(repo, ['config', '--add', 'orch.notify', `${join(workspace, '.orch', 'run', 'triggers')}/../../../victim`]);
    await commitWithHooks(repo, { 'y.txt': 'y\n' }, 'y');
    expect(await readFile(join(workspace, 'victim.post-commit'), 'utf8')).toBe('keep me\n');
    expect(PERSON.GIT_AUTHOR_NAME).toBe('Person');
  });

  it('inspectHooks tells current, outdated, replaced and missing hooks apart', async () => {
    const repo = await makeRepo();
    const { target } = await makeTriggerTarget();
    const states = async () => Object.fromEntries((await inspectHooks(repo, PROJECT_HOOKS)).hooks.map((h) => [h.name, h.state]));
    expect(Object.values(await states())).toEqual(['missing', 'missing', 'missing', 'missing']);
    await installHooks(repo, { hooks: PROJECT_HOOKS, notifyTarget: target });
    expect(Object.values(await states())).toEqual(['current', 'current', 'current', 'current']);
    expect((await inspectHooks(repo, PROJECT_HOOKS)).notifyTargets).toEqual([target]);
    const dir = join(repo, '.git', 'hooks');
    await writeFile(join(dir, 'post-merge'), (await readFile(join(dir, 'post-merge'), 'utf8')).replace('orch_hook=post-merge', 'orch_hook=post-merge # old'));
    await writeHook(join(dir, 'post-rewrite'), '#!/bin/sh\necho mine\n');
    expect(await states()).toEqual({ 'post-commit': 'current', 'post-merge': 'outdated', 'post-checkout': 'current', 'post-rewrite': 'replaced' });
    await installHooks(repo, { hooks: PROJECT_HOOKS, notifyTarget: target });
    expect(Object.values(await states())).toEqual(['current', 'current', 'current', 'current']);
    expect((await inspectHooks(repo, PROJECT_HOOKS)).hooks.find((h) => h.name === 'post-rewrite')?.chained).toBe(true);
  });

  it('warns when the hooks dir is a committed part of the working tree, and uninstall makes it clean again', async () => {
    const repo = await makeRepo();
    await writeHook(join(repo, '.githooks', 'post-commit'), '#!/bin/sh\necho team hook >>.git/team.log\n');
    await git(repo, ['config', 'core.hooksPath', '.githooks']);
    await commitWithHooks(repo, {}, 'team hooks');
    const { target } = await makeTriggerTarget();
    const report = await installHooks(repo, { hooks: PROJECT_HOOKS, notifyTarget: target });
    expect(report.warnings.join('\n')).toContain('git status');
    await uninstallHooks(repo);
    expect((await git(repo, ['status', '--porcelain'])).stdout).toBe('');
  });

  it('never blocks on a FIFO or follows a symlink planted where the trigger file goes', async () => {
    const repo = await makeRepo();
    const { workspace, triggers, target } = await makeTriggerTarget();
    await installHooks(repo, { hooks: PROJECT_HOOKS, notifyTarget: target });
    await run('mkfifo', [join(triggers, 'api.post-commit')]);
    await writeFile(join(workspace, 'precious'), 'keep\n');
    await symlink(join(workspace, 'precious'), join(triggers, 'api.post-checkout'));
    await git(repo, ['add', '-A']);
    const commit = await git(repo, ['commit', '-q', '--allow-empty', '-m', 'x'], { hooks: true, env: PERSON, timeoutMs: 20_000 });
    expect(commit.exitCode).toBe(0);
    await git(repo, ['checkout', '-q', '-b', 'y'], { hooks: true, timeoutMs: 20_000 });
    expect(await readFile(join(workspace, 'precious'), 'utf8')).toBe('keep\n');
    expect((await lstat(join(triggers, 'api.post-commit'))).isFIFO()).toBe(true);
  });
});
