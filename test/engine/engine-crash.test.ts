import { execFileSync } from 'node:child_process';
import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.js';
import { HAS_BWRAP, skipUnless } from '../support/require.js';
import {
  beadStatusAt,
  commitBeads,
  fsck,
  landingsOf,
  makeWorkspace,
  processesMentioning,
  refsUnder,
  runOrch,
  runRecordOf,
  startOrch,
  statusLines,
  waitFor,
  type BeadSpec,
  type TestWorkspace,
} from '../support/workspace.js';

/**
 * SIGKILL of orch mid-wave (SPEC §3.3, last paragraph): the sandboxes die
 * with it, every repo stays valid, and after a restart every bead is closed
 * exactly once, claims are released and the sandbox directories are gone.
 * Kill points vary: as the first sandbox starts, after the first landing
 * (others still running), at a random moment in between, and a watcher.
 */

const skip = skipUnless(HAS_BWRAP, 'bwrap');
const CLAIM_AND_EXIT = resolve(import.meta.dirname, '../fixtures/engine/claim-and-exit.mjs');
const PROJECTS = ['api', 'web'];

/** Three beads per project: slow and quick ones, so a kill finds some running and some landed. */
function batch(trial: number): Map<string, BeadSpec[]> {
  const beads = new Map<string, BeadSpec[]>();
  for (const project of PROJECTS) {
    beads.set(
      project,
      [0, 1, 2].map((i) => ({
        id: `${project}-t${trial}b${i}`,
        files: [`src/t${trial}/b${i}.txt`],
        script: `mkdir -p src/t${trial}\n${i === 1 ? '' : 'sleep 1.5\n'}echo "${project} ${trial} ${i}" > src/t${trial}/b${i}.txt`,
      })),
    );
  }
  return beads;
}

async function commitBatch(ws: TestWorkspace, trial: number): Promise<[string, string][]> {
  const all: [string, string][] = [];
  for (const [project, beads] of batch(trial)) {
    await commitBeads(ws, project, beads, `trial ${trial} beads`);
    all.push(...beads.map((b) => [project, b.id] as [string, string]));
  }
  return all;
}

/** `context`: what orch printed, shown when an expectation fails. */
async function expectRecovered(ws: TestWorkspace, beads: readonly [string, string][], context = ''): Promise<void> {
  for (const [project, id] of beads) {
    const repo = ws.repo(project);
    expect(await landingsOf(repo, project, id), `${id} landings\n${context}`).toHaveLength(1);
    expect(await beadStatusAt(repo, 'main', id)).toBe('closed');
  }
  for (const project of PROJECTS) {
    const repo = ws.repo(project);
    expect(await refsUnder(repo, 'refs/orch/claims/'), context).toEqual([]);
    expect(await statusLines(repo)).toEqual([]);
    await fsck(repo);
  }
  expect(await readdir(`${ws.root}/.orch/run/sandboxes`).catch(() => [])).toEqual([]);
}

/** After the kill: no process of this workspace's sandboxes survives (they die with orch). */
async function expectNoSandboxLeft(ws: TestWorkspace): Promise<void> {
  const left = await waitFor(
    'the sandboxes to die',
    async () => {
      const found = await processesMentioning(ws.root);
      return found.length === 0 ? found : undefined;
    },
    10_000,
    50,
  ).catch(async () => processesMentioning(ws.root));
  expect(left).toEqual([]);
}

/** Starts `orch ARGS`, SIGKILLs it once `killWhen(output)` holds (plus `delayMs`). Returns its output. */
async function runAndKill(ws: TestWorkspace, args: string[], killWhen: (output: string) => boolean, delayMs = 0): Promise<string> {
  const orch = startOrch(ws.root, args);
  await waitFor('the kill point', () => (killWhen(orch.output()) ? true : undefined), 45_000, 5);
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  orch.child.kill('SIGKILL');
  const exit = await orch.exited;
  expect(exit.signal, exit.stdout + exit.stderr).toBe('SIGKILL');
  return orch.output();
}

const running = (output: string): boolean => / running \(run /.test(output);
const landedOne = (output: string): boolean => /: landed as /.test(output);

describe.skipIf(skip)('engine crash: SIGKILL mid-wave, then restart', () => {
  it('`orch run` killed at three points: sandboxes die, repos stay valid, every bead closes exactly once after restart', async () => {
    const ws = await makeWorkspace({ maxAgents: 8, projects: PROJECTS.map((name) => ({ name })) });
    const kills: [string, (output: string) => boolean, number][] = [
      ['first sandbox started', running, 0],
      ['first landing, others still running', landedOne, 0],
      ['a random moment mid-wave', running, Math.floor(Math.random() * 1200)],
    ];
    for (const [trial, [what, when, delay]] of kills.entries()) {
      const beads = await commitBatch(ws, trial);
      const output = await runAndKill(ws, ['run'], when, delay);
      expect(output, what).toMatch(/ running \(run /);
      await expectNoSandboxLeft(ws);
      for (const project of PROJECTS) await fsck(ws.repo(project));

      const restart = await runOrch(ws.root, ['run']);
      expect(restart.code, `${what}: ${restart.stdout}${restart.stderr}`).toBe(0);
      await expectRecovered(ws, beads, `${what}\nkilled run:\n${output}\nrestart:\n${restart.stdout}${restart.stderr}`);
    }
  });

  it('`orch watch` killed mid-wave, then a new watcher recovers and finishes the beads', async () => {
    const ws = await makeWorkspace({ maxAgents: 8, projects: PROJECTS.map((name) => ({ name })) });
    const beads = await commitBatch(ws, 0);
    const output = await runAndKill(ws, ['watch'], running, 300);
    expect(output).toMatch(/^wave 1: /m);
    await expectNoSandboxLeft(ws);

    const watch = startOrch(ws.root, ['watch']);
    try {
      await waitFor(
        'every bead to close',
        async () => {
          for (const [project, id] of beads) if ((await beadStatusAt(ws.repo(project), 'main', id)) !== 'closed') return undefined;
          return true;
        },
        60_000,
        100,
      );
      await waitFor('the watcher to go idle', () => (/^idle: /m.test(watch.output()) ? true : undefined), 30_000);
    } finally {
      watch.child.kill('SIGTERM');
    }
    const exit = await watch.exited;
    expect(exit.code, exit.stderr).toBe(0);
    expect(watch.output()).toMatch(/^recovered /m);
    await expectRecovered(ws, beads);
  });

  it('`orch run` stopped with SIGTERM mid-wave: its sandboxes stop, attempts are recorded, claims released, beads stay open and land on the next run', async () => {
    const ws = await makeWorkspace({ maxAgents: 8, projects: PROJECTS.map((name) => ({ name })) });
    const beads = await commitBatch(ws, 0);
    const orch = startOrch(ws.root, ['run']);
    await waitFor('a sandbox to start', () => (running(orch.output()) ? true : undefined), 45_000, 5);
    orch.child.kill('SIGTERM');
    const exit = await orch.exited;
    expect(exit.signal).toBeNull();
    await expectNoSandboxLeft(ws);
    let cancelled = 0;
    for (const project of PROJECTS) {
      const repo = ws.repo(project);
      expect(await refsUnder(repo, 'refs/orch/claims/')).toEqual([]);
      await fsck(repo);
      // A stopped bead is not failed: it is still open (or landed, if it finished before the signal),
      // and an attempt stopped in its sandbox is recorded as cancelled.
      for (const [p, id] of beads) {
        if (p !== project) continue;
        const status = await beadStatusAt(repo, 'main', id);
        expect(['open', 'closed']).toContain(status);
        if (status === 'open' && (await refsUnder(repo, `refs/orch/runs/${id}`)).length > 0) {
          expect((await runRecordOf(repo, id)).exit, id).toEqual(expect.objectContaining({ cancelled: true }));
          cancelled++;
        }
      }
    }
    expect(cancelled).toBeGreaterThan(0);
    const restart = await runOrch(ws.root, ['run']);
    expect(restart.code, restart.stdout + restart.stderr).toBe(0);
    await expectRecovered(ws, beads);
  });

  it('a claim whose ref lock a killed process left behind holds up only its own bead; once the lock is stale the bead lands', async () => {
    const ws = await makeWorkspace({ projects: [{ name: 'api' }] });
    const repo = ws.repo('api');
    await commitBeads(ws, 'api', [
      { id: 'api-stuck', files: ['stuck.txt'], script: 'echo stuck > stuck.txt' },
      { id: 'api-free', files: ['free.txt'], script: 'echo free > free.txt' },
    ]);
    // A holder that died holding the claim, and died again in the middle of a later update of it:
    // an empty lock file (nothing in it says whose it is).
    execFileSync(process.execPath, [CLAIM_AND_EXIT, repo, 'api-stuck']);
    const lock = join(repo, '.git', 'refs', 'orch', 'claims', 'api-stuck.lock');
    writeFileSync(lock, '');

    const first = await runOrch(ws.root, ['run', '--json']);
    const summary = JSON.parse(first.stdout) as { events: EngineEvent[] };
    expect(await landingsOf(repo, 'api', 'api-free')).toHaveLength(1);
    expect(await beadStatusAt(repo, 'main', 'api-stuck')).toBe('open');
    expect(summary.events).toContainEqual(expect.objectContaining({ type: 'warning', message: expect.stringContaining('api-stuck') }));
    expect(first.code).toBe(1);

    // Nobody holds it any more: past the stale age, the lock is broken and the bead runs.
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(lock, old, old);
    const second = await runOrch(ws.root, ['run']);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(await landingsOf(repo, 'api', 'api-stuck')).toHaveLength(1);
    expect(await beadStatusAt(repo, 'main', 'api-stuck')).toBe('closed');
    expect(await refsUnder(repo, 'refs/orch/claims/')).toEqual([]);
    expect(existsSync(lock)).toBe(false);
    await fsck(repo);
  });
});
