import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/events.js';
import { Runner } from '../../src/engine/runner.js';
import { Session } from '../../src/engine/session.js';
import { git } from '../../src/git/exec.js';
import { commitFiles, PERSON } from '../support/git-repo.js';
import { HAS_BWRAP, skipUnless } from '../support/require.js';
import { tempDir } from '../support/tmp.js';
import {
  beadStatusAt,
  commitBeads,
  commitsOn,
  fileAt,
  fsck,
  landingsOf,
  makeWorkspace,
  refsUnder,
  runWorkFiles,
  statusLines,
  type BeadSpec,
} from '../support/workspace.js';

/**
 * A person working in the same repo while orch lands there (SPEC §1 "Refs",
 * §3.3 step 7): native `git commit` in a loop, an uncommitted edit, and a
 * commit that conflicts with a running bead. Nothing of the person's is lost,
 * nothing of a landed bead is reverted, the checkout stays consistent.
 */

const skip = skipUnless(HAS_BWRAP, 'bwrap');

/**
 * The person: commits person/<i>.txt with native git until STOP exists,
 * retrying while a lock is busy or the branch moved; writes the count to DONE.
 */
const PERSON_LOOP = `
set -u
cd "$1" || exit 2
i=0
while [ ! -e "$2" ]; do
  mkdir -p person
  echo "line $i" > "person/$i.txt"
  tries=0
  until git add "person/$i.txt" 2>/dev/null; do
    tries=$((tries + 1)); [ "$tries" -gt 1000 ] && { echo "git add kept failing" >&2; exit 1; }
    sleep 0.01
  done
  tries=0
  until git commit -q -m "person $i" 2>/dev/null; do
    tries=$((tries + 1)); [ "$tries" -gt 1000 ] && { echo "git commit kept failing" >&2; git status >&2; exit 1; }
    sleep 0.01
  done
  i=$((i + 1))
done
echo "$i" > "$3"
`;

function startPerson(repo: string, stop: string, done: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn('sh', ['-c', PERSON_LOOP, 'person', repo, stop, done], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: repo, ...PERSON }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe.skipIf(skip)('engine and a person in the same repo', () => {
  it('a person committing in a loop during a run loses nothing; landed work is never reverted; an uncommitted edit survives', async () => {
    const ws = await makeWorkspace({ maxAgents: 3, projects: [{ name: 'api', files: { 'README.md': '# api\n', 'notes.txt': 'notes\n' } }] });
    const repo = ws.repo('api');
    const beads: BeadSpec[] = Array.from({ length: 9 }, (_, i) => ({ id: `api-p${i}`, files: [`src/p${i}.txt`], script: `mkdir -p src\nsleep 0.2\necho "bead ${i}" > src/p${i}.txt` }));
    await commitBeads(ws, 'api', beads);
    await writeFile(join(repo, 'notes.txt'), 'my uncommitted edit\n');

    const scratch = await tempDir('orch-person-');
    const stop = join(scratch, 'stop');
    const done = join(scratch, 'done');
    const person = startPerson(repo, stop, done);
    const session = new Session(ws.config);
    let summary;
    try {
      summary = await new Runner(session).runUntilIdle();
    } finally {
      await session.close();
      await writeFile(stop, '');
    }
    const exit = await person;
    expect(exit.code, exit.stderr).toBe(0);
    const personCommits = Number((await readFile(done, 'utf8')).trim());
    expect(personCommits).toBeGreaterThan(0);

    if (process.env.ORCH_TEST_VERBOSE === "1") console.log(personCommits, JSON.stringify(summary.results.map((r) => [r.bead, r.outcome, r.reason])));
    expect(summary.results.filter((r) => r.outcome === 'landed')).toHaveLength(beads.length);
    const log = await commitsOn(repo);
    // Every person commit the HEAD reflog saw is on the branch, and there is one per loop turn.
    const reflog = (await git(repo, ['log', '-g', '--format=%H %gs', 'HEAD'])).stdout.split('\n').filter((l) => / commit: person \d+$/.test(l));
    expect(reflog.length).toBe(personCommits);
    for (const line of reflog) {
      const oid = line.split(' ')[0]!;
      expect((await git(repo, ['merge-base', '--is-ancestor', oid, 'main'], { reject: false })).exitCode, line).toBe(0);
    }
    expect(log.filter((c) => /^person \d+$/.test(c.subject))).toHaveLength(personCommits);
    for (let i = 0; i < personCommits; i++) expect(await fileAt(repo, 'main', `person/${i}.txt`)).toBe(`line ${i}\n`);
    // Every bead landed once, and its work is still at the tip (no person commit reverted it).
    for (const [i, bead] of beads.entries()) {
      expect(await landingsOf(repo, 'api', bead.id)).toHaveLength(1);
      expect(await beadStatusAt(repo, 'main', bead.id)).toBe('closed');
      expect(await fileAt(repo, 'main', `src/p${i}.txt`)).toBe(`bead ${i}\n`);
    }
    // The checkout: only the person's uncommitted edit differs from the branch.
    expect(await readFile(join(repo, 'notes.txt'), 'utf8')).toBe('my uncommitted edit\n');
    expect(await statusLines(repo)).toEqual([' M notes.txt']);
    expect(await refsUnder(repo, 'refs/orch/claims/')).toEqual([]);
    await fsck(repo);
  });

  it('a person committing to the file a running bead writes: the bead fails as a conflict, the person keeps their commit, the work stays in the run ref', async () => {
    const ws = await makeWorkspace({ projects: [{ name: 'api' }] });
    const repo = ws.repo('api');
    await commitBeads(ws, 'api', [{ id: 'api-clash', files: ['src/x.txt'], script: 'mkdir -p src\nsleep 1\necho "from the bead" > src/x.txt' }]);
    const session = new Session(ws.config);
    let personCommit: Promise<string> | undefined;
    session.bus.subscribe((event: EngineEvent) => {
      if (event.type === 'bead-started' && event.bead === 'api-clash') personCommit = commitFiles(repo, { 'src/x.txt': 'from the person\n' }, 'person edits x');
    });
    let summary;
    try {
      summary = await new Runner(session).runUntilIdle();
    } finally {
      await session.close();
    }
    const mine = await personCommit;
    expect(mine).toBeDefined();
    expect(summary.results).toEqual([expect.objectContaining({ bead: 'api-clash', outcome: 'conflict' })]);
    expect((await git(repo, ['merge-base', '--is-ancestor', mine!, 'main'], { reject: false })).exitCode).toBe(0);
    expect(await fileAt(repo, 'main', 'src/x.txt')).toBe('from the person\n');
    expect(await beadStatusAt(repo, 'main', 'api-clash')).toBe('failed');
    expect(await fileAt(repo, 'main', '.agents/beads/api-clash.md')).toMatch(/^reason: .*conflict.*src\/x\.txt/m);
    expect(await runWorkFiles(repo, 'api-clash')).toContain('src/x.txt');
    expect(await fileAt(repo, 'refs/orch/runs/api-clash', 'work/src/x.txt')).toBe('from the bead\n');
    // Only the failure commit carries the bead's trailer; the checkout matches the branch.
    expect(await landingsOf(repo, 'api', 'api-clash')).toHaveLength(1);
    expect(await statusLines(repo)).toEqual([]);
    await fsck(repo);
  });
  it("a person's uncommitted edit of a file the bead changes is kept; the bead still lands on the branch and the index follows it", async () => {
    const ws = await makeWorkspace({ projects: [{ name: 'api', files: { 'README.md': '# api\n', 'src/x.txt': 'base\n', 'src/y.txt': 'base\n' } }] });
    const repo = ws.repo('api');
    await commitBeads(ws, 'api', [{ id: 'api-x', files: ['src/x.txt', 'src/y.txt'], script: 'echo "from the bead" > src/x.txt\necho "from the bead" > src/y.txt' }]);
    await writeFile(join(repo, 'src/x.txt'), 'my work in progress\n');
    const session = new Session(ws.config);
    const events: EngineEvent[] = [];
    session.bus.subscribe((event) => events.push(event));
    try {
      const summary = await new Runner(session).runUntilIdle();
      expect(summary.results).toEqual([expect.objectContaining({ bead: 'api-x', outcome: 'landed' })]);
    } finally {
      await session.close();
    }
    expect(await fileAt(repo, 'main', 'src/x.txt')).toBe('from the bead\n');
    expect(await readFile(join(repo, 'src/x.txt'), 'utf8')).toBe('my work in progress\n');
    // The file the person did not touch is brought along.
    expect(await readFile(join(repo, 'src/y.txt'), 'utf8')).toBe('from the bead\n');
    const finished = events.find((e) => e.type === 'bead-finished');
    expect(finished).toMatchObject({ leftBehind: [expect.stringContaining('src/x.txt')] });
    // Only the person's edit shows, unstaged: a plain `git commit` now cannot undo the bead's work.
    expect(await statusLines(repo)).toEqual([' M src/x.txt']);
    await fsck(repo);
  });

  it('when the person has another branch checked out, the bead lands on its branch and the checkout is not touched', async () => {
    const ws = await makeWorkspace({ projects: [{ name: 'api', files: { 'README.md': '# api\n' } }] });
    const repo = ws.repo('api');
    await commitBeads(ws, 'api', [{ id: 'api-off', files: ['src/off.txt'], script: 'mkdir -p src\necho off > src/off.txt' }]);
    await git(repo, ['checkout', '-q', '-b', 'feature']);
    await commitFiles(repo, { 'feature.txt': 'feature\n' }, 'feature work');
    await writeFile(join(repo, 'README.md'), '# api, edited\n');
    const featureTip = (await git(repo, ['rev-parse', 'feature'])).stdout.trim();
    const session = new Session(ws.config);
    try {
      const summary = await new Runner(session).runUntilIdle();
      expect(summary.results).toEqual([expect.objectContaining({ bead: 'api-off', outcome: 'landed' })]);
    } finally {
      await session.close();
    }
    expect(await fileAt(repo, 'main', 'src/off.txt')).toBe('off\n');
    expect((await git(repo, ['rev-parse', 'feature'])).stdout.trim()).toBe(featureTip);
    expect((await git(repo, ['symbolic-ref', '--short', 'HEAD'])).stdout.trim()).toBe('feature');
    expect(await statusLines(repo)).toEqual([' M README.md']);
    await fsck(repo);
  });
});
