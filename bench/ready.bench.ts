import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readySet } from '../src/beads/index.js';
import { buildCatalogGraph, readBeadCatalog } from '../src/engine/catalog.js';
import { git } from '../src/git/exec.js';
import { run } from '../src/sys/process.js';
import { buildFixture, fixtureProjects, FIXTURE, REPOS } from './bead-fixture.js';
import { median, type Bench } from './harness.js';

/**
 * `orch ready` over 50 repos x 1,000 beads (SPEC §4: within 1.5 s cold).
 * The fixture is built once with `git fast-import` (one commit per repo) and
 * kept in the temp dir. Each figure runs in a fresh node process, timed from
 * the first read to the ready list: cold starts with no disk cache (and writes
 * it, as a first `orch ready` does), warm reads the cache the cold run wrote.
 * The whole-process rows add node start-up and module loading. The baseline
 * is `git ls-tree -r` of the same 50 branches, run concurrently in the same run.
 */

const RUNS = 3;

/** In a fresh process: catalog + graph + ready set, timed from the first read to the ready list. */
async function runChild(cacheDir: string | undefined): Promise<void> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const catalog = await readBeadCatalog(fixtureProjects(), cacheDir === undefined ? {} : { cacheDir });
  const loaded = performance.now();
  const ready = readySet(buildCatalogGraph(catalog));
  const done = performance.now();
  const beads = catalog.reduce((sum, project) => sum + project.beads.length + project.unparsed.length, 0);
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  process.stdout.write(`${JSON.stringify({ ms: done - start, catalogMs: loaded - start, graphMs: done - loaded, cpuMs, beads, ready: ready.length })}\n`);
}

interface ChildResult {
  ms: number;
  wallMs: number;
  beads: number;
}

async function spawnChild(cacheDir: string | undefined): Promise<ChildResult> {
  const self = fileURLToPath(import.meta.url);
  const started = performance.now();
  const result = await run(process.execPath, [self, '--ready-child', cacheDir ?? ''], {});
  const wallMs = performance.now() - started;
  const line = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as { ms: number; beads: number };
  return { ms: line.ms, beads: line.beads, wallMs };
}

async function lsTreeBaseline(): Promise<number> {
  const start = performance.now();
  await Promise.all(fixtureProjects().map((project) => git(project.path, ['ls-tree', '-r', 'refs/heads/main'])));
  return performance.now() - start;
}

const bench: Bench = {
  name: 'ready',
  async run(report) {
    await buildFixture();
    const cacheDir = join(FIXTURE, '.cache');
    const baseline: number[] = [];
    const cold: ChildResult[] = [];
    const warm: ChildResult[] = [];
    for (let round = 0; round < RUNS; round++) {
      baseline.push(await lsTreeBaseline());
      await rm(cacheDir, { recursive: true, force: true });
      cold.push(await spawnChild(cacheDir));
      warm.push(await spawnChild(cacheDir));
    }
    const base = { name: `git ls-tree -r, ${REPOS} repos`, value: median(baseline) };
    const beads = cold[0]?.beads ?? 0;
    report({ name: `orch ready, ${REPOS} repos x ${beads / REPOS} beads, cold (no cache, writes it)`, value: median(cold.map((r) => r.ms)), unit: 'ms', baseline: base, target: { valueAtMost: 1500 } });
    report({ name: `orch ready, ${REPOS} repos x ${beads / REPOS} beads, warm (disk cache)`, value: median(warm.map((r) => r.ms)), unit: 'ms', baseline: base });
    report({ name: 'orch ready cold, whole node process (start, imports, read)', value: median(cold.map((r) => r.wallMs)), unit: 'ms', baseline: base });
    report({ name: 'orch ready warm, whole node process (start, imports, read)', value: median(warm.map((r) => r.wallMs)), unit: 'ms', baseline: base });
  },
};

export default bench;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === '--ready-child') {
  await runChild(process.argv[3] === '' ? undefined : process.argv[3]);
}
