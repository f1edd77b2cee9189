import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.js';
import { Session } from '../../src/engine/session.js';
import { watchWorkspace } from '../../src/engine/watch.js';
import { HAS_BWRAP, skipUnless } from '../support/require.js';
import {
  beadStatusAt,
  commitBeads,
  commitBeadsWithHooks,
  commitStagedWithHooks,
  fsck,
  landingsOf,
  makeWorkspace,
  refsUnder,
  stageBeads,
  startOrch,
  statusLines,
  waitFor,
  type TestWorkspace,
} from '../support/workspace.js';

/**
 * The watcher (SPEC §3.1): a bead committed with native `git commit` (hooks
 * on) starts through the hook notice, not a poll; with hooks bypassed the
 * ref watch still sees it; commits arriving while a wave runs all land once.
 * Deadlines are generous and nothing asserts a time: "no polling delay" is
 * shown by which trigger started the run.
 */

const skip = skipUnless(HAS_BWRAP, 'bwrap');

interface Watcher {
  session: Session;
  events: EngineEvent[];
  stop(): Promise<void>;
}

const running: Watcher[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((w) => w.stop()));
});

/** Starts the watcher in-process and waits until its start-up run is idle. */
async function startWatcher(ws: TestWorkspace): Promise<Watcher> {
  const session = new Session(ws.config);
  const events: EngineEvent[] = [];
  session.bus.subscribe((event) => events.push(event));
  const abort = new AbortController();
  let ready = false;
  const done = watchWorkspace(session, { signal: abort.signal, onReady: () => (ready = true) });
  let stopped = false;
  const watcher: Watcher = {
    session,
    events,
    async stop() {
      if (stopped) return;
      stopped = true;
      abort.abort();
      await done;
      await session.close();
    },
  };
  running.push(watcher);
  await waitFor('the watcher to be ready', () => (ready ? true : undefined));
  await waitFor('the first idle', () => (events.some((e) => e.type === 'idle') ? true : undefined));
  return watcher;
}

/** Waits until the watcher has been idle, with no new event, for a while. */
async function settle(watcher: Watcher, quietMs = 300): Promise<void> {
  await waitFor('the watcher to settle', async () => {
    const seen = watcher.events.length;
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    return watcher.events.length === seen && watcher.events[seen - 1]?.type === 'idle' ? true : undefined;
  });
}

function indexOfEvent(events: readonly EngineEvent[], from: number, match: (e: EngineEvent) => boolean): number {
  for (let i = from; i < events.length; i++) if (match(events[i]!)) return i;
  return -1;
}

describe.skipIf(skip)('engine watch', () => {
  it('a bead committed with hooks on is started by the hook notice and lands once', async () => {
    const ws = await makeWorkspace({ hooks: true, projects: [{ name: 'api' }] });
    const watcher = await startWatcher(ws);
    // Writing the bead file wakes the watcher too (its directory is watched): let that pass first,
    // so that only the commit itself can start the bead.
    await stageBeads(ws, 'api', [{ id: 'api-hook', files: ['src/h.txt'], script: 'mkdir -p src\necho hooked > src/h.txt' }]);
    await settle(watcher);
    const mark = watcher.events.length;
    await commitStagedWithHooks(ws, 'api');
    await waitFor('the landing', async () => ((await landingsOf(ws.repo('api'), 'api', 'api-hook')).length > 0 ? true : undefined), 45_000);

    const events = watcher.events;
    const started = indexOfEvent(events, mark, (e) => e.type === 'bead-started' && e.bead === 'api-hook');
    expect(started).toBeGreaterThan(mark);
    const triggers = events.slice(mark, started).filter((e): e is Extract<EngineEvent, { type: 'trigger' }> => e.type === 'trigger');
    // The hook notice arrived before the sandbox started, and no periodic rescan was involved.
    expect(triggers).toContainEqual(expect.objectContaining({ project: 'api', reason: 'hook' }));
    expect(triggers.filter((t) => t.reason === 'rescan')).toEqual([]);
    expect(triggers[0]?.reason).not.toBe('rescan');

    await watcher.stop();
    expect(await landingsOf(ws.repo('api'), 'api', 'api-hook')).toHaveLength(1);
    expect(await beadStatusAt(ws.repo('api'), 'main', 'api-hook')).toBe('closed');
    expect(await statusLines(ws.repo('api'))).toEqual([]);
    // Stopping removes the notice directory, so hooks go quiet again.
    expect(existsSync(watcher.session.dirs.triggers)).toBe(false);
  });

  it('a bead committed with hooks bypassed is still seen (ref watch) and lands once', async () => {
    const ws = await makeWorkspace({ hooks: true, projects: [{ name: 'api' }] });
    const watcher = await startWatcher(ws);
    const mark = watcher.events.length;
    await commitBeads(ws, 'api', [{ id: 'api-nohook', files: ['src/n.txt'], script: 'mkdir -p src\necho seen > src/n.txt' }]);
    await waitFor('the landing', async () => ((await landingsOf(ws.repo('api'), 'api', 'api-nohook')).length > 0 ? true : undefined), 45_000);
    const started = indexOfEvent(watcher.events, mark, (e) => e.type === 'bead-started' && e.bead === 'api-nohook');
    const triggers = watcher.events.slice(mark, started).filter((e) => e.type === 'trigger');
    expect(triggers).toContainEqual(expect.objectContaining({ project: 'api', reason: 'fs' }));
    expect(triggers).not.toContainEqual(expect.objectContaining({ reason: 'hook' }));
    await watcher.stop();
    expect(await landingsOf(ws.repo('api'), 'api', 'api-nohook')).toHaveLength(1);
  });

  it('beads committed while a wave runs queue one more run: every one lands exactly once', async () => {
    const ws = await makeWorkspace({ hooks: true, maxAgents: 4, projects: [{ name: 'api' }, { name: 'web' }] });
    const watcher = await startWatcher(ws);
    await commitBeadsWithHooks(ws, 'api', [{ id: 'api-long', files: ['src/long.txt'], script: 'mkdir -p src\nsleep 1\necho long > src/long.txt' }]);
    await waitFor('api-long to start', () => (watcher.events.some((e) => e.type === 'bead-started' && e.bead === 'api-long') ? true : undefined), 45_000);
    // A burst while the first wave runs, in both projects.
    for (let i = 0; i < 3; i++) {
      await commitBeadsWithHooks(ws, 'api', [{ id: `api-burst${i}`, files: [`src/b${i}.txt`], script: `mkdir -p src\necho ${i} > src/b${i}.txt` }]);
      await commitBeadsWithHooks(ws, 'web', [{ id: `web-burst${i}`, files: [`src/b${i}.txt`], script: `mkdir -p src\necho ${i} > src/b${i}.txt` }]);
    }
    const all = [['api', 'api-long'], ...[0, 1, 2].flatMap((i) => [['api', `api-burst${i}`], ['web', `web-burst${i}`]])] as [string, string][];
    await waitFor(
      'every bead to land',
      async () => {
        for (const [project, id] of all) if ((await beadStatusAt(ws.repo(project), 'main', id)) !== 'closed') return undefined;
        return true;
      },
      60_000,
      100,
    );
    await watcher.stop();
    for (const [project, id] of all) expect(await landingsOf(ws.repo(project), project, id), id).toHaveLength(1);
    for (const project of ['api', 'web']) {
      expect(await refsUnder(ws.repo(project), 'refs/orch/claims/')).toEqual([]);
      expect(await statusLines(ws.repo(project))).toEqual([]);
      await fsck(ws.repo(project));
    }
  });

  it('a failed bead that a person re-opens runs again, however often it is re-opened', async () => {
    const ws = await makeWorkspace({ hooks: true, projects: [{ name: 'api' }] });
    const watcher = await startWatcher(ws);
    const repo = ws.repo('api');
    const attempt = async (n: number, script: string, expected: string): Promise<void> => {
      const bead = { id: 'api-again', files: ['src/a.txt'], script };
      await commitBeadsWithHooks(ws, 'api', [bead], `attempt ${n}`);
      await waitFor(`attempt ${n} to end as ${expected}`, async () => ((await beadStatusAt(repo, 'main', 'api-again')) === expected ? true : undefined), 45_000, 50);
      // Let the landing finish with the checkout (it holds index.lock a moment longer) before the next commit.
      await settle(watcher);
    };
    // The person re-opens it (commits it as open again) after each failure.
    await attempt(1, 'exit 1', 'failed');
    await attempt(2, 'exit 2', 'failed');
    await attempt(3, 'exit 3', 'failed');
    await attempt(4, 'mkdir -p src\necho fixed > src/a.txt', 'closed');
    await watcher.stop();
    expect(await landingsOf(repo, 'api', 'api-again')).toHaveLength(4);
    expect(await beadStatusAt(repo, 'main', 'api-again')).toBe('closed');
    expect(watcher.events.filter((e) => e.type === 'bead-started' && e.bead === 'api-again')).toHaveLength(4);
  });

  it('`orch watch` as a process: prints progress lines for a hook-triggered bead and stops cleanly on SIGTERM', async () => {
    const ws = await makeWorkspace({ hooks: true, projects: [{ name: 'api' }] });
    const watch = startOrch(ws.root, ['watch']);
    try {
      await waitFor('the watcher to be idle', () => (/^idle: /m.test(watch.output()) ? true : undefined), 30_000);
      await commitBeadsWithHooks(ws, 'api', [{ id: 'api-cli', files: ['src/c.txt'], script: 'mkdir -p src\necho cli > src/c.txt' }]);
      await waitFor('the landed line', () => (/api\/api-cli: landed as [0-9a-f]{10}/.test(watch.output()) ? true : undefined), 45_000);
      expect(watch.output()).toMatch(/api\/api-cli: running \(run /);
    } finally {
      watch.child.kill('SIGTERM');
    }
    const exit = await watch.exited;
    expect(exit.code, exit.stderr).toBe(0);
    expect(await landingsOf(ws.repo('api'), 'api', 'api-cli')).toHaveLength(1);
    expect(existsSync(`${ws.root}/.orch/run/triggers`)).toBe(false);
  });
});
