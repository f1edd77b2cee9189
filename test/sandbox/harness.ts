import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isOrchError } from '../../src/errors/index.js';
import { runInSandbox, type LaunchOptions, type SandboxResult, type SandboxSpec } from '../../src/sandbox/index.js';
import { tempDir } from '../support/tmp.js';

/**
 * Runs sandboxes the two ways orch is used: by root (the engine as a
 * service; the sandbox then runs as nobody) and by a plain user (uid 1000,
 * through a fixture process using the compiled launcher).
 */

export const FIXTURES = resolve(import.meta.dirname, '../fixtures/sandbox');
export const RUNNER = join(FIXTURES, 'run-sandbox.mjs');
export const DIST_ENTRY = resolve(import.meta.dirname, '../../dist/src/sandbox/index.js');
export const PLAIN_USER = { name: 'cloudsdk', uid: 1000, gid: 1000 };
export const IS_ROOT = process.getuid?.() === 0;
export const HAS_PYTHON = existsSync('/usr/bin/python3');
export const HAS_PLAIN_USER = IS_ROOT && existsSync('/home/cloudsdk');

export type Outcome = { result: SandboxResult; error?: undefined } | { result?: undefined; error: { code: string; message: string } };

export type Mode = 'root' | 'user';

export interface RunRequest {
  spec: SandboxSpec;
  command: string[];
  options?: Omit<LaunchOptions, 'onOutput' | 'signal'>;
}

export interface FixtureRun {
  /** Descriptors handed to the fixture process at the given numbers (inherited without close-on-exec). */
  extraFds?: Record<number, number>;
  env?: Record<string, string>;
  uid?: number;
  gid?: number;
  onReady?: (pid: number) => void;
}

function stdioWith(extra: Record<number, number>): ('pipe' | 'ignore' | number)[] {
  const stdio: ('pipe' | 'ignore' | number)[] = ['pipe', 'pipe', 'pipe'];
  const top = Math.max(2, ...Object.keys(extra).map(Number));
  for (let fd = 3; fd <= top; fd += 1) stdio.push(extra[fd] ?? 'ignore');
  return stdio;
}

/** Starts the fixture runner; resolves with its outcome. */
export function runFixture(request: RunRequest, run: FixtureRun = {}): Promise<Outcome> {
  if (!existsSync(DIST_ENTRY)) throw new Error(`${DIST_ENTRY} is missing: run \`npx tsc -p .\` (npm test does) first`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [RUNNER], {
      cwd: '/',
      env: { PATH: '/usr/bin:/bin', ...run.env },
      stdio: stdioWith(run.extraFds ?? {}),
      ...(run.uid === undefined ? {} : { uid: run.uid, gid: run.gid ?? run.uid }),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (err.includes('SANDBOX-OUTPUT') && run.onReady !== undefined && child.pid !== undefined) {
        const ready = run.onReady;
        run.onReady = undefined;
        ready(child.pid);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (out.trim() === '') {
        reject(new Error(`fixture ended (${code ?? signal}) without an answer: ${err.slice(-2000)}`));
        return;
      }
      resolvePromise(JSON.parse(out) as Outcome);
    });
    child.stdin.end(JSON.stringify(request));
  });
}

/** Runs a sandbox in `mode`: in this process (root) or as the plain user through the fixture. */
export async function runAs(mode: Mode, request: RunRequest, env: Record<string, string> = {}): Promise<Outcome> {
  if (mode === 'user' && IS_ROOT) return runFixture(request, { uid: PLAIN_USER.uid, gid: PLAIN_USER.gid, env });
  try {
    return { result: await runInSandbox(request.spec, request.command, request.options ?? {}) };
  } catch (error) {
    if (isOrchError(error)) return { error: { code: error.code, message: error.message } };
    throw error;
  }
}

/** The result, or a test failure naming the error. */
export function expectResult(outcome: Outcome): SandboxResult {
  if (outcome.error !== undefined) throw new Error(`sandbox failed: ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.result;
}

export interface World {
  base: string;
  /** The checkout, writable by whoever launches (root: the launcher hands it to nobody). */
  project: string;
  /** A peer snapshot: read-only, owned by root. */
  peer: string;
  /** Another project's checkout, world-readable: only the sandbox keeps it out. */
  other: string;
  /** A fake home with an ssh key, world-readable. */
  home: string;
}

export const SECRETS = {
  other: 'OTHER-PROJECT-SECRET-7f3a',
  key: 'FAKE-SSH-PRIVATE-KEY-91cd',
  peer: 'peer-content-4b2e',
};

/** Directories for one test, reachable by the mode's uid. */
export async function makeWorld(mode: Mode): Promise<World> {
  const base = await tempDir('orch-sbx-');
  await chmod(base, 0o755);
  const world: World = {
    base,
    project: join(base, 'project'),
    peer: join(base, 'peer-web'),
    other: join(base, 'other-project'),
    home: join(base, 'home'),
  };
  for (const dir of [world.project, world.peer, world.other, join(world.home, '.ssh')]) await mkdir(dir, { recursive: true, mode: 0o755 });
  await writeFile(join(world.peer, 'README.md'), `${SECRETS.peer}\n`, { mode: 0o444 });
  await writeFile(join(world.other, 'secret.txt'), `${SECRETS.other}\n`, { mode: 0o644 });
  await writeFile(join(world.home, '.ssh', 'id_ed25519'), `${SECRETS.key}\n`, { mode: 0o644 });
  for (const script of ['syscalls.py', 'connect.py']) {
    await copyFile(join(FIXTURES, script), join(world.project, script));
    if (mode === 'user' && IS_ROOT) await chown(join(world.project, script), PLAIN_USER.uid, PLAIN_USER.gid);
  }
  if (mode === 'user' && IS_ROOT) await chown(world.project, PLAIN_USER.uid, PLAIN_USER.gid);
  return world;
}

/** Host processes whose command line contains `marker`. */
export async function hostProcessesWith(marker: string): Promise<number[]> {
  const { readdir, readFile } = await import('node:fs/promises');
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(marker)) found.push(Number(name));
  }
  return found;
}

/** Root runs both passes (the second as uid 1000 through the fixture); a plain user runs its own. */
export const MODES: Mode[] = IS_ROOT ? (HAS_PLAIN_USER ? ['root', 'user'] : ['root']) : ['user'];
