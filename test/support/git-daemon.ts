import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { git } from '../../src/git/exec.js';

/**
 * A real `git daemon` serving bare repos under one base dir over git://, with
 * push enabled (receive-pack), for the scale-out tests and bench: several
 * watchers then share a remote over the network. `stop()` kills the daemon
 * and every connection it is serving (its whole process group), `restart()`
 * listens again on the SAME port, so a client sees an outage, then recovery.
 * No vitest import here: bench/scaleout.bench.ts uses it too.
 */

export const PERSON = {
  GIT_AUTHOR_NAME: 'Person',
  GIT_AUTHOR_EMAIL: 'person@example.com',
  GIT_COMMITTER_NAME: 'Person',
  GIT_COMMITTER_EMAIL: 'person@example.com',
};

export interface GitDaemon {
  /** The directory served; `git://127.0.0.1:<port>/<name>.git` is `<base>/<name>.git`. */
  base: string;
  port: number;
  /** `git://127.0.0.1:<port>/<name>.git`. */
  url(name: string): string;
  /** The bare repo's absolute path. */
  path(name: string): string;
  running(): boolean;
  /** Kills the daemon and the connections it serves; resolves once the port refuses connections. */
  stop(): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts connections. */
  restart(): Promise<void>;
  /** stop(), idempotent; call it in afterAll. */
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

/** A TCP port that was free a moment ago (bound to port 0, then closed). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = connect({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolveConnect(true);
    });
    socket.once('error', () => resolveConnect(false));
  });
}

async function waitUntil(what: string, check: () => Promise<boolean>, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`git daemon: timed out waiting until ${what}`);
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 20));
  }
}

function spawnDaemon(base: string, port: number): ChildProcess {
  // detached: its own process group, so stop() also ends the upload-pack /
  // receive-pack children serving connections at that moment.
  const child = spawn(
    'git',
    ['daemon', '--reuseaddr', `--listen=${HOST}`, `--port=${port}`, `--base-path=${base}`, '--export-all', '--enable=receive-pack', '--informative-errors', base],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.resume();
  return child;
}

function killGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolveKill) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolveKill();
    child.once('exit', () => resolveKill());
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  });
}

/** Starts a daemon over `base` (made if missing) on a free port; waits until it accepts connections. */
export async function startGitDaemon(base: string): Promise<GitDaemon> {
  const dir = base;
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      const started = spawnDaemon(dir, port);
      child = started;
      const exited = new Promise<boolean>((resolveExit) => started.once('exit', () => resolveExit(true)));
      const listening = waitUntil('it accepts connections', () => canConnect(port), 10_000).then(() => false);
      if (!(await Promise.race([listening, exited]))) return;
      // It died before listening (port briefly held by a previous instance): try again.
      if (attempt >= 50) throw new Error(`git daemon could not listen on ${HOST}:${port}`);
      await new Promise((resolveSleep) => setTimeout(resolveSleep, 100));
    }
  };

  const stop = async (): Promise<void> => {
    if (child === undefined) return;
    const stopping = child;
    child = undefined;
    await killGroup(stopping);
    await waitUntil('the port refuses connections', async () => !(await canConnect(port)), 10_000);
  };

  await start();
  return {
    base: dir,
    port,
    url: (name) => `git://${HOST}:${port}/${name}.git`,
    path: (name) => join(dir, `${name}.git`),
    running: () => child !== undefined,
    stop,
    async restart() {
      if (child !== undefined) throw new Error('git daemon is already running');
      await start();
    },
    close: stop,
  };
}

/** Writes `files` in the working tree, commits everything as the person. Returns the commit. */
export async function commitFiles(repo: string, files: Record<string, string>, message: string): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(repo, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
  await git(repo, ['add', '-A']);
  await git(repo, ['commit', '-q', '--allow-empty', '-m', message], { env: PERSON });
  return (await git(repo, ['rev-parse', 'HEAD'])).stdout.trim();
}

/**
 * A bare repo `<base>/<name>.git` with one initial commit on main (a README
 * unless `files` says otherwise). Returns its absolute path.
 */
export async function makeBareRepo(base: string, name: string, files: Record<string, string> = { 'README.md': `# ${name}\n` }): Promise<string> {
  await mkdir(base, { recursive: true });
  const seed = await mkdtemp(join(tmpdir(), 'orch-seed-'));
  try {
    await git(seed, ['init', '-q', '-b', 'main']);
    await commitFiles(seed, files, 'initial');
    const bare = join(base, `${name}.git`);
    await git(base, ['clone', '-q', '--bare', seed, bare]);
    await git(bare, ['symbolic-ref', 'HEAD', 'refs/heads/main']);
    return bare;
  } finally {
    await rm(seed, { recursive: true, force: true });
  }
}

/** `git clone` of `url` (a git:// URL or a path) into `dir` on main, with the person's identity set. */
export async function cloneRepo(url: string, dir: string): Promise<string> {
  await mkdir(dirname(dir), { recursive: true });
  await git(dirname(dir), ['clone', '-q', '--branch', 'main', url, dir]);
  await git(dir, ['config', 'user.name', PERSON.GIT_AUTHOR_NAME]);
  await git(dir, ['config', 'user.email', PERSON.GIT_AUTHOR_EMAIL]);
  return dir;
}

/** Commits `files` in a clone and pushes main to origin (rebasing and retrying when main moved). */
export async function commitAndPush(clone: string, files: Record<string, string>, message: string): Promise<string> {
  await commitFiles(clone, files, message);
  for (let attempt = 0; ; attempt++) {
    const pushed = await git(clone, ['push', '-q', 'origin', 'HEAD:refs/heads/main'], { reject: false });
    if (pushed.exitCode === 0) break;
    if (attempt >= 20) throw new Error(`push from ${clone} failed: ${pushed.stderr}`);
    await git(clone, ['pull', '-q', '--rebase', 'origin', 'main'], { env: PERSON });
  }
  return (await git(clone, ['rev-parse', 'HEAD'])).stdout.trim();
}
