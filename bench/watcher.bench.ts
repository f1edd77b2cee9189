import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Session } from '../src/engine/session.js';
import { readWorkspaceView } from '../src/engine/workspace-view.js';
import { git } from '../src/git/exec.js';
import { run, spawnProcess } from '../src/sys/process.js';
import { loadWorkspace } from '../src/workspace/index.js';
import { BEADS, beadId, beadStatus, beadText, buildFixture, REPOS, repoPath } from './bead-fixture.js';
import { median, type Bench } from './harness.js';

/**
 * The watcher's incremental update (SPEC §4: after one bead commit within
 * 50 ms; watcher RSS under 200 MB), over the 50 repos x 1,000 beads fixture.
 * A child process acts as the watcher: a Session over a workspace of the 50
 * repos (read at a branch of this bench's own, reset to the fixture's main
 * each run), kept open across every round. Per round, this process commits
 * one bead change in one repo with plain git plumbing (hash-object,
 * read-tree into a scratch index, update-index, write-tree, commit-tree,
 * update-ref: its own row), as another process would, and then tells the
 * watcher, which times readWorkspaceView (branch tips, catalog refresh of
 * the changed tree, graph, claims, ready set, wave plan) and checks that it
 * shows the change. Changes alternate: flip a bead's status (open <->
 * closed, so dependents' readiness moves), add a bead with a dep.
 *
 * Two watchers run one after the other: the first on a workspace no orch
 * process has read yet (its first view reads all 50,000 blobs and writes
 * the disk cache), the second a restart on that cache, as `orch watch`
 * usually starts. The incremental figure is the second watcher's median;
 * RSS is each watcher's own after its rounds. Baselines: `git ls-tree
 * <branch>:.agents/beads` of the changed repo (one process, right after each
 * commit), and the RSS of a bare `node -e` process.
 */

const BRANCH = 'bench-watch';
const WARMUP_ROUNDS = 3;
const ROUNDS = 21;
const IDENTITY = { GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'b@example.com' };

/** What a watcher child reports at the end. */
interface WatcherReport {
  firstViewMs: number;
  idleViewMs: number;
  viewMs: number[];
  rssMb: number;
  heapMb: number;
  beads: number;
}

async function makeWorkspace(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'orch-bench-watcher-'));
  await Promise.all(Array.from({ length: REPOS }, (_, repo) => git(repoPath(repo), ['branch', '-f', BRANCH, 'main'])));
  const projects = Array.from({ length: REPOS }, (_, repo) => `  - name: p${repo}\n    path: ${repoPath(repo)}\n    branch: ${BRANCH}\n    agent: script\n`);
  await mkdir(join(root, '.orch'), { recursive: true });
  await writeFile(join(root, '.orch', 'workspace.yaml'), `version: 1\nknowledge: ./knowledge\nreviewers: [bench]\nmaxAgents: 4\nprojects:\n${projects.join('')}`);
  return root;
}

/** One commit on BRANCH of `repo` that writes `text` at `.agents/beads/<id>.md`, with git plumbing (the checkout is left alone). */
async function commitBead(root: string, repo: number, id: string, text: string): Promise<void> {
  const dir = repoPath(repo);
  const env = { ...IDENTITY, GIT_INDEX_FILE: join(root, `index-p${repo}`) };
  const parent = (await git(dir, ['rev-parse', `refs/heads/${BRANCH}`])).stdout.trim();
  const blob = (await git(dir, ['hash-object', '-w', '--stdin'], { input: text })).stdout.trim();
  await git(dir, ['read-tree', parent], { env });
  await git(dir, ['update-index', '--add', '--cacheinfo', `100644,${blob},.agents/beads/${id}.md`], { env });
  const tree = (await git(dir, ['write-tree'], { env })).stdout.trim();
  const commit = (await git(dir, ['commit-tree', tree, '-p', parent, '-m', `bead ${id}`], { env })).stdout.trim();
  await git(dir, ['update-ref', `refs/heads/${BRANCH}`, commit, parent]);
}

interface Change {
  repo: number;
  id: string;
  text: string;
  /** What the view must show afterwards. */
  status: string;
}

/** Round r's change: even rounds flip an open bead to closed (or back), odd rounds add a bead that depends on one. */
function changeOf(round: number, flipped: Map<string, string>): Change {
  const repo = (round * 7) % REPOS;
  if (round % 2 === 1) {
    const id = `p${repo}-new${round}`;
    const dep = beadId(repo, (round * 13) % BEADS);
    const text = ['---', `id: ${id}`, `title: Added in round ${round}`, 'status: open', 'priority: 1', 'type: task', `deps: [${dep}]`, `files: [src/new${round}.ts]`, '---', 'Added by the bench.', ''].join('\n');
    return { repo, id, text, status: 'open' };
  }
  // Indexes 0..5 of every 11 are open in the fixture (unless a hundredth); pick one and flip it.
  let index = (round * 37) % BEADS;
  while (beadStatus(index) !== 'open') index = (index + 1) % BEADS;
  const id = beadId(repo, index);
  const status = (flipped.get(id) ?? 'open') === 'open' ? 'closed' : 'open';
  flipped.set(id, status);
  return { repo, id, text: beadText(repo, index, status), status };
}

/**
 * The watcher, in this process: a Session kept open across every round.
 * Reads one line per round from stdin (`<project> <id> <status>`: the change
 * just committed), answers with the view's time; `done` ends it with a
 * report.
 */
async function runChild(root: string): Promise<void> {
  const { config } = await loadWorkspace(root);
  const session = new Session(config);
  const report: WatcherReport = { firstViewMs: 0, idleViewMs: 0, viewMs: [], rssMb: 0, heapMb: 0, beads: 0 };
  try {
    let start = performance.now();
    const first = await readWorkspaceView(session);
    report.firstViewMs = performance.now() - start;
    report.beads = first.graph.beads.size;
    start = performance.now();
    await readWorkspaceView(session);
    report.idleViewMs = performance.now() - start;
    process.stdout.write('ready\n');
    for await (const line of createInterface({ input: process.stdin })) {
      if (line === 'done') break;
      const [project = '', id = '', status = ''] = line.split(' ');
      start = performance.now();
      const view = await readWorkspaceView(session);
      const ms = performance.now() - start;
      const seen = view.graph.beads.get(`${project}:${id}`)?.status;
      if (seen !== status) throw new Error(`the view shows ${project}:${id} as ${seen}, not ${status}`);
      report.viewMs.push(ms);
      process.stdout.write(`${ms}\n`);
    }
    const memory = process.memoryUsage();
    report.rssMb = memory.rss / 2 ** 20;
    report.heapMb = memory.heapUsed / 2 ** 20;
  } finally {
    await session.close();
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

interface Run {
  report: WatcherReport;
  commitMs: number[];
  baselineMs: number[];
}

/** One watcher child through `rounds` commits (the first WARMUP_ROUNDS not counted). */
async function runWatcher(root: string, rounds: readonly number[], flipped: Map<string, string>): Promise<Run> {
  const child = spawnProcess(process.execPath, [fileURLToPath(import.meta.url), '--watcher-child', root], { stdio: ['pipe', 'pipe', 'inherit'] });
  if (child.stdout === null) throw new Error('no stdout from the watcher child');
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> => {
    const line = await lines.next();
    if (line.done === true) throw new Error('the watcher child ended early');
    return line.value;
  };
  const commitMs: number[] = [];
  const baselineMs: number[] = [];
  try {
    if ((await nextLine()) !== 'ready') throw new Error('the watcher child did not start');
    for (const [index, round] of rounds.entries()) {
      const change = changeOf(round, flipped);
      const before = performance.now();
      await commitBead(root, change.repo, change.id, change.text);
      const committed = performance.now();
      await git(repoPath(change.repo), ['ls-tree', `${BRANCH}:.agents/beads`]);
      const listed = performance.now();
      child.stdin?.write(`p${change.repo} ${change.id} ${change.status}\n`);
      await nextLine();
      if (index < WARMUP_ROUNDS) continue;
      commitMs.push(committed - before);
      baselineMs.push(listed - committed);
    }
    child.stdin?.write('done\n');
    const report = JSON.parse(await nextLine()) as WatcherReport;
    report.viewMs = report.viewMs.slice(WARMUP_ROUNDS);
    return { report, commitMs, baselineMs };
  } finally {
    child.stdin?.end();
    await child.catch(() => undefined);
  }
}

async function bareNodeRss(): Promise<number> {
  const result = await run(process.execPath, ['-e', 'process.stdout.write(String(process.memoryUsage().rss))'], {});
  return Number(result.stdout.trim()) / 2 ** 20;
}

const bench: Bench = {
  name: 'watcher-update',
  async run(report) {
    await buildFixture();
    const root = await makeWorkspace();
    try {
      const flipped = new Map<string, string>();
      const rounds = (from: number) => Array.from({ length: WARMUP_ROUNDS + ROUNDS }, (_, index) => from + index);
      const first = await runWatcher(root, rounds(0), flipped);
      const restart = await runWatcher(root, rounds(WARMUP_ROUNDS + ROUNDS), flipped);
      const bare = await bareNodeRss();
      const base = { name: `git ls-tree of the changed repo's .agents/beads`, value: median([...first.baselineMs, ...restart.baselineMs]) };
      const rss = { name: 'bare node process', value: bare };
      const size = `${REPOS} repos x ${BEADS} beads`;
      const total = WARMUP_ROUNDS + ROUNDS;
      report({ name: `watcher: view after one bead commit (catalog, graph, claims, ready, plan), ${size}, median of ${restart.report.viewMs.length}`, value: median(restart.report.viewMs), unit: 'ms', baseline: base, target: { valueAtMost: 50 } });
      report({ name: 'watcher: the same on its first start (no disk cache before it)', value: median(first.report.viewMs), unit: 'ms', baseline: base });
      report({ name: 'watcher: the bead commit itself (git plumbing: 7 processes)', value: median([...first.commitMs, ...restart.commitMs]), unit: 'ms', baseline: base });
      report({ name: `watcher: first view, no disk cache (${first.report.beads} beads)`, value: first.report.firstViewMs, unit: 'ms', baseline: base });
      report({ name: 'watcher: first view after a restart (disk cache)', value: restart.report.firstViewMs, unit: 'ms', baseline: base });
      report({ name: 'watcher: view with nothing changed', value: restart.report.idleViewMs, unit: 'ms', baseline: base });
      report({ name: `watcher RSS after ${total} rounds (restarted on the disk cache)`, value: restart.report.rssMb, unit: 'MB', baseline: rss, target: { valueAtMost: 200 } });
      report({ name: `watcher RSS after ${total} rounds (first start, no disk cache)`, value: first.report.rssMb, unit: 'MB', baseline: rss, target: { valueAtMost: 200 } });
      report({ name: 'watcher JS heap used after the rounds (restarted; garbage included)', value: restart.report.heapMb, unit: 'MB' });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
};

export default bench;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === '--watcher-child') {
  await runChild(process.argv[3] ?? '');
}
