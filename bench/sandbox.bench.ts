import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chownTree, NOBODY, runInSandbox, type SandboxSpec } from '../src/sandbox/index.js';
import { locateTools as probeTools } from '../src/sandbox/tools.js';
import { spawnProcess } from '../src/sys/process.js';
import { median, timed, type Bench } from './harness.js';

/**
 * SPEC §4: sandbox launch at most 10 ms over a bare spawn of the same
 * command. Both sides run /bin/true, interleaved, in the same run; the
 * sandbox side is the full launch (descriptor hygiene, mount-point checks,
 * seccomp, limits, the start marker, bwrap, teardown). Also measured: the overlay variant the
 * engine uses per bead (adds `unshare -Urm` + mount).
 */

const ROUNDS = 40;
const WARMUP = 5;

async function bare(): Promise<void> {
  await spawnProcess('/bin/true', [], { env: {}, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The spec's own reference point: bwrap with almost nothing (one bind, user+pid namespaces). */
async function minimalBwrap(bwrap: string): Promise<void> {
  await spawnProcess(bwrap, ['--unshare-user', '--unshare-pid', '--ro-bind', '/usr', '/usr', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64', '--', '/bin/true'], {
    env: {},
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(process.getuid?.() === 0 ? { uid: NOBODY.uid, gid: NOBODY.gid } : {}),
  });
}

async function makeSpecs(root: string): Promise<{ plain: SandboxSpec; overlay: SandboxSpec }> {
  const project = join(root, 'project');
  const lower = join(root, 'lower');
  await mkdir(project);
  await mkdir(lower);
  await writeFile(join(lower, 'README.md'), 'base\n');
  const upper = join(root, 'upper');
  const work = join(root, 'work');
  await mkdir(upper);
  await mkdir(work);
  if (process.getuid?.() === 0) {
    for (const dir of [project, lower, upper, work]) await chownTree(dir, NOBODY);
  }
  return { plain: { project: { dir: project } }, overlay: { project: { overlay: { lower: [lower], upper, work } } } };
}

const bench: Bench = {
  name: 'sandbox launch',
  async run(report) {
    const root = await mkdtemp(join(tmpdir(), 'orch-bench-sandbox-'));
    await chmod(root, 0o755);
    try {
      const specs = await makeSpecs(root);
      const bwrap = probeTools().bwrap;
      const samples = { bare: [] as number[], minimal: [] as number[], plain: [] as number[], overlay: [] as number[] };
      for (let round = 0; round < WARMUP + ROUNDS; round += 1) {
        const bareMs = await timed(bare);
        const minimalMs = await timed(() => minimalBwrap(bwrap));
        const plainMs = await timed(() => runInSandbox(specs.plain, ['/bin/true']));
        const overlayMs = await timed(() => runInSandbox(specs.overlay, ['/bin/true']));
        if (round < WARMUP) continue;
        samples.bare.push(bareMs);
        samples.minimal.push(minimalMs);
        samples.plain.push(plainMs);
        samples.overlay.push(overlayMs);
      }
      const baseline = { name: 'bare spawn of /bin/true', value: median(samples.bare) };
      const plain = median(samples.plain);
      const overlay = median(samples.overlay);
      report({ name: 'minimal bwrap launch of /bin/true (reference, median)', value: median(samples.minimal), unit: 'ms', baseline });
      report({ name: 'sandbox launch of /bin/true, plain checkout (median)', value: plain, unit: 'ms', baseline });
      report({ name: 'sandbox launch overhead over bare spawn, plain checkout', value: plain - baseline.value, unit: 'ms', target: { valueAtMost: 10 } });
      report({ name: 'sandbox launch of /bin/true, overlay checkout (median)', value: overlay, unit: 'ms', baseline });
      report({ name: 'sandbox launch overhead over bare spawn, overlay checkout', value: overlay - baseline.value, unit: 'ms' });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
};

export default bench;
