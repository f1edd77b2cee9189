import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { beadKey, planWaves, readySet, type BeadGraph } from '../../src/beads/index.js';
import { buildCatalogGraph } from '../../src/engine/catalog.js';
import { Session } from '../../src/engine/session.js';
import { readWorkspaceView } from '../../src/engine/workspace-view.js';
import { commitFiles } from '../support/git-repo.js';
import { makeWorkspace } from '../support/workspace.js';
import { prng } from '../support/prng.js';

/**
 * A long-lived session (the watcher's) reads the workspace after every
 * commit through its view cache; each view must equal the full computation
 * over the same catalog: buildGraph, readySet and planWaves afresh. Commits
 * come from a seeded PRNG: beads added with deps in and across projects,
 * statuses flipped, deps rewritten, files that stop parsing, beads deleted.
 */

const PROJECTS = ['api', 'web', 'db'];
const STATUSES = ['open', 'open', 'closed', 'closed', 'blocked', 'proposed'];
const PATTERNS = ['src/a.ts', 'src/**', 'docs/x.md', 'lib/**'];

function beadFile(id: string, fields: { status: string; deps: string[]; files: string[]; priority: number }): string {
  return [
    '---',
    `id: ${id}`,
    `title: Bead ${id}`,
    `status: ${fields.status}`,
    `priority: ${fields.priority}`,
    'type: task',
    `deps: [${fields.deps.join(', ')}]`,
    `files: [${fields.files.join(', ')}]`,
    'created: 2025-01-01T00:00:00.000Z',
    '---',
    `Bead ${id}.`,
    '',
  ].join('\n');
}

function shapeOf(graph: BeadGraph) {
  return { beads: [...graph.beads], deps: [...graph.deps], invalid: [...graph.invalid], unparsed: [...graph.unparsed], problems: graph.problems };
}

describe('readWorkspaceView of a long-lived session', () => {
  it('equals the full graph, ready set and plan after every commit', async () => {
    const ws = await makeWorkspace({ projects: PROJECTS.map((name) => ({ name })), maxAgents: 2 });
    const random = prng(11);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    const ids = new Map<string, string[]>(PROJECTS.map((p) => [p, []]));
    const session = new Session(ws.config);
    try {
      for (let step = 0; step < 24; step++) {
        const project = pick(PROJECTS);
        const known = ids.get(project) ?? [];
        const roll = random();
        const path = (id: string) => `.agents/beads/${id}.md`;
        if (roll < 0.12 && known.length > 0) {
          const id = pick(known);
          await commitFiles(ws.repo(project), { [path(id)]: '---\nid: [broken\n---\n' }, `break ${id}`);
        } else if (roll < 0.22 && known.length > 1) {
          const id = pick(known);
          await rm(join(ws.repo(project), path(id)));
          ids.set(project, known.filter((other) => other !== id));
          await commitFiles(ws.repo(project), {}, `delete ${id}`);
        } else {
          const id = roll < 0.55 || known.length === 0 ? `${project}-${step}` : pick(known);
          if (!known.includes(id)) known.push(id);
          const deps = Array.from({ length: Math.floor(random() * 3) }, () => {
            const other = pick(PROJECTS);
            const target = (ids.get(other) ?? []).length > 0 && random() < 0.85 ? pick(ids.get(other) ?? []) : `${other}-ghost`;
            return other === project ? target : `${other}:${target}`;
          });
          const files = Array.from({ length: Math.floor(random() * 3) }, () => pick(PATTERNS));
          await commitFiles(ws.repo(project), { [path(id)]: beadFile(id, { status: pick(STATUSES), deps, files, priority: Math.floor(random() * 3) }) }, `bead ${id}`);
        }

        const view = await readWorkspaceView(session);
        const graph = buildCatalogGraph(view.projects);
        const ready = readySet(graph, view.claimed);
        expect(shapeOf(view.graph)).toEqual(shapeOf(graph));
        expect(view.ready.map(beadKey)).toEqual(ready.map(beadKey));
        expect(view.plan).toEqual(planWaves(ready, { globalCap: 2, projectCaps: Object.fromEntries(ws.config.projects.map((p) => [p.name, p.maxAgents])) }));
        expect(view.problems).toEqual([...new Map([...view.projects.flatMap((p) => p.problems), ...graph.problems].map((p) => [JSON.stringify(p), p])).values()]);

        // A session that never saw the earlier views reads the same workspace the same way.
        const fresh = new Session(ws.config);
        try {
          const other = await readWorkspaceView(fresh);
          expect(shapeOf(other.graph)).toEqual(shapeOf(view.graph));
          expect(other.plan).toEqual(view.plan);
          expect(other.problems).toEqual(view.problems);
        } finally {
          await fresh.close();
        }
      }
    } finally {
      await session.close();
    }
  }, 120_000);
});
