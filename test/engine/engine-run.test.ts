import { describe, expect, it } from 'vitest';
import { scopeOverlaps } from '../../src/beads/index.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { Runner } from '../../src/engine/runner.js';
import { Session } from '../../src/engine/session.js';
import { git } from '../../src/git/exec.js';
import { commitFiles } from '../support/git-repo.js';
import { HAS_BWRAP, skipUnless } from '../support/require.js';
import {
  beadStatusAt,
  changedIn,
  commitBeads,
  fileAt,
  fsck,
  landingsOf,
  makeWorkspace,
  refsUnder,
  runOrch,
  runRecordOf,
  statusLines,
  type BeadSpec,
  type TestWorkspace,
} from '../support/workspace.js';

/**
 * The engine end to end (SPEC §3.2, §3.3) with real git, real bwrap and the
 * script agent: three repos, ten beads, three waves, a cross-project dep read
 * through a peer snapshot. Driven once through the real CLI (`orch run --json`)
 * and once in-process (Session + Runner), asserting on git and on events.
 */

interface Planned extends BeadSpec {
  project: string;
  /** Files the bead's work must land (besides its own bead file). */
  work: string[];
}

/** Ten beads over three projects; the expected waves are 1: h1 u1 g1 p1, 2: h2 v2 c1 g2, 3: a1 r1. */
const SCENARIO: Planned[] = [
  { project: 'api', id: 'api-h1', priority: 1, files: ['src/health.ts'], work: ['src/health.ts'], script: 'mkdir -p src\nprintf "export const health = \\"v1\\";\\n" > src/health.ts' },
  { project: 'api', id: 'api-u1', files: ['src/users.ts'], work: ['src/users.ts'], script: 'mkdir -p src\necho "export const users = [];" > src/users.ts' },
  // Overlaps api-h1: must run in a later wave and see h1's landed work.
  { project: 'api', id: 'api-h2', files: ['src/health.ts'], work: ['src/health.ts'], script: 'grep -q v1 src/health.ts\necho "export const ready = true;" >> src/health.ts' },
  { project: 'api', id: 'api-v2', priority: 3, deps: ['api-h1'], files: ['src/v2/**'], work: ['src/v2/health.ts'], script: 'mkdir -p src/v2\ncp src/health.ts src/v2/health.ts' },
  // Cross-project dep: reads the api's landed code through its read-only snapshot.
  { project: 'web', id: 'web-c1', deps: ['api:api-h1'], files: ['src/client.ts'], work: ['src/client.ts'], script: 'mkdir -p src\ngrep health /project/.shared/api/src/health.ts > src/client.ts\ntest ! -w /project/.shared/api/src/health.ts' },
  { project: 'web', id: 'web-p1', files: ['src/page.ts'], work: ['src/page.ts'], script: 'mkdir -p src\necho "page" > src/page.ts' },
  { project: 'web', id: 'web-a1', deps: ['web-c1'], files: ['src/app.ts'], work: ['src/app.ts'], script: 'cat src/client.ts > src/app.ts' },
  { project: 'docs', id: 'docs-g1', priority: 1, files: ['guide/**'], work: ['guide/intro.md'], script: 'mkdir -p guide\necho "# intro" > guide/intro.md' },
  // Overlaps docs-g1 (a file under its glob).
  { project: 'docs', id: 'docs-g2', files: ['guide/intro.md'], work: ['guide/intro.md'], script: 'grep -q intro guide/intro.md\necho "more" >> guide/intro.md' },
  { project: 'docs', id: 'docs-r1', deps: ['docs-g2'], files: ['README.md'], work: ['README.md'], script: 'echo "see guide/intro.md" >> README.md' },
];

async function buildScenario(): Promise<TestWorkspace> {
  const ws = await makeWorkspace({
    maxAgents: 8,
    projects: [{ name: 'api', share: ['web'] }, { name: 'web', peers: ['api'] }, { name: 'docs' }],
  });
  for (const project of ['api', 'web', 'docs']) {
    await commitBeads(ws, project, SCENARIO.filter((b) => b.project === project), `beads for ${project}`);
  }
  return ws;
}

/** bead key -> the wave it ran in, from `wave-start` events; every bead in exactly one wave. */
function wavesOf(events: readonly EngineEvent[]): Map<string, number> {
  const waves = new Map<string, number>();
  for (const event of events) {
    if (event.type !== 'wave-start') continue;
    for (const bead of event.beads) {
      const key = `${bead.project}:${bead.id}`;
      expect(waves.has(key), `${key} started in two waves`).toBe(false);
      waves.set(key, event.wave);
    }
  }
  return waves;
}

async function assertScenarioLanded(ws: TestWorkspace, events: readonly EngineEvent[]): Promise<void> {
  const waves = wavesOf(events);
  expect(new Set(waves.values()).size).toBeGreaterThanOrEqual(3);
  expect([...waves.keys()].sort()).toEqual(SCENARIO.map((b) => `${b.project}:${b.id}`).sort());

  // Overlapping declared files never share a wave; every dep ran in an earlier wave.
  for (const a of SCENARIO) {
    const waveA = waves.get(`${a.project}:${a.id}`);
    for (const b of SCENARIO) {
      if (a === b || a.project !== b.project) continue;
      const overlap = scopeOverlaps(a.files ?? [], b.files ?? []).length > 0;
      if (overlap) expect(waveA, `${a.id} and ${b.id} overlap`).not.toBe(waves.get(`${b.project}:${b.id}`));
    }
    for (const dep of a.deps ?? []) {
      const depKey = dep.includes(':') ? dep : `${a.project}:${dep}`;
      expect(waveA ?? 0, `${a.id} after ${dep}`).toBeGreaterThan(waves.get(depKey) ?? Infinity);
    }
  }
  expect(waves.get('api:api-h2')).toBeGreaterThan(waves.get('api:api-h1') ?? Infinity);
  expect(waves.get('docs:docs-g2')).toBeGreaterThan(waves.get('docs:docs-g1') ?? Infinity);

  // Each bead: exactly one commit, holding its work and its closing, with its trailers.
  for (const bead of SCENARIO) {
    const repo = ws.repo(bead.project);
    const landings = await landingsOf(repo, bead.project, bead.id);
    expect(landings, `${bead.id} landings`).toHaveLength(1);
    const landing = landings[0]!;
    expect(await changedIn(repo, landing.oid)).toEqual([...bead.work, `.agents/beads/${bead.id}.md`].sort());
    expect(await beadStatusAt(repo, landing.oid, bead.id)).toBe('closed');
    expect(await beadStatusAt(repo, `${landing.oid}^`, bead.id)).toBe('open');
    expect(await beadStatusAt(repo, 'main', bead.id)).toBe('closed');
    expect(landing.trailers.Wave).toBe(String(waves.get(`${bead.project}:${bead.id}`)));
    const runCommit = landing.trailers.Run ?? '';
    expect(runCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(await refsUnder(repo, `refs/orch/runs/${bead.id}`)).toEqual([`refs/orch/runs/${bead.id}`]);
    const record = await runRecordOf(repo, bead.id);
    expect(record.verdict).toBe('accepted');
    expect((await fileAt(repo, runCommit, 'run.json')) !== undefined).toBe(true);
  }

  // The work is what each script computed from what landed before it.
  expect(await fileAt(ws.repo('api'), 'main', 'src/health.ts')).toBe('export const health = "v1";\nexport const ready = true;\n');
  expect(await fileAt(ws.repo('api'), 'main', 'src/v2/health.ts')).toContain('"v1"');
  expect(await fileAt(ws.repo('web'), 'main', 'src/client.ts')).toBe('export const health = "v1";\n');
  expect(await fileAt(ws.repo('web'), 'main', 'src/app.ts')).toBe('export const health = "v1";\n');
  expect(await fileAt(ws.repo('docs'), 'main', 'guide/intro.md')).toBe('# intro\nmore\n');

  for (const project of ['api', 'web', 'docs']) {
    const repo = ws.repo(project);
    expect(await refsUnder(repo, 'refs/orch/claims/')).toEqual([]);
    expect(await statusLines(repo)).toEqual([]);
    await fsck(repo);
  }
}

describe('engine: three repos, ten beads, three waves', () => {
  it.skipIf(skipUnless(HAS_BWRAP, 'bwrap'))('through `orch run`: every bead lands as exactly one commit with its closing, waves respect overlaps and deps', async () => {
    const ws = await buildScenario();
    const result = await runOrch(ws.root, ['run', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { waves: number; landed: number; failed: number; events: EngineEvent[] };
    expect(summary.landed).toBe(10);
    expect(summary.failed).toBe(0);
    expect(summary.waves).toBe(3);
    await assertScenarioLanded(ws, summary.events);

    // Nothing is ready any more: a second run does nothing.
    const again = await runOrch(ws.root, ['run', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { waves: number }).waves).toBe(0);
  });

  it.skipIf(skipUnless(HAS_BWRAP, 'bwrap'))('in-process: Session + Runner land the same plan, and the event stream tells every bead start to finish', async () => {
    const ws = await buildScenario();
    const session = new Session(ws.config);
    const events: EngineEvent[] = [];
    session.bus.subscribe((event) => events.push(event));
    try {
      const summary = await new Runner(session).runUntilIdle();
      expect(summary.results.map((r) => `${r.project}:${r.bead}:${r.outcome}`).sort()).toEqual(SCENARIO.map((b) => `${b.project}:${b.id}:landed`).sort());
    } finally {
      await session.close();
    }
    await assertScenarioLanded(ws, events);
    for (const bead of SCENARIO) {
      const mine = events.filter((e) => 'bead' in e && e.bead === bead.id && e.type !== 'bead-output').map((e) => e.type);
      expect(mine, bead.id).toEqual(['bead-claimed', 'bead-started', 'bead-finished']);
    }
  });
});

describe('engine: what a bead can change, and how waves are cut', () => {
  it.skipIf(skipUnless(HAS_BWRAP, 'bwrap'))('every kind of change lands as the sandbox left it: add, modify, delete, rename, exec bit, nested dirs, odd names, an in-repo symlink', async () => {
    const ws = await makeWorkspace({
      projects: [{ name: 'api', files: { 'README.md': '# api\n', 'old.txt': 'old\n', 'gone.txt': 'gone\n', 'tool.sh': 'echo tool\n', 'lib/keep.txt': 'keep\n' } }],
    });
    await commitBeads(ws, 'api', [
      {
        id: 'api-kinds',
        script: [
          'echo changed > README.md',
          'rm gone.txt',
          'mv old.txt renamed.txt',
          'chmod +x tool.sh',
          'mkdir -p deep/er/still',
          'echo deep > deep/er/still/file.txt',
          'echo spaced > "with space.txt"',
          'printf "\\303\\251t\\303\\251\\n" > "$(printf "caf\\303\\251.txt")"',
          'ln -s lib/keep.txt link-to-keep',
        ].join('\n'),
      },
    ]);
    const session = new Session(ws.config);
    try {
      const summary = await new Runner(session).runUntilIdle();
      expect(summary.results).toEqual([expect.objectContaining({ bead: 'api-kinds', outcome: 'landed' })]);
    } finally {
      await session.close();
    }
    const repo = ws.repo('api');
    const tree = (await git(repo, ['-c', 'core.quotePath=false', 'ls-tree', '-r', '--format=%(objectmode) %(path)', '-z', 'main'])).stdout.split('\0').filter((l) => l !== '');
    expect(tree.filter((l) => !l.includes('.agents/beads/')).sort()).toEqual(
      ['100644 README.md', '100644 renamed.txt', '100755 tool.sh', '100644 deep/er/still/file.txt', '100644 with space.txt', '100644 café.txt', '100644 lib/keep.txt', '120000 link-to-keep'].sort(),
    );
    expect(await fileAt(repo, 'main', 'README.md')).toBe('changed\n');
    expect(await fileAt(repo, 'main', 'link-to-keep')).toBe('lib/keep.txt');
    expect(await landingsOf(repo, 'api', 'api-kinds')).toHaveLength(1);
    expect(await statusLines(repo)).toEqual([]);
  });

  it.skipIf(skipUnless(HAS_BWRAP, 'bwrap'))('a bead with no declared files runs alone in its project; caps cut waves; --once runs one wave; --project runs only that project', async () => {
    const ws = await makeWorkspace({ maxAgents: 8, projects: [{ name: 'api', maxAgents: 2 }, { name: 'web' }] });
    await commitBeads(ws, 'api', [
      { id: 'api-whole', priority: 0, script: 'echo whole > whole.txt' },
      { id: 'api-f1', files: ['f1.txt'], script: 'echo 1 > f1.txt' },
      { id: 'api-f2', files: ['f2.txt'], script: 'echo 2 > f2.txt' },
      { id: 'api-f3', files: ['f3.txt'], script: 'echo 3 > f3.txt' },
    ]);
    await commitBeads(ws, 'web', [{ id: 'web-w1', files: ['w.txt'], script: 'echo w > w.txt' }]);

    const once = await runOrch(ws.root, ['run', '--once', '--project', 'api', '--json']);
    expect(once.code, once.stderr).toBe(0);
    const first = JSON.parse(once.stdout) as { waves: number; events: EngineEvent[] };
    expect(first.waves).toBe(1);
    expect(wavesOf(first.events)).toEqual(new Map([['api:api-whole', 1]]));
    expect(await beadStatusAt(ws.repo('web'), 'main', 'web-w1')).toBe('open');

    const rest = await runOrch(ws.root, ['run', '--json']);
    expect(rest.code, rest.stderr).toBe(0);
    const waves = wavesOf((JSON.parse(rest.stdout) as { events: EngineEvent[] }).events);
    // api's cap of 2 splits f1..f3 over two waves; web joins the first.
    expect(waves).toEqual(new Map([['api:api-f1', 1], ['api:api-f2', 1], ['web:web-w1', 1], ['api:api-f3', 2]]));
    for (const [project, id] of [['api', 'api-f1'], ['api', 'api-f2'], ['api', 'api-f3'], ['web', 'web-w1'], ['api', 'api-whole']] as const) {
      expect(await landingsOf(ws.repo(project), project, id), id).toHaveLength(1);
    }
  });
});

describe('engine: concurrent runners and bad beads', () => {
  it.skipIf(skipUnless(HAS_BWRAP, 'bwrap'))('two `orch run` processes at once: claims make every bead land exactly once', async () => {
    const ws = await makeWorkspace({ maxAgents: 3, projects: [{ name: 'api' }, { name: 'web' }] });
    const ids = new Map<string, string[]>();
    for (const project of ['api', 'web']) {
      const beads = Array.from({ length: 4 }, (_, i) => ({ id: `${project}-r${i}`, files: [`r${i}.txt`], script: `sleep 0.3\necho ${i} >> r${i}.txt` }));
      ids.set(project, beads.map((b) => b.id));
      await commitBeads(ws, project, beads);
    }
    const [a, b] = await Promise.all([runOrch(ws.root, ['run', '--json']), runOrch(ws.root, ['run', '--json'])]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const landedBy = [a, b].map((r) => (JSON.parse(r.stdout) as { landed: number }).landed);
    expect(landedBy[0]! + landedBy[1]!).toBe(8);
    for (const [project, list] of ids) {
      const repo = ws.repo(project);
      for (const [i, id] of list.entries()) {
        expect(await landingsOf(repo, project, id), id).toHaveLength(1);
        expect(await fileAt(repo, 'main', `r${i}.txt`)).toBe(`${i}\n`);
      }
      expect(await refsUnder(repo, 'refs/orch/claims/')).toEqual([]);
      expect(await statusLines(repo)).toEqual([]);
      await fsck(repo);
    }
  });

  it.skipIf(skipUnless(HAS_BWRAP, 'bwrap'))('an invalid bead is reported with file and line and never run; the valid ones land and the bad file is not rewritten', async () => {
    const ws = await makeWorkspace({ projects: [{ name: 'api' }] });
    const broken = '---\nid: api-bad\ntitle: broken\nstatus: opne\nfiles: [x.txt]\n---\n```orch-script\necho x > x.txt\n```\n';
    await commitBeads(ws, 'api', [{ id: 'api-good', files: ['good.txt'], script: 'echo good > good.txt' }]);
    await commitFiles(ws.repo('api'), { '.agents/beads/api-bad.md': broken }, 'a broken bead');
    const result = await runOrch(ws.root, ['run', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { landed: number; events: EngineEvent[] };
    expect(summary.landed).toBe(1);
    expect(summary.events).toContainEqual(expect.objectContaining({ type: 'problem', project: 'api', file: expect.stringContaining('api-bad.md'), line: 4 }));
    const repo = ws.repo('api');
    expect(await fileAt(repo, 'main', '.agents/beads/api-bad.md')).toBe(broken);
    expect(await fileAt(repo, 'main', 'x.txt')).toBeUndefined();
    expect(await landingsOf(repo, 'api', 'api-good')).toHaveLength(1);
  });
});
