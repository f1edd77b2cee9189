import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readySet } from '../src/beads/index.js';
import { buildCatalogGraph, readBeadCatalog, type CatalogProject } from '../src/engine/catalog.js';
import { git } from '../src/git/exec.js';
import { run } from '../src/sys/process.js';
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

const REPOS = 50;
const BEADS = 1000;
const RUNS = 3;
const FIXTURE = join(tmpdir(), `orch-bench-ready-${REPOS}x${BEADS}-v1`);
const STATUSES = ['open', 'open', 'open', 'open', 'open', 'open', 'closed', 'closed', 'proposed', 'deferred', 'blocked'];

function beadId(repo: number, index: number): string {
  return `p${repo}-${((index * 7919 + repo * 104729) % 1_679_616).toString(36).padStart(4, '0')}`;
}

function beadText(repo: number, index: number): string {
  const deps: string[] = [];
  if (index % 3 === 0 && index > 0) deps.push(beadId(repo, index - 1));
  if (index % 20 === 0 && repo > 0) deps.push(`p${repo - 1}:${beadId(repo - 1, index)}`);
  const status = index % 100 === 99 ? 'doing' : (STATUSES[index % STATUSES.length] ?? 'open');
  const files = index % 10 === 0 ? '[]' : `[src/m${index % 40}/**, src/f${index}.ts]`;
  return [
    '---',
    `id: ${beadId(repo, index)}`,
    `title: Bead ${index} of project p${repo}, with a realistic title`,
    `status: ${status}`,
    `priority: ${index % 5}`,
    'type: task',
    `deps: [${deps.join(', ')}]`,
    `files: ${files}`,
    'labels: [bench]',
    `created: 2024-05-01T10:${String(index % 60).padStart(2, '0')}:00.000Z`,
    '---',
    `Do the thing number ${index} and check that it is done.`,
    '',
    '```orch-script',
    `echo ${index} > src/f${index}.ts`,
    '```',
    '',
  ].join('\n');
}

function fastImportScript(repo: number): Buffer {
  const parts: Buffer[] = [Buffer.from('commit refs/heads/main\ncommitter Bench <bench@example.com> 1714557600 +0000\ndata 7\nfixture\n')];
  const file = (path: string, text: string) => {
    const data = Buffer.from(text);
    parts.push(Buffer.from(`M 100644 inline ${path}\ndata ${data.length}\n`), data, Buffer.from('\n'));
  };
  file('README.md', `# project p${repo}\n`);
  for (let index = 0; index < BEADS; index++) file(`.agents/beads/${beadId(repo, index)}.md`, beadText(repo, index));
  for (let index = 0; index < 50; index++) file(`src/f${index}.ts`, `export const f${index} = ${index};\n`);
  return Buffer.concat(parts);
}

async function buildFixture(): Promise<void> {
  if (existsSync(join(FIXTURE, '.complete'))) return;
  await rm(FIXTURE, { recursive: true, force: true });
  for (let start = 0; start < REPOS; start += 4) {
    await Promise.all(
      Array.from({ length: Math.min(4, REPOS - start) }, async (_, offset) => {
        const dir = join(FIXTURE, `p${start + offset}`);
        await mkdir(dir, { recursive: true });
        await git(dir, ['init', '-q', '-b', 'main']);
        await git(dir, ['fast-import', '--quiet'], { input: fastImportScript(start + offset) });
        await git(dir, ['checkout', '-q', 'main']);
      }),
    );
  }
  await writeFile(join(FIXTURE, '.complete'), '');
}

function projects(): CatalogProject[] {
  return Array.from({ length: REPOS }, (_, repo) => ({ name: `p${repo}`, path: join(FIXTURE, `p${repo}`), branch: 'main' }));
}

/** In a fresh process: catalog + graph + ready set, timed from the first read to the ready list. */
async function runChild(cacheDir: string | undefined): Promise<void> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const catalog = await readBeadCatalog(projects(), cacheDir === undefined ? {} : { cacheDir });
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
  await Promise.all(projects().map((project) => git(project.path, ['ls-tree', '-r', 'refs/heads/main'])));
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
