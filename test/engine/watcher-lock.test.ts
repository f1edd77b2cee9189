import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireWatcherLock, readWatcher, watcherSocketName, WATCHER_PID_FILE } from '../../src/engine/watcher-lock.js';
import { isOrchError } from '../../src/errors/index.js';
import { spawnProcess } from '../../src/sys/process.js';
import { tempDir } from '../support/tmp.js';

function procStartOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
}

async function runDirOf(): Promise<string> {
  const runDir = join(await tempDir('orch-ws-'), '.orch', 'run');
  await mkdir(runDir, { recursive: true });
  return runDir;
}

async function expectRunning(promise: Promise<unknown>, pid: number): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isOrchError(error, 'WATCHER_RUNNING')).toBe(true);
  if (isOrchError(error)) {
    expect(error.data.pid).toBe(pid);
    if (pid > 0) expect(error.hint).toContain(`kill ${pid}`);
  }
}

/** A child that stays up until killed; resolves once it printed its first line (wrapped: the child is a thenable). */
async function startChild(file: string, args: string[]) {
  const child = spawnProcess(file, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  return { child };
}

describe('watcher lock', () => {
  it('one holder at a time: a second watcher gets WATCHER_RUNNING with the pid; release frees it', async () => {
    const runDir = await runDirOf();
    const lock = await acquireWatcherLock(runDir);
    const record = JSON.parse(await readFile(join(runDir, WATCHER_PID_FILE), 'utf8'));
    expect(record).toMatchObject({ pid: process.pid, host: hostname(), procStart: procStartOf(process.pid) });
    expect(await readWatcher(runDir)).toMatchObject({ pid: process.pid });
    await expectRunning(acquireWatcherLock(runDir), process.pid);
    await lock.release();
    await lock.release();
    expect(await readdir(runDir)).toEqual([]);
    expect(await readWatcher(runDir)).toBeUndefined();
    const again = await acquireWatcherLock(runDir);
    await again.release();
  });

  it('takes over a pid file whose process is gone, whose pid was reused, or that is garbage', async () => {
    const runDir = await runDirOf();
    const pidFile = join(runDir, WATCHER_PID_FILE);
    const gone = spawnProcess('true', []);
    await gone;
    const stale = [
      { pid: gone.pid, host: hostname(), startedAt: 'then' },
      { pid: process.pid, host: hostname(), startedAt: 'then', procStart: '1' },
    ];
    for (const record of stale) {
      await writeFile(pidFile, JSON.stringify(record));
      const lock = await acquireWatcherLock(runDir);
      expect(JSON.parse(await readFile(pidFile, 'utf8')).startedAt).not.toBe('then');
      await lock.release();
    }
    await writeFile(pidFile, '');
    await (await acquireWatcherLock(runDir)).release();
    await writeFile(pidFile, '{"pid": "x"');
    await (await acquireWatcherLock(runDir)).release();
    expect(await readdir(runDir)).toEqual([]);
  });

  it('refuses while the process in the pid file is alive, and takes over once it died', async () => {
    const runDir = await runDirOf();
    const pidFile = join(runDir, WATCHER_PID_FILE);
    const { child: other } = await startChild('sh', ['-c', 'echo up; exec sleep 60']);
    const pid = other.pid!;
    await writeFile(pidFile, JSON.stringify({ pid, host: hostname(), startedAt: 'earlier', procStart: procStartOf(pid) }));
    await expectRunning(acquireWatcherLock(runDir), pid);
    other.kill('SIGKILL');
    await other;
    const lock = await acquireWatcherLock(runDir);
    await lock.release();
  });

  it('a watcher in another process holds the socket: refused even with no pid file; free again when it is SIGKILLed', async () => {
    const runDir = await runDirOf();
    const name = watcherSocketName(await realpath(runDir));
    const code = `require('net').createServer().listen({ path: ${JSON.stringify(name)} }, () => console.log('listening'))`;
    const { child: other } = await startChild(process.execPath, ['-e', code]);
    await expectRunning(acquireWatcherLock(runDir), 0);
    expect(await readWatcher(runDir)).toMatchObject({ pid: 0 });
    other.kill('SIGKILL');
    await other;
    const lock = await acquireWatcherLock(runDir);
    expect(await readWatcher(runDir)).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it('of many racing acquires exactly one wins, with and without the socket', async () => {
    for (const socket of [true, false]) {
      const runDir = await runDirOf();
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => acquireWatcherLock(runDir, { socket })));
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(isOrchError(r.reason, 'WATCHER_RUNNING')).toBe(true);
      await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireWatcherLock>>>).value.release();
      expect(await readdir(runDir)).toEqual([]);
    }
  });

  it('without the socket, the pid file alone refuses a live holder and is taken over when stale', async () => {
    const runDir = await runDirOf();
    const lock = await acquireWatcherLock(runDir, { socket: false });
    await expectRunning(acquireWatcherLock(runDir, { socket: false }), process.pid);
    await lock.release();
    await writeFile(join(runDir, WATCHER_PID_FILE), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'old', procStart: '1' }));
    const next = await acquireWatcherLock(runDir, { socket: false });
    expect(next.record.startedAt).not.toBe('old');
    await next.release();
    expect(await readdir(runDir)).toEqual([]);
  });
});
