import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, readFile, realpath, rename, unlink, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { OrchError } from '../errors/index.js';

/**
 * One watcher per workspace. On Linux the lock itself is an abstract unix
 * socket named after the run dir: binding it is atomic and exclusive, and the
 * kernel releases it when the process dies however it dies, so there is no
 * stale state and no takeover race. `.orch/run/watcher.pid` (created with
 * O_EXCL semantics: written aside, then hard-linked into place) says who
 * holds it. A pid file whose process is gone (or whose pid was reused: the
 * process start time differs) is stale and taken over. Elsewhere the pid
 * file alone is the lock, with a best-effort takeover.
 */

export const WATCHER_PID_FILE = 'watcher.pid';

export interface WatcherRecord {
  pid: number;
  host: string;
  startedAt: string;
  /** Field 22 of /proc/<pid>/stat: tells a reused pid from the original process. */
  procStart?: string;
}

export interface WatcherLock {
  readonly pidFile: string;
  readonly record: WatcherRecord;
  /** Removes the pid file (if still ours) and frees the lock. Idempotent. */
  release(): Promise<void>;
}

export function watcherSocketName(realRunDir: string): string {
  return `\0orch-watcher-${createHash('sha256').update(realRunDir).digest('hex').slice(0, 32)}`;
}

export interface WatcherLockOptions {
  /** Hold the abstract socket too (default: on Linux). Off: the pid file alone is the lock. */
  socket?: boolean;
}

export async function acquireWatcherLock(runDir: string, options: WatcherLockOptions = {}): Promise<WatcherLock> {
  await mkdir(runDir, { recursive: true });
  const real = await realpath(runDir);
  const pidFile = join(real, WATCHER_PID_FILE);
  const useSocket = options.socket ?? process.platform === 'linux';
  const server = useSocket ? await listenExclusive(watcherSocketName(real), pidFile) : undefined;
  const record = ownRecord();
  try {
    await createPidFile(pidFile, record, server !== undefined);
  } catch (error) {
    server?.close();
    throw error;
  }
  const removeOnExit = (): void => {
    if (sameRecord(readRecordSync(pidFile), record)) unlinkSync(pidFile);
  };
  process.once('exit', removeOnExit);
  let released = false;
  return {
    pidFile,
    record,
    release: async () => {
      if (released) return;
      released = true;
      process.removeListener('exit', removeOnExit);
      if (sameRecord(await readRecord(pidFile), record)) await unlink(pidFile).catch(() => undefined);
      await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    },
  };
}

/** Who holds the workspace's watcher lock, if anyone (for `orch status`). */
export async function readWatcher(runDir: string): Promise<WatcherRecord | undefined> {
  const real = await realpath(runDir).catch(() => undefined);
  if (real === undefined) return undefined;
  const record = await readRecord(join(real, WATCHER_PID_FILE));
  if (process.platform === 'linux') return (await canConnect(watcherSocketName(real))) ? (record ?? unknownHolder()) : undefined;
  return record !== undefined && isAlive(record) ? record : undefined;
}

function listenExclusive(name: string, pidFile: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE') return reject(error);
      void readRecord(pidFile).then((holder) => reject(runningError(holder ?? unknownHolder(), pidFile)));
    });
    server.listen({ path: name }, () => {
      server.unref();
      resolve(server);
    });
  });
}

function canConnect(name: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ path: name });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function createPidFile(pidFile: string, record: WatcherRecord, guarded: boolean): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await linkNew(pidFile, record)) return;
    const existing = await readRecord(pidFile);
    if (existing !== undefined && isAlive(existing)) throw runningError(existing, pidFile);
    if (guarded) {
      // We hold the socket, so nobody else is touching the pid file.
      await unlink(pidFile).catch(() => undefined);
      continue;
    }
    const aside = `${pidFile}.stale-${randomBytes(4).toString('hex')}`;
    if (!(await rename(pidFile, aside).then(() => true, () => false))) continue;
    const moved = await readRecord(aside);
    if (moved !== undefined && !sameRecord(moved, existing) && isAlive(moved)) {
      await link(aside, pidFile).catch(() => undefined);
      await unlink(aside).catch(() => undefined);
      throw runningError(moved, pidFile);
    }
    await unlink(aside).catch(() => undefined);
  }
  throw new OrchError('WATCHER_RUNNING', `could not create ${pidFile}: other watchers keep starting`, { data: { pidFile } });
}

/** Writes the record aside, then links it into place: fails (false) if the pid file exists. */
async function linkNew(pidFile: string, record: WatcherRecord): Promise<boolean> {
  const tmp = `${pidFile}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(record)}\n`, { flag: 'wx' });
  try {
    await link(tmp, pidFile);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

function runningError(holder: WatcherRecord, pidFile: string): OrchError {
  const who = holder.pid > 0 ? `pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}` : 'it is starting up';
  return new OrchError('WATCHER_RUNNING', `another orch watcher is running for this workspace (${who})`, {
    data: { pid: holder.pid, host: holder.host, startedAt: holder.startedAt, pidFile },
    hint:
      holder.pid > 0
        ? `stop it with Ctrl-C in its terminal or \`kill ${holder.pid}\`; if no watcher runs there, delete ${pidFile}`
        : 'wait for it, or stop the other `orch watch`',
  });
}

function ownRecord(): WatcherRecord {
  const procStart = procStartOf(process.pid);
  return { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), ...(procStart === undefined ? {} : { procStart }) };
}

function unknownHolder(): WatcherRecord {
  return { pid: 0, host: hostname(), startedAt: 'unknown' };
}

/** Alive: the pid exists and, where both are known, started when the record says. Another host's watcher counts as alive. */
export function isAlive(record: WatcherRecord): boolean {
  if (record.host !== hostname()) return true;
  try {
    process.kill(record.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const now = procStartOf(record.pid);
  return record.procStart === undefined || now === undefined || now === record.procStart;
}

function procStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses) start at field 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function parseRecord(text: string | undefined): WatcherRecord | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<WatcherRecord>;
    if (typeof value.pid !== 'number' || !Number.isInteger(value.pid) || value.pid <= 0) return undefined;
    return {
      pid: value.pid,
      host: typeof value.host === 'string' ? value.host : hostname(),
      startedAt: typeof value.startedAt === 'string' ? value.startedAt : 'unknown',
      ...(typeof value.procStart === 'string' ? { procStart: value.procStart } : {}),
    };
  } catch {
    return undefined;
  }
}

async function readRecord(pidFile: string): Promise<WatcherRecord | undefined> {
  return parseRecord(await readFile(pidFile, 'utf8').catch(() => undefined));
}

function readRecordSync(pidFile: string): WatcherRecord | undefined {
  try {
    return parseRecord(readFileSync(pidFile, 'utf8'));
  } catch {
    return undefined;
  }
}

function sameRecord(a: WatcherRecord | undefined, b: WatcherRecord | undefined): boolean {
  return a !== undefined && b !== undefined && a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt && a.procStart === b.procStart;
}
