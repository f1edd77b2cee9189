import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { git } from '../src/git/exec.js';
import { acquireLease, releaseLease } from '../src/git/leases.js';
import { acquireRemoteLease, releaseRemoteLease } from '../src/git/remote-leases.js';
import { openRepo, type Repo } from '../src/git/repo.js';
import { allBeads, planBeads } from '../test/fixtures/scale-out/beads.js';
import { makeCluster, PROJECTS, waitForAllLanded } from '../test/fixtures/scale-out/cluster.js';
import { cloneRepo, makeBareRepo, startGitDaemon } from '../test/support/git-daemon.js';
import type { Bench } from './harness.js';

/**
 * Scale-out (issue 10); the spec sets no target, so these are ratios only:
 *  - claims per second through a remote (acquire + release, each a push
 *    checked by the remote's receive-pack) over git:// (a local `git daemon`)
 *    and over a path remote, against local ref leases in the same run; a
 *    bare `git push` create + delete loop on the same remotes is shown too,
 *    as the floor git itself sets;
 *  - wall time for 30 beads (chains, cross-project deps, a fixed 0.5 s agent)
 *    with 1, 2 and 3 `orch watch` processes sharing the remotes, from the
 *    person's push to the last landing with no claim left; baseline 1 watcher.
 * The watchers are real CLI processes (bin/orch.js over dist/), built first.
 */

const ORCH_BIN = fileURLToPath(new URL('../../bin/orch.js', import.meta.url));
const REMOTE_PAIRS = 40;
const LOCAL_PAIRS = 1000;

async function scratch(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  return dir;
}

async function perSecond(pairs: number, warmup: number, fn: () => Promise<void>): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const start = performance.now();
  for (let i = 0; i < pairs; i++) await fn();
  return (pairs * 1000) / (performance.now() - start);
}

async function remotePairs(repo: Repo, remote: string): Promise<number> {
  return perSecond(REMOTE_PAIRS, 3, async () => {
    const grant = await acquireRemoteLease(repo, remote, 'refs/orch/claims/bench', { holder: 'bench', ttlMs: 60_000 });
    if (grant.outcome !== 'won') throw new Error(`remote claim not won: ${grant.outcome}`);
    const released = await releaseRemoteLease(repo, remote, grant.lease);
    if (released.outcome !== 'ok') throw new Error(`remote claim not released: ${released.outcome}`);
  });
}

/** The floor git itself sets: `git push` create + delete of a blob ref with the same CAS flags, from the CLI. */
async function rawPushPairs(clone: string, remote: string): Promise<number> {
  let i = 0;
  return perSecond(REMOTE_PAIRS, 3, async () => {
    const blob = (await git(clone, ['hash-object', '-w', '--stdin'], { input: `raw ${i++} ${Math.random()}\n` })).stdout.trim();
    const ref = 'refs/orch/claims/raw';
    await git(clone, ['push', '-q', '--atomic', `--force-with-lease=${ref}:`, remote, `${blob}:${ref}`]);
    await git(clone, ['push', '-q', '--atomic', `--force-with-lease=${ref}:${blob}`, remote, `:${ref}`]);
  });
}

const claims: Bench = {
  name: 'scale-out: claims through a remote',
  async run(report) {
    const root = await scratch('orch-bench-scaleout-claims-');
    const daemon = await startGitDaemon(join(root, 'served'));
    const repos: Repo[] = [];
    try {
      const local = await openRepo(await cloneRepo(await makeBareRepo(join(root, 'plain'), 'local'), join(root, 'local')));
      repos.push(local);
      const localRate = await perSecond(LOCAL_PAIRS, 20, async () => {
        const won = await acquireLease(local, 'refs/orch/claims/bench', { holder: 'bench', ttlMs: 60_000 });
        if (!won.won) throw new Error('local lease not won');
        if (!(await releaseLease(local, won.lease)).ok) throw new Error('local lease not released');
      });
      const baseline = { name: 'local ref lease acquire+release', value: localRate };

      await makeBareRepo(daemon.base, 'api');
      const viaDaemon = await openRepo(await cloneRepo(daemon.url('api'), join(root, 'daemon-clone')));
      repos.push(viaDaemon);
      report({ name: 'claim acquire+release through a git:// remote (git daemon)', value: await remotePairs(viaDaemon, daemon.url('api')), unit: 'ops/s', baseline });
      report({ name: '  for reference: bare `git push` create+delete, git://', value: await rawPushPairs(viaDaemon.path, daemon.url('api')), unit: 'ops/s', baseline });

      const bare = await makeBareRepo(join(root, 'plain'), 'web');
      const viaPath = await openRepo(await cloneRepo(bare, join(root, 'path-clone')));
      repos.push(viaPath);
      report({ name: 'claim acquire+release through a path remote', value: await remotePairs(viaPath, bare), unit: 'ops/s', baseline });
      report({ name: '  for reference: bare `git push` create+delete, path', value: await rawPushPairs(viaPath.path, bare), unit: 'ops/s', baseline });
    } finally {
      await Promise.all(repos.map((r) => r.close()));
      await daemon.close();
      await rm(root, { recursive: true, force: true });
    }
  },
};

/** ms from the person's push of 30 beads to the last landing (no claim left), with `watchers` watchers. */
async function thirtyBeads(watchers: number): Promise<number> {
  const root = await scratch('orch-bench-scaleout-');
  const cluster = await makeCluster({ root, orchBin: ORCH_BIN, watchers, maxAgents: 2, remote: { lease: '10s', poll: '300ms' } });
  try {
    const started = cluster.workspaces.map((w) => cluster.startWatcher(w.index));
    await Promise.all(started.map((w) => w.waitFor('the first idle', (e) => e.type === 'idle', 60_000)));
    const beads = allBeads(planBeads({ projects: PROJECTS, perProject: 15, chainLength: 3, crossDeps: 3, sleep: 0.5 }));
    const start = performance.now();
    for (const project of ['web', 'api'] as const) await cluster.pushBeads(project, beads.filter((b) => b.project === project));
    await waitForAllLanded(cluster, beads, 300_000, 50);
    const elapsed = performance.now() - start;
    const failed = cluster.watchers.flatMap((w) => w.events).filter((e) => e.type === 'bead-finished' && e.outcome !== 'landed' && e.outcome !== 'skipped');
    if (failed.length > 0) console.error(`# ${watchers} watcher(s): ${failed.length} attempts did not land`);
    return elapsed;
  } finally {
    await cluster.close();
    // Sanity: the remote's branch is intact.
    await git(cluster.bare.api, ['fsck', '--no-progress']).catch((error: unknown) => console.error(`# fsck api: ${String(error)}`));
    await rm(root, { recursive: true, force: true });
  }
}

const watchers: Bench = {
  name: 'scale-out: 30 beads, 1-3 watchers',
  long: true,
  async run(report) {
    const one = await thirtyBeads(1);
    const baseline = { name: '1 watcher', value: one };
    report({ name: '30 beads (0.5 s agents), 1 watcher', value: one, unit: 'ms', baseline });
    report({ name: '30 beads (0.5 s agents), 2 watchers', value: await thirtyBeads(2), unit: 'ms', baseline });
    report({ name: '30 beads (0.5 s agents), 3 watchers', value: await thirtyBeads(3), unit: 'ms', baseline });
  },
};

export default [claims, watchers];
