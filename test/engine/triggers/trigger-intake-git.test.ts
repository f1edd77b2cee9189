import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { notifyTargetOf, triggersDirOf } from '../../../src/engine/triggers/hook-notice.js';
import { TriggerIntake, type TriggerEvent, type TriggerIntakeOptions } from '../../../src/engine/triggers/trigger-intake.js';
import { resolveWatchTargets } from '../../../src/engine/triggers/watch-targets.js';
import { git } from '../../../src/git/exec.js';
import { PROJECT_HOOK_NAMES, shippedHookSpecs } from '../../../src/git/hooks-shipped.js';
import { installHooks } from '../../../src/git/hooks.js';
import { commitFiles, makeRepo } from '../../support/git-repo.js';
import { tempDir } from '../../support/tmp.js';
import { commitWithHooks } from '../../git/hooks-support.js';

/** Events as they come, and a way to wait for one (never a fixed sleep). */
class Events {
  readonly all: TriggerEvent[] = [];
  private waiters: { match: (e: TriggerEvent) => boolean; resolve: (e: TriggerEvent) => void }[] = [];
  push(event: TriggerEvent): void {
    this.all.push(event);
    for (const waiter of [...this.waiters]) {
      if (waiter.match(event)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  }
  /** The first event, already seen or still to come, that matches. */
  next(match: (e: TriggerEvent) => boolean, timeoutMs = 10_000): Promise<TriggerEvent> {
    const seen = this.all.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching trigger within ${timeoutMs} ms; saw ${JSON.stringify(this.all)}`)), timeoutMs);
      this.waiters.push({ match, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }
}

const running: TriggerIntake[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((intake) => intake.stop()));
});

async function watchRepos(repos: Record<string, string>, options: Partial<TriggerIntakeOptions> & { onEvent?: (e: TriggerEvent) => Promise<void> } = {}) {
  const runDir = join(await tempDir('orch-ws-'), '.orch', 'run');
  const events = new Events();
  const projects = await Promise.all(Object.entries(repos).map(async ([name, repo]) => ({ name, targets: await resolveWatchTargets(repo, 'main') })));
  const intake = new TriggerIntake({
    projects,
    triggersDir: triggersDirOf(runDir),
    onTrigger: async (event) => {
      await options.onEvent?.(event);
      events.push(event);
    },
    rescanAtStart: false,
    rescanMs: 0,
    ...options,
  });
  await intake.start();
  running.push(intake);
  return { intake, events, runDir };
}

function inotifyWatches(): number {
  let total = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
      total += (info.match(/^inotify wd:/gm) ?? []).length;
    } catch {
      // fd closed meanwhile
    }
  }
  return total;
}

describe('TriggerIntake with real git', () => {
  it('a commit of a bead file reaches the intake through the post-commit hook, with no polling delay', async () => {
    const repo = await makeRepo();
    // fs events would wait a minute and there is no rescan: only the hook can deliver this in time.
    const { events, runDir } = await watchRepos({ api: repo }, { fsDebounceMs: 60_000 });
    await installHooks(repo, { hooks: shippedHookSpecs(PROJECT_HOOK_NAMES), notifyTarget: notifyTargetOf(runDir, 'api') });
    await commitWithHooks(repo, { '.agents/beads/api-k3f9.md': '---\nid: api-k3f9\n---\n' }, 'add bead');
    expect(await events.next(() => true)).toEqual({ project: 'api', reason: 'hook', detail: 'post-commit' });
  });

  it('a commit with hooks bypassed is seen by the fallback watch of the refs', async () => {
    const repo = await makeRepo();
    const { events, runDir } = await watchRepos({ api: repo });
    await installHooks(repo, { hooks: shippedHookSpecs(PROJECT_HOOK_NAMES), notifyTarget: notifyTargetOf(runDir, 'api') });
    // git -c core.hooksPath=/dev/null commit, of a file outside .agents/: only the ref and log watches can see it.
    await commitFiles(repo, { 'src/server.ts': 'x\n' }, 'no hooks');
    const event = await events.next(() => true);
    expect(event.reason).toBe('fs');
    expect(event.project).toBe('api');
    expect(event.detail).toMatch(/\.git\/(refs\/heads\/main|logs\/HEAD)$/);
    expect(await readdir(triggersDirOf(runDir))).toEqual([]);
  });

  it('two ref updates a few ms apart: the last run reads the final value (no stale read)', async () => {
    const repo = await makeRepo();
    const first = (await git(repo, ['rev-parse', 'HEAD'])).stdout.trim();
    const second = await commitFiles(repo, { 'a.txt': 'a\n' }, 'a');
    await git(repo, ['update-ref', 'refs/heads/main', first]);
    const reads: string[] = [];
    const { events } = await watchRepos(
      { api: repo },
      { onEvent: async () => void reads.push((await git(repo, ['rev-parse', 'main'])).stdout.trim()) },
    );
    for (let round = 0; round < 10; round++) {
      await git(repo, ['update-ref', 'refs/heads/main', second]);
      await git(repo, ['update-ref', 'refs/heads/main', first]);
      const final = round % 2 === 0 ? second : first;
      await git(repo, ['update-ref', 'refs/heads/main', final]);
      await events.next(() => reads.at(-1) === final);
      events.all.length = 0;
    }
    expect(reads.length).toBeGreaterThan(0);
  });

  it('follows a beads directory and a branch ref directory that appear after the watch started', async () => {
    const repo = await makeRepo();
    const runDir = join(await tempDir('orch-ws-'), '.orch', 'run');
    const events = new Events();
    const intake = new TriggerIntake({
      projects: [{ name: 'api', targets: await resolveWatchTargets(repo, 'feature/x') }],
      triggersDir: triggersDirOf(runDir),
      onTrigger: (event) => events.push(event),
      rescanAtStart: false,
      rescanMs: 0,
    });
    await intake.start();
    running.push(intake);
    await mkdir(join(repo, '.agents', 'beads'), { recursive: true });
    await events.next((e) => e.detail.endsWith('.agents/beads'));
    await writeFile(join(repo, '.agents', 'beads', 'api-2.md'), 'x\n');
    await events.next((e) => e.detail.endsWith('api-2.md'));
    await git(repo, ['branch', 'feature/x']);
    await events.next((e) => e.detail.endsWith('refs/heads/feature/x') || e.detail.endsWith('refs/heads/feature'));
  });

  it('uses a few inotify watches per repo however many bead files there are', async () => {
    const repos: Record<string, string> = {};
    for (let r = 0; r < 4; r++) {
      const files: Record<string, string> = {};
      for (let i = 0; i < 250; i++) files[`.agents/beads/p${r}-${i}.md`] = `---\nid: p${r}-${i}\n---\n`;
      repos[`p${r}`] = await makeRepo(files);
    }
    const before = inotifyWatches();
    const { events } = await watchRepos(repos);
    const used = inotifyWatches() - before;
    expect(used).toBeLessThanOrEqual(4 * 4 + 1);
    expect(used).toBeGreaterThanOrEqual(4 * 4 + 1);
    await writeFile(join(repos.p2!, '.agents', 'beads', 'p2-7.md'), 'changed\n');
    expect((await events.next(() => true)).project).toBe('p2');
  });

  it('after stop, hooks find no watcher: commits leave nothing behind', async () => {
    const repo = await makeRepo();
    const { intake, runDir } = await watchRepos({ api: repo });
    await installHooks(repo, { hooks: shippedHookSpecs(PROJECT_HOOK_NAMES), notifyTarget: notifyTargetOf(runDir, 'api') });
    await intake.stop();
    await commitWithHooks(repo, { 'z.txt': 'z\n' });
    expect(await readdir(runDir)).toEqual([]);
    expect(await readFile(join(repo, 'z.txt'), 'utf8')).toBe('z\n');
  });
});
