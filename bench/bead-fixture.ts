import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CatalogProject } from '../src/engine/catalog.js';
import { git } from '../src/git/exec.js';

/**
 * The 50 repos x 1,000 beads fixture the scale benches share (SPEC §4:
 * `orch ready` cold, the watcher's incremental update). Built once with
 * `git fast-import` (one commit per repo on main) and kept in the temp dir;
 * a bench that commits must do so on a branch of its own, never on main.
 * Beads: two thirds open, some closed, proposed, deferred, blocked, a few
 * with an unknown status (problems); every third depends on the one before,
 * every twentieth on its twin in the previous project.
 */

export const REPOS = 50;
export const BEADS = 1000;
export const FIXTURE = join(tmpdir(), `orch-bench-ready-${REPOS}x${BEADS}-v1`);
const STATUSES = ['open', 'open', 'open', 'open', 'open', 'open', 'closed', 'closed', 'proposed', 'deferred', 'blocked'];

export function beadId(repo: number, index: number): string {
  return `p${repo}-${((index * 7919 + repo * 104729) % 1_679_616).toString(36).padStart(4, '0')}`;
}

/** The fixture's status of a bead ('doing' is invalid on purpose: every hundredth bead is a problem). */
export function beadStatus(index: number): string {
  return index % 100 === 99 ? 'doing' : (STATUSES[index % STATUSES.length] ?? 'open');
}

export function beadText(repo: number, index: number, status: string = beadStatus(index)): string {
  const deps: string[] = [];
  if (index % 3 === 0 && index > 0) deps.push(beadId(repo, index - 1));
  if (index % 20 === 0 && repo > 0) deps.push(`p${repo - 1}:${beadId(repo - 1, index)}`);
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

/** Builds the fixture unless a complete one is already there. */
export async function buildFixture(): Promise<void> {
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

export function repoPath(repo: number): string {
  return join(FIXTURE, `p${repo}`);
}

/** The fixture's projects, read at `branch` (main unless a bench made its own). */
export function fixtureProjects(branch = 'main'): CatalogProject[] {
  return Array.from({ length: REPOS }, (_, repo) => ({ name: `p${repo}`, path: repoPath(repo), branch }));
}
