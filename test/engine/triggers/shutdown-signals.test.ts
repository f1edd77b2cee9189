import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { notifyTargetOf } from '../../../src/engine/triggers/hook-notice.js';
import { listenForShutdown } from '../../../src/engine/triggers/shutdown-signals.js';
import { startTriggerIntake } from '../../../src/engine/triggers/start-intake.js';
import type { TriggerEvent } from '../../../src/engine/triggers/trigger-intake.js';
import { acquireWatcherLock, readWatcher } from '../../../src/engine/watcher-lock.js';
import { PROJECT_HOOK_NAMES, shippedHookSpecs } from '../../../src/git/hooks-shipped.js';
import { installHooks } from '../../../src/git/hooks.js';
import { makeRepo } from '../../support/git-repo.js';
import { tempDir } from '../../support/tmp.js';
import { commitWithHooks } from '../../git/hooks-support.js';

describe('listenForShutdown', () => {
  it('a real SIGTERM stops a watch session cleanly: intake stopped, hooks quiet, lock released', async () => {
    const repo = await makeRepo();
    const runDir = join(await tempDir('orch-ws-'), '.orch', 'run');
    const lock = await acquireWatcherLock(runDir);
    await installHooks(repo, { hooks: shippedHookSpecs(PROJECT_HOOK_NAMES), notifyTarget: notifyTargetOf(runDir, 'api') });
    const seen: TriggerEvent[] = [];
    const intake = await startTriggerIntake({ runDir, repos: [{ name: 'api', repo, branch: 'main' }], onTrigger: (e) => void seen.push(e), rescanMs: 0 });
    const listenersBefore = process.listenerCount('SIGTERM');
    const repeats: string[] = [];
    let repeated: () => void = () => undefined;
    const repeatSeen = new Promise<void>((resolve) => (repeated = resolve));
    const shutdown = listenForShutdown({ onRepeat: (signal) => (repeats.push(signal), repeated()) });
    expect((await readdir(runDir)).sort()).toEqual(['triggers', 'watcher.pid']);

    process.kill(process.pid, 'SIGTERM');
    await once(shutdown.signal, 'abort');
    expect(shutdown.signal.reason).toBe('SIGTERM');
    process.kill(process.pid, 'SIGINT');
    await repeatSeen;
    expect(repeats).toEqual(['SIGINT']);

    await intake.stop();
    await lock.release();
    shutdown.dispose();
    expect(process.listenerCount('SIGTERM')).toBe(listenersBefore);
    expect(await readdir(runDir)).toEqual([]);
    expect(await readWatcher(runDir)).toBeUndefined();
    const handled = seen.length;
    await commitWithHooks(repo, { 'after.txt': 'x\n' });
    expect(await readdir(runDir)).toEqual([]);
    expect(seen.length).toBe(handled);
  });
});
