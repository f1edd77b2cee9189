import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git } from '../../src/git/exec.js';
import { allBeads, beadFiles, outputPath, planBeads, type ScaleBead } from '../fixtures/scale-out/beads.js';
import {
  beadTrailers,
  claimIntervals,
  eventsOfType,
  fsckStrict,
  heldBy,
  isAncestor,
  mismatchedRunIds,
  landedCounts,
  overlappingClaims,
  readClaim,
  refsUnder,
  remoteProblems,
  unsuccessful,
} from '../fixtures/scale-out/checks.js';
import { makeCluster, PROJECTS, transcripts, waitForAllLanded, type Cluster, type ClusterSpec, type ProjectName } from '../fixtures/scale-out/cluster.js';
import { sampleClaims } from '../fixtures/scale-out/claim-sampler.js';
import type { Watcher, WatchEvent } from '../fixtures/scale-out/watcher.js';
import { cloneRepo, commitAndPush, commitFiles, makeBareRepo, startGitDaemon } from '../support/git-daemon.js';
import { HAS_BWRAP, skipUnless } from '../support/require.js';
import { tempDir } from '../support/tmp.js';
import { ORCH_BIN, runOrch } from '../support/workspace.js';

/**
 * Scale-out (issue 10): three `orch watch --json` processes, each with its
 * own workspace, knowledge repo and clones, coordinate only through one
 * shared remote per project: `api` behind a real `git daemon` (git://),
 * `web` a bare repo named by its path. Beads are pushed by a person's clone.
 * What must hold: every bead lands exactly once on the remote branch (one
 * `Bead:` trailer, closed at the tip, its work there, its run ref pushed), no
 * two watchers ever hold the same claim at once, no claim is left behind,
 * and every repo stays `git fsck --strict` clean: in the plain case, when a
 * watcher is SIGKILLed holding claims (taken over only after its lease ran
 * out), and through an outage of the daemon. Orderings and counts only.
 */

const skip = skipUnless(HAS_BWRAP, 'bwrap');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function newCluster(spec: Omit<ClusterSpec, 'root' | 'orchBin'>): Promise<Cluster> {
  cluster = await makeCluster({ root: await tempDir('orch-scale-'), orchBin: ORCH_BIN, ...spec });
  return cluster;
}

function byProject(beads: readonly ScaleBead[]): Map<ProjectName, ScaleBead[]> {
  const split = new Map<ProjectName, ScaleBead[]>(PROJECTS.map((p) => [p, []]));
  for (const bead of beads) split.get(bead.project as ProjectName)?.push(bead);
  return split;
}

/** Starts a watcher per workspace and waits until each has gone idle once (it fetched and found nothing to do). */
async function startAll(c: Cluster): Promise<Watcher[]> {
  const started = c.workspaces.map((w) => c.startWatcher(w.index));
  await Promise.all(started.map((w) => w.waitFor('the first idle', (e) => e.type === 'idle', 45_000)));
  return started;
}

/** Pushes the beads of each project from the person's clones (web first: api's cross-project deps point there). */
async function pushAll(c: Cluster, beads: readonly ScaleBead[]): Promise<void> {
  const split = byProject(beads);
  for (const project of ['web', 'api'] as const) await c.pushBeads(project, split.get(project) ?? []);
}

/**
 * Waits until every bead has a landing commit on its remote and no claim is
 * left there; then until every live watcher went idle after that; then
 * stops them (SIGTERM) and expects a clean exit.
 */
async function runToTheEnd(c: Cluster, beads: readonly ScaleBead[], deadlineMs = 75_000): Promise<void> {
  await waitForAllLanded(c, beads, deadlineMs);
  const doneAt = Date.now();
  const live = c.watchers.filter((w) => w.alive());
  // Settled: holds nothing, and went idle after the last landing (or idled last).
  const settled = (w: Watcher) => heldBy(w).length === 0 && (w.events.at(-1)?.type === 'idle' || w.events.some((e) => e.type === 'idle' && e.at >= doneAt));
  for (let waited = 0; !live.every(settled); waited += 100) {
    if (waited > 30_000) throw new Error(`watchers did not settle after the last landing\n${transcripts(c)}`);
    await sleep(100);
  }
  for (const watcher of live) {
    const exit = await watcher.stop();
    expect(exit.code, watcher.transcript()).toBe(0);
  }
}

/** The invariants every scenario ends with. */
async function expectExactlyOnce(c: Cluster, beads: readonly ScaleBead[]): Promise<void> {
  const context = transcripts(c);
  const split = byProject(beads);
  for (const project of PROJECTS) expect(await remoteProblems(c.bare[project], project, split.get(project) ?? []), context).toEqual([]);

  const landed = landedCounts(c.watchers);
  const notOnce = beads.map((b) => `${b.project}/${b.id}`).filter((key) => landed.get(key) !== 1).map((key) => `${key}: landed ${landed.get(key) ?? 0} times`);
  expect(notOnce, context).toEqual([]);
  expect([...landed.keys()].filter((key) => !beads.some((b) => `${b.project}/${b.id}` === key)), 'landed beads nobody pushed').toEqual([]);

  const intervals = claimIntervals(c.watchers);
  expect(intervals.length, 'every bead was claimed at least once').toBeGreaterThanOrEqual(beads.length);
  const overlaps = overlappingClaims(intervals).map(([a, b]) => `${a.key}: ${a.watcher} [${a.from}, ${a.to}] ${a.outcome ?? ''} vs ${b.watcher} [${b.from}, ${b.to}] ${b.outcome ?? ''}`);
  expect(overlaps, 'two watchers holding the same claim at once').toEqual([]);
  const mismatched = mismatchedRunIds(c.watchers).map((i) => `${i.watcher} ${i.key}: claimed as run ${i.runId}, finished (${i.outcome ?? '?'}) as run ${i.finishedAs ?? '?'}`);
  expect.soft(mismatched, 'bead-finished carries the run id of its bead-claimed').toEqual([]);

  expect(c.watchers.flatMap((w) => w.badLines.map((line) => `${w.name}: ${line}`)), 'stdout lines that are not NDJSON events').toEqual([]);

  const repos = [c.bare.api, c.bare.web, c.person.api, c.person.web, ...c.workspaces.flatMap((w) => [w.clones.api, w.clones.web])];
  const fsck = await Promise.all(repos.map(fsckStrict));
  expect(fsck.filter((r) => !r.ok), 'git fsck --strict').toEqual([]);
}

/**
 * Nothing in a scenario without faults (or whose only fault is a dead
 * watcher) may fail: a claim lost to another watcher is `skipped`, a landing
 * that lost the race to the branch merges on top and retries.
 */
function expectNoFailedAttempt(c: Cluster): void {
  const failed = unsuccessful(c.watchers).map((e) => `${e.watcher} ${e.project ?? ''}/${e.bead ?? ''} ${e.outcome ?? ''}: ${e.reason ?? ''}`);
  expect.soft(failed, 'attempts that did not land or skip').toEqual([]);
}

describe('git daemon support', () => {
  it('serves clone and push over git://, refuses connections while stopped, and serves again on the same port', async () => {
    const root = await tempDir('orch-daemon-');
    const daemon = await startGitDaemon(join(root, 'served'));
    try {
      await makeBareRepo(daemon.base, 'demo');
      const clone = await cloneRepo(daemon.url('demo'), join(root, 'clone'));
      const pushed = await commitAndPush(clone, { 'a.txt': 'a\n' }, 'a');
      expect((await git(daemon.path('demo'), ['rev-parse', 'refs/heads/main'])).stdout.trim()).toBe(pushed);

      await daemon.stop();
      expect((await git(clone, ['fetch', '-q', 'origin'], { reject: false })).exitCode).not.toBe(0);

      await daemon.restart();
      const port = daemon.port;
      await commitAndPush(clone, { 'b.txt': 'b\n' }, 'b');
      expect(daemon.port).toBe(port);
      expect((await git(daemon.path('demo'), ['log', '--format=%s', 'refs/heads/main'])).stdout.split('\n').filter(Boolean)).toEqual(['b', 'a', 'initial']);
    } finally {
      await daemon.close();
    }
  });
});

describe('scale-out checks', () => {
  const fake = (name: string, events: Partial<WatchEvent>[], exitedAt?: number): Watcher =>
    ({ name, events: events as WatchEvent[], exitedAt: () => exitedAt }) as unknown as Watcher;

  it('flag two watchers holding the same bead at once, pair finishes by run id (falling back on the bead), and end a dead watcher\'s claims at its exit', () => {
    const a = fake('a', [
      { type: 'bead-claimed', at: 100, project: 'api', bead: 'x', runId: 'r1' },
      { type: 'bead-finished', at: 200, project: 'api', bead: 'x', runId: '-', outcome: 'failed' },
      { type: 'bead-claimed', at: 300, project: 'api', bead: 'y', runId: 'r2' },
    ], 400);
    const b = fake('b', [
      { type: 'bead-finished', at: 150, project: 'api', bead: 'x', runId: 'r9', outcome: 'skipped' },
      { type: 'bead-claimed', at: 210, project: 'api', bead: 'x', runId: 'r3' },
      { type: 'bead-finished', at: 260, project: 'api', bead: 'x', runId: 'r3', outcome: 'landed' },
      { type: 'bead-claimed', at: 350, project: 'api', bead: 'y', runId: 'r4' },
    ]);
    const intervals = claimIntervals([a, b]);
    expect(intervals.map((i) => [i.watcher, i.key, i.from, i.to])).toEqual([
      ['a', 'api/x', 100, 200],
      ['a', 'api/y', 300, 400],
      ['b', 'api/x', 210, 260],
      ['b', 'api/y', 350, Infinity],
    ]);
    expect(overlappingClaims(intervals).map(([x, y]) => [x.watcher, y.watcher, x.key])).toEqual([['a', 'b', 'api/y']]);
    expect(mismatchedRunIds([a, b]).map((i) => [i.runId, i.finishedAs])).toEqual([['r1', '-']]);
    expect(heldBy(b).map((i) => i.key)).toEqual(['api/y']);
    expect(landedCounts([a, b])).toEqual(new Map([['api/x', 1]]));
  });
});

describe.skipIf(skip)('scale-out: three watchers sharing one remote per project', () => {
  it('30 beads with chains and cross-project deps land exactly once across three watchers, with no double claim', async () => {
    const c = await newCluster({ watchers: 3, maxAgents: 2, remote: { lease: '10s', poll: '300ms' } });
    const beads = allBeads(planBeads({ projects: PROJECTS, perProject: 15, chainLength: 3, crossDeps: 3, sleep: 0.3 }));
    expect(beads).toHaveLength(30);
    // A bead committed in one watcher's clone but never pushed: it must not run, and that commit must not be lost.
    const local: ScaleBead = { project: 'api', id: 'api-unpushed', deps: [], files: [outputPath('api-unpushed')], sleep: 0 };
    const localCommit = await commitFiles(c.workspaces[0]?.clones.api ?? '', beadFiles([local], 'api'), 'a bead not pushed');
    await startAll(c);
    // Two batches: the second (api chains 3 and 4) is pushed while watchers are landing, so the person's push races them.
    const late = (b: ScaleBead) => b.project === 'api' && /c[34]s/.test(b.id);
    await pushAll(c, beads.filter((b) => !late(b)));
    await Promise.race(c.watchers.map((w) => w.waitFor('an api landing', (e) => e.type === 'bead-finished' && e.project === 'api' && e.outcome === 'landed')));
    await c.pushBeads('api', beads.filter(late), 'more api beads');
    await runToTheEnd(c, beads);
    await expectExactlyOnce(c, beads);
    expectNoFailedAttempt(c);
    // Work was actually shared: more than one watcher landed something.
    const landers = new Set(eventsOfType(c.watchers, 'bead-finished').filter((e) => e.outcome === 'landed').map((e) => e.watcher));
    expect(landers.size, transcripts(c)).toBeGreaterThan(1);

    expect(c.watchers.flatMap((w) => w.events.filter((e) => e.bead === local.id)), 'the unpushed bead never ran').toEqual([]);
    expect((await beadTrailers(c.bare.api)).has(`api/${local.id}`)).toBe(false);
    expect(await isAncestor(c.workspaces[0]?.clones.api ?? '', localCommit, 'refs/heads/main'), 'the person\'s local commit is still on their main').toBe(true);
  });

  it('a SIGKILLed watcher\'s claims are taken over only after their lease ran out, and every bead still lands once', async () => {
    const c = await newCluster({ watchers: 3, maxAgents: 2, remote: { lease: '3s', poll: '300ms' } });
    // Chain heads sleep 3 s (a kill finds them running), the rest 0.3 s.
    const beads = allBeads(planBeads({ projects: PROJECTS, perProject: 6, chainLength: 2, crossDeps: 0, sleep: 0.3 })).map((b) => (b.deps.length === 0 ? { ...b, sleep: 3 } : b));
    const slow = new Set(beads.filter((b) => b.sleep === 3).map((b) => b.id));
    const watchers = await startAll(c);
    const samples = sampleClaims(c);
    try {
      await pushAll(c, beads);
      // The victim: the first watcher to start the agent of a slow bead; killed during that agent's sleep.
      const victim = await Promise.race(watchers.map((w) => w.waitFor('a slow bead started', (e) => e.type === 'bead-started' && slow.has(String(e.bead))).then(() => w)));
      await sleep(300);
      const claimedBefore = heldBy(victim);
      expect(claimedBefore.length, victim.transcript()).toBeGreaterThan(0);
      for (const held of claimedBefore) {
        const [project = '', bead = ''] = held.key.split('/');
        const claim = await readClaim(c.bare[project as ProjectName], bead);
        expect(claim?.record.pid, `${held.key}: the remote's claim names the victim (pid ${victim.pid})`).toBe(victim.pid);
        expect(claim?.record.runId, `${held.key}: and its run`).toBe(held.runId);
      }
      await victim.kill();
      const killedAt = Date.now();
      // A heartbeat push in flight at the kill may still complete; let it, and the sampler see it.
      await sleep(500);
      // What the victim left on the remotes: claims naming it, still there after its death.
      const left = samples.leftBy(victim.pid, killedAt);
      expect(left.map((l) => l.key), 'the victim left on the remote every claim its events say it held').toEqual(expect.arrayContaining(claimedBefore.map((i) => i.key)));

      // `orch status --json` in another workspace lists the dead watcher's claims with holder and host.
      const other = c.workspaces.find((w) => w.root !== victim.workspace);
      const status = await runOrch(other?.root ?? '', ['status', '--json']);
      expect(status.code, status.stderr).toBe(0);
      const listed = (JSON.parse(status.stdout) as { claims: { project: string; bead: string; holder?: string; host?: string }[] }).claims;
      for (const claim of left) {
        const [project = '', bead = ''] = claim.key.split('/');
        expect(listed, status.stdout).toContainEqual(expect.objectContaining({ project, bead, holder: claim.last.record.holder, host: claim.last.record.host }));
      }

      await runToTheEnd(c, beads);
      samples.stop();
      await expectExactlyOnce(c, beads);
      expectNoFailedAttempt(c);

      const survivors = c.watchers.filter((w) => w !== victim);
      for (const { key, last } of left) {
        // The victim's last value (a late heartbeat included): its lease is what a taker must wait out.
        const leaseUntil = Date.parse(last.record.leaseUntil);
        expect(leaseUntil, `${key}: the victim's lease (${last.record.leaseUntil}) outlives the kill`).toBeGreaterThan(killedAt);
        const claimedBySurvivor = survivors.flatMap((w) => w.events.filter((e) => e.type === 'bead-claimed' && `${e.project}/${e.bead}` === key).map((e) => ({ ...e, watcher: w.name })));
        expect(claimedBySurvivor.length, `${key} was claimed again by a survivor\n${transcripts(c)}`).toBeGreaterThan(0);
        for (const claimed of claimedBySurvivor) expect(claimed.at, `${key}: ${claimed.watcher} claimed it before the victim's lease ran out`).toBeGreaterThanOrEqual(leaseUntil);
        const recovered = eventsOfType(survivors, 'recovered').filter((e) => `${e.project}/${e.bead}` === key);
        expect(recovered.length, `${key}: a survivor reported the takeover`).toBeGreaterThan(0);
        for (const event of recovered) expect(event.at, `${key}: recovered before the lease ran out`).toBeGreaterThanOrEqual(leaseUntil);
        // The takeover, as the remote saw it: a compare-and-swap from exactly the victim's last value, after its lease.
        const taker = samples.after(key, last.oid);
        expect(taker, `${key}: the sampler saw the takeover value`).toBeDefined();
        expect(taker?.record.pid, `${key}: taken by a survivor`).not.toBe(victim.pid);
        expect(taker?.record.recovered?.oid, `${key}: the takeover names the value it replaced`).toBe(last.oid);
        expect(taker?.record.recovered?.reason, `${key}: and why`).toBe('expired');
        expect(Date.parse(taker?.record.acquiredAt ?? ''), `${key}: taken over at ${taker?.record.acquiredAt}, lease until ${last.record.leaseUntil}`).toBeGreaterThanOrEqual(leaseUntil);
      }

      // The victim, restarted with its stale local state, runs nothing again.
      const restarted = c.startWatcher(c.workspaces.findIndex((w) => w.root === victim.workspace));
      await restarted.waitFor('the restarted watcher to go idle', (e) => e.type === 'idle', 45_000);
      expect(restarted.events.filter((e) => e.type === 'bead-claimed'), restarted.transcript()).toEqual([]);
      expect((await restarted.stop()).code, restarted.transcript()).toBe(0);
      expect(landedCounts(c.watchers).size).toBe(beads.length);
      expect(await refsUnder(c.bare.api, 'refs/orch/claims/')).toEqual([]);
    } finally {
      samples.stop();
    }
  });

  it('a living holder whose agent runs several leases long keeps its claim: it renews, nobody takes over', async () => {
    const c = await newCluster({ watchers: 2, maxAgents: 2, remote: { lease: '2s', poll: '200ms' } });
    const beads: ScaleBead[] = [{ project: 'api', id: 'api-long1', deps: [], files: [outputPath('api-long1')], sleep: 7 }];
    const samples = sampleClaims(c);
    try {
      await startAll(c);
      await pushAll(c, beads);
      await runToTheEnd(c, beads);
      await expectExactlyOnce(c, beads);
      const context = transcripts(c);
      expect(eventsOfType(c.watchers, 'recovered'), context).toEqual([]);
      expect(eventsOfType(c.watchers, 'bead-claimed'), context).toHaveLength(1);
      const history = samples.history('api/api-long1');
      // One grant, renewed in place: the same holder throughout, no takeover, and (7 s of a 2 s lease) several renewals.
      expect(new Set(history.map((v) => v.record.holder)).size, context).toBe(1);
      expect(history.filter((v) => v.record.recovered !== undefined)).toEqual([]);
      expect(history.length, 'distinct claim values seen on the remote (the grant and its renewals)').toBeGreaterThanOrEqual(4);
    } finally {
      samples.stop();
    }
  });

  it('a daemon outage mid-run: watchers report it, retry, and every bead lands exactly once', async () => {
    const c = await newCluster({ watchers: 3, maxAgents: 2, remote: { lease: '5s', poll: '300ms' } });
    const beads = allBeads(planBeads({ projects: PROJECTS, perProject: 8, chainLength: 2, crossDeps: 2, sleep: 0.3 }));
    const watchers = await startAll(c);
    await pushAll(c, beads);
    await Promise.race(watchers.map((w) => w.waitFor('an api bead to land', (e) => e.type === 'bead-finished' && e.project === 'api' && e.outcome === 'landed')));
    const stoppedAt = Date.now();
    await c.daemon.stop();
    await sleep(3000);
    await c.daemon.restart();
    const restartedAt = Date.now();
    await runToTheEnd(c, beads);
    await expectExactlyOnce(c, beads);
    const api = eventsOfType(c.watchers, 'remote').filter((e) => e.project === 'api');
    const down = api.filter((e) => e.ok === false && e.at >= stoppedAt && e.at <= restartedAt);
    expect(down.length, `a watcher reported api not answering during the outage\n${transcripts(c)}`).toBeGreaterThan(0);
    for (const watcher of new Set(down.map((e) => e.watcher))) {
      const back = api.filter((e) => e.watcher === watcher && e.ok === true && e.at >= restartedAt);
      expect(back.length, `${watcher} reported api answering again after the restart`).toBeGreaterThan(0);
    }
  });
});
