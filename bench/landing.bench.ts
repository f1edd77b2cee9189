import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { git } from '../src/git/exec.js';
import { land } from '../src/git/landing.js';
import { openRepo, type Repo } from '../src/git/repo.js';
import type { Change } from '../src/git/tree-builder.js';
import { median, timed, type Bench } from './harness.js';

/**
 * Landing cost per bead (one new file plus the bead file rewritten to
 * status closed), against `git add -A && git commit` of the same edit in the
 * same repo, at 1k and 10k files. Landing into the checked-out branch
 * includes bringing index and working tree along (and its 10 ms settle hold
 * of index.lock); landing into a branch that is not checked out is objects +
 * one compare-and-swap. Also against SPEC §4's worktree baseline, of which
 * landing is one part of the engine's budget (<= 0.25x at 1k, 0.1x at 10k).
 */

const IDENTITY = { GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };
const BEADS = 12;

async function makeRepo(files: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `orch-bench-land-${files}-`));
  await git(dir, ['init', '-q', '-b', 'main']);
  const writes: Promise<void>[] = [];
  for (let i = 0; i < files; i++) {
    const path = join(dir, `src/m${i % 50}/d${i % 7}/f${i}.ts`);
    writes.push(mkdir(dirname(path), { recursive: true }).then(() => writeFile(path, `export const v${i} = ${i};\n`.repeat(8))));
  }
  for (let b = 0; b < 3 * BEADS; b++) writes.push(mkdir(join(dir, '.agents/beads'), { recursive: true }).then(() => writeFile(join(dir, `.agents/beads/b-${b}.md`), bead(b, 'open'))));
  await Promise.all(writes);
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-q', '-m', 'initial'], { env: IDENTITY });
  return dir;
}

function bead(n: number, status: string): string {
  return `---\nid: b-${n}\ntitle: Bead ${n}\nstatus: ${status}\npriority: 2\n---\nDo thing ${n}.\n`;
}

function changesFor(n: number): Change[] {
  return [
    { kind: 'write', path: `src/new/work-${n}.ts`, content: `export const work${n} = true;\n` },
    { kind: 'write', path: `.agents/beads/b-${n}.md`, content: bead(n, 'closed') },
  ];
}

async function landAll(repo: Repo, branch: string, first: number): Promise<number[]> {
  const times: number[] = [];
  for (let n = first; n < first + BEADS; n++) {
    const base = (await repo.refs.read(`refs/heads/${branch}`)) ?? '';
    times.push(
      await timed(async () => {
        const result = await land(repo, { branch, base, changes: changesFor(n), subject: `bead ${n}`, trailers: [['Bead', `p/b-${n}`], ['Run', base], ['Wave', '1']] });
        if (result.kind !== 'landed') throw new Error(`bead ${n}: ${result.kind}`);
      }),
    );
  }
  return times;
}

async function gitCommitAll(dir: string, first: number): Promise<number[]> {
  const times: number[] = [];
  for (let n = first; n < first + BEADS; n++) {
    times.push(
      await timed(async () => {
        await mkdir(join(dir, 'src/new'), { recursive: true });
        await writeFile(join(dir, `src/new/work-${n}.ts`), `export const work${n} = true;\n`);
        await writeFile(join(dir, `.agents/beads/b-${n}.md`), bead(n, 'closed'));
        await git(dir, ['add', '-A']);
        await git(dir, ['commit', '-q', '-m', `bead ${n}`], { env: IDENTITY });
      }),
    );
  }
  return times;
}

async function worktreeBaseline(dir: string, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const wt = `${dir}-wt${i}`;
    times.push(
      await timed(async () => {
        await git(dir, ['worktree', 'add', '-q', '--detach', wt, 'main']);
        await writeFile(join(wt, 'edit.txt'), `edit ${i}\n`);
        await git(wt, ['add', '-A']);
        await git(wt, ['commit', '-q', '-m', 'edit'], { env: IDENTITY });
        await git(dir, ['worktree', 'remove', '--force', wt]);
      }),
    );
  }
  return median(times);
}

function landingBench(files: number, budget: number): Bench {
  return {
    name: `landing: ${files} files`,
    async run(report) {
      const dir = await makeRepo(files);
      const repo = await openRepo(dir);
      try {
        await git(dir, ['branch', 'side']);
        const baselineTimes = await gitCommitAll(dir, 0);
        const baseline = { name: 'git add -A && git commit', value: median(baselineTimes) };
        const checkedOut = median(await landAll(repo, 'main', BEADS));
        report({ name: `land into the checked-out branch, ${files} files (per bead)`, value: checkedOut, unit: 'ms', baseline });
        const detached = median(await landAll(repo, 'side', 2 * BEADS));
        report({ name: `land into a branch not checked out, ${files} files (per bead)`, value: detached, unit: 'ms', baseline });
        const worktree = await worktreeBaseline(dir, files >= 10_000 ? 2 : 3);
        report({
          name: `land (checked out) vs SPEC worktree baseline, ${files} files; engine budget for all steps <= ${budget}x`,
          value: checkedOut,
          unit: 'ms',
          baseline: { name: 'worktree add + edit + add -A + commit + worktree remove', value: worktree },
        });
      } finally {
        await repo.close();
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

export default [landingBench(1000, 0.25), landingBench(10_000, 0.1)];
