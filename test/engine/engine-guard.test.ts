import { beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.js';
import type { BeadResult } from '../../src/engine/pipeline.js';
import { git } from '../../src/git/exec.js';
import { HAS_BWRAP, skipUnless } from '../support/require.js';
import {
  beadStatusAt,
  changedIn,
  commitBeads,
  fileAt,
  fsck,
  landingsOf,
  makeWorkspace,
  processesMentioning,
  refsUnder,
  runEngineOnce,
  runRecordOf,
  runWorkFiles,
  statusLines,
  type BeadSpec,
  type TestWorkspace,
} from '../support/workspace.js';

/**
 * What must never land (SPEC §3.3 steps 3-5): work outside the declared
 * files, edits of other beads, secrets, a failing agent, a failing or
 * timed-out validation gate. Each such bead gets exactly one commit on its
 * branch (its `status: failed` with the reason) and its work is kept in its
 * run ref. What may land next to it (a new bead as `proposed`, a lesson as a
 * knowledge proposal) is checked too. One engine run covers every case; each
 * test below asserts one guarantee on its result.
 */

const skip = skipUnless(HAS_BWRAP, 'bwrap');

const API: BeadSpec[] = [
  { id: 'api-out', files: ['src/a.txt'], script: 'mkdir -p src\necho a > src/a.txt\necho sneaky > other.txt' },
  { id: 'api-victim', status: 'proposed', files: ['src/victim.txt'], script: 'echo never > src/victim.txt' },
  { id: 'api-edit', files: ['src/edit.txt'], script: 'mkdir -p src\necho e > src/edit.txt\necho "tampered" >> .agents/beads/api-victim.md' },
  { id: 'api-own', files: ['src/own.txt'], script: 'mkdir -p src\necho o > src/own.txt\nsed -i "s/^title: .*/title: renamed/" .agents/beads/api-own.md' },
  { id: 'api-secret', files: ['src/key.txt'], script: "mkdir -p src\nprintf '%s%s\\n' '-----BEGIN RSA PRIV' 'ATE KEY-----' > src/key.txt" },
  { id: 'api-exit', files: ['src/exit.txt'], script: 'mkdir -p src\necho partial > src/exit.txt\nexit 7' },
  {
    id: 'api-new',
    files: ['src/new.txt'],
    script: [
      'mkdir -p src',
      'echo n > src/new.txt',
      "printf -- '---\\nid: api-child\\ntitle: A follow-up the agent found\\nstatus: open\\n---\\nDo the follow-up.\\n' > .agents/beads/api-child.md",
    ].join('\n'),
  },
  {
    id: 'api-lesson',
    files: ['src/lesson.txt'],
    script: [
      'mkdir -p src .agents/lessons',
      'echo l > src/lesson.txt',
      "printf -- '---\\nid: keep-scripts-small\\ntitle: Keep orch scripts small\\nscope: [\"*\"]\\ntags: [test]\\nsource: {project: api}\\n---\\nOne step per block.\\n' > .agents/lessons/keep-scripts-small.md",
    ].join('\n'),
  },
];

let ws: TestWorkspace;
let events: EngineEvent[];
let results: Map<string, BeadResult>;

function result(id: string): BeadResult {
  const found = results.get(id);
  if (found === undefined) throw new Error(`no result for ${id}; results: ${[...results.keys()].join(', ')}`);
  return found;
}

/** The bead got exactly one commit on main, which changes only its own bead file to `status: failed`. */
async function expectFailedOnly(project: string, id: string): Promise<string> {
  const repo = ws.repo(project);
  const commits = await landingsOf(repo, project, id);
  expect(commits, `${id} commits`).toHaveLength(1);
  expect(await changedIn(repo, commits[0]!.oid)).toEqual([`.agents/beads/${id}.md`]);
  expect(await beadStatusAt(repo, 'main', id)).toBe('failed');
  return (await fileAt(repo, 'main', `.agents/beads/${id}.md`)) ?? '';
}

beforeAll(async () => {
  if (skip) return;
  ws = await makeWorkspace({
    maxAgents: 12,
    projects: [
      { name: 'api', maxAgents: 8 },
      { name: 'gated', validate: ['sh', '-c', 'exit 3'] },
      { name: 'checked', validate: ['sh', '-c', '! grep -rq bad src'] },
      { name: 'slow', timeout: '2s' },
    ],
  });
  await commitBeads(ws, 'api', API);
  await commitBeads(ws, 'gated', [{ id: 'gated-g1', files: ['src/**'], script: 'mkdir -p src\necho x > src/x.txt' }]);
  await commitBeads(ws, 'checked', [
    { id: 'checked-ok', files: ['src/ok.txt'], script: 'mkdir -p src\necho good > src/ok.txt' },
    { id: 'checked-bad', files: ['src/bad.txt'], script: 'mkdir -p src\necho bad > src/bad.txt' },
  ]);
  await commitBeads(ws, 'slow', [{ id: 'slow-t1', files: ['src/**'], script: 'mkdir -p src\necho started > src/t.txt\nsleep 60' }]);
  events = [];
  const summary = await runEngineOnce(ws, events);
  results = new Map(summary.results.map((r) => [r.bead, r]));
}, 120_000);

describe.skipIf(skip)('engine guard: work that must not land', () => {
  it('a bead writing outside its declared files is rejected; only its failure lands, its whole work is in the run ref', async () => {
    expect(result('api-out').outcome).toBe('rejected');
    const text = await expectFailedOnly('api', 'api-out');
    expect(text).toMatch(/^reason: .*other\.txt/m);
    const repo = ws.repo('api');
    expect(await fileAt(repo, 'main', 'other.txt')).toBeUndefined();
    expect(await fileAt(repo, 'main', 'src/a.txt')).toBeUndefined();
    expect(await runWorkFiles(repo, 'api-out')).toEqual(expect.arrayContaining(['other.txt', 'src/a.txt']));
    expect(await fileAt(repo, 'refs/orch/runs/api-out', 'work/other.txt')).toBe('sneaky\n');
    const record = await runRecordOf(repo, 'api-out');
    expect(record.verdict).toBe('rejected');
    expect(record.violations).toEqual([expect.objectContaining({ path: 'other.txt', rule: 'out-of-scope' })]);
  });

  it('editing another bead is rejected, and the other bead is untouched', async () => {
    expect(result('api-edit').outcome).toBe('rejected');
    await expectFailedOnly('api', 'api-edit');
    const repo = ws.repo('api');
    expect(await fileAt(repo, 'main', '.agents/beads/api-victim.md')).not.toContain('tampered');
    expect(await beadStatusAt(repo, 'main', 'api-victim')).toBe('proposed');
    expect(results.has('api-victim')).toBe(false);
    expect((await runRecordOf(repo, 'api-edit')).violations).toEqual([expect.objectContaining({ path: '.agents/beads/api-victim.md', rule: 'bead-edit' })]);
  });

  it("editing the bead's own file is rejected (orch writes the closing itself)", async () => {
    expect(result('api-own').outcome).toBe('rejected');
    const text = await expectFailedOnly('api', 'api-own');
    expect(text).toMatch(/^title: bead api-own$/m);
    expect(text).not.toMatch(/^title: renamed$/m);
  });

  it('a secret in the work rejects the bead and nothing of it lands', async () => {
    expect(result('api-secret').outcome).toBe('rejected');
    await expectFailedOnly('api', 'api-secret');
    expect(await fileAt(ws.repo('api'), 'main', 'src/key.txt')).toBeUndefined();
    expect((await runRecordOf(ws.repo('api'), 'api-secret')).violations).toEqual([expect.objectContaining({ path: 'src/key.txt', rule: 'secret' })]);
  });

  it('an agent exiting non-zero fails the bead; its partial work stays in the run ref only', async () => {
    expect(result('api-exit').outcome).toBe('failed');
    const text = await expectFailedOnly('api', 'api-exit');
    expect(text).toMatch(/^reason: .*exit 7/m);
    expect(await fileAt(ws.repo('api'), 'main', 'src/exit.txt')).toBeUndefined();
    expect(await fileAt(ws.repo('api'), 'refs/orch/runs/api-exit', 'work/src/exit.txt')).toBe('partial\n');
    expect((await runRecordOf(ws.repo('api'), 'api-exit')).exit).toEqual(expect.objectContaining({ code: 7 }));
  });

  it('a new bead the agent wrote lands as `proposed` in the same commit as the work, and is not run', async () => {
    expect(result('api-new').outcome).toBe('landed');
    const repo = ws.repo('api');
    const [landing] = await landingsOf(repo, 'api', 'api-new');
    expect(await changedIn(repo, landing!.oid)).toEqual(['.agents/beads/api-child.md', '.agents/beads/api-new.md', 'src/new.txt']);
    expect(await beadStatusAt(repo, 'main', 'api-child')).toBe('proposed');
    expect(await fileAt(repo, 'main', '.agents/beads/api-child.md')).toContain('Do the follow-up.');
    expect(results.has('api-child')).toBe(false);
  });

  it('a lesson the agent wrote never lands in the project; it becomes a proposal in the knowledge repo', async () => {
    expect(result('api-lesson').outcome).toBe('landed');
    const repo = ws.repo('api');
    const [landing] = await landingsOf(repo, 'api', 'api-lesson');
    expect(await changedIn(repo, landing!.oid)).toEqual(['.agents/beads/api-lesson.md', 'src/lesson.txt']);
    expect(events).toContainEqual(expect.objectContaining({ type: 'lesson-proposed', bead: 'api-lesson', accepted: true }));
    expect(await refsUnder(ws.config.knowledge, 'refs/heads/proposals/api/')).toEqual(['refs/heads/proposals/api/keep-scripts-small']);
  });

  it('a failing validation gate keeps the bead failed, lands none of its work, and the run ref records the gate', async () => {
    expect(result('gated-g1').outcome).toBe('failed');
    const text = await expectFailedOnly('gated', 'gated-g1');
    expect(text).toMatch(/^reason: .*validation.*exit 3/m);
    const repo = ws.repo('gated');
    expect(await fileAt(repo, 'main', 'src/x.txt')).toBeUndefined();
    const record = await runRecordOf(repo, 'gated-g1');
    expect(record.gate).toEqual({ command: ['sh', '-c', 'exit 3'], code: 3, ok: false });
    expect(record.verdict).toBe('failed');
    expect(await runWorkFiles(repo, 'gated-g1')).toContain('src/x.txt');
    expect(events).toContainEqual(expect.objectContaining({ type: 'bead-gate', bead: 'gated-g1', ok: false }));
  });

  it("the gate runs on the agent's work: a passing one lands it, a failing one does not", async () => {
    expect(result('checked-ok').outcome).toBe('landed');
    expect(result('checked-bad').outcome).toBe('failed');
    const repo = ws.repo('checked');
    expect(await fileAt(repo, 'main', 'src/ok.txt')).toBe('good\n');
    expect(await fileAt(repo, 'main', 'src/bad.txt')).toBeUndefined();
    expect((await runRecordOf(repo, 'checked-ok')).gate).toEqual(expect.objectContaining({ ok: true, code: 0 }));
    await expectFailedOnly('checked', 'checked-bad');
  });

  it('an agent past its timeout is stopped and the bead fails with nothing landed', async () => {
    expect(result('slow-t1').outcome).toBe('failed');
    const text = await expectFailedOnly('slow', 'slow-t1');
    expect(text).toMatch(/^reason: .*timed out/m);
    expect((await runRecordOf(ws.repo('slow'), 'slow-t1')).exit).toEqual(expect.objectContaining({ timedOut: true }));
    expect(await processesMentioning(ws.root)).toEqual([]);
  });

  it('afterwards every repo is clean: no claims, fsck passes, the checkout matches the branch', async () => {
    for (const project of ['api', 'gated', 'checked', 'slow']) {
      const repo = ws.repo(project);
      expect(await refsUnder(repo, 'refs/orch/claims/')).toEqual([]);
      expect(await statusLines(repo)).toEqual([]);
      await fsck(repo);
      // No bead was tried twice: one run record commit per bead.
      for (const ref of await refsUnder(repo, 'refs/orch/runs/')) {
        expect((await git(repo, ['rev-list', '--count', ref])).stdout.trim(), ref).toBe('1');
      }
    }
  });
});
