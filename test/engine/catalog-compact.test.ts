import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBead, type Bead } from '../../src/beads/index.js';
import { readProjectCache, writeProjectCache, type ProjectCache } from '../../src/engine/catalog-cache.js';
import { BeadCompactor } from '../../src/engine/catalog-compact.js';
import { tempDir } from '../support/tmp.js';

/**
 * The catalog keeps beads compacted (texts copied out of the file, repeated
 * values shared): a compacted or restored bead must equal the parsed one,
 * key order included, and the disk cache must give back what was written.
 */

function parsed(id: string, extra = '', project = 'api'): Bead {
  const text = `---\nid: ${id}\ntitle: A title long enough to be cut from the text\nstatus: open\npriority: 1\ntype: task\ndeps: [${id}-dep, web:w-1]\nfiles: [src/a-rather-long-name.ts, docs/**]\nlabels: [backend, urgent]\n${extra}---\nBody of ${id}.\n`;
  const result = parseBead(text, { file: `/ws/${project}/.agents/beads/${id}.md`, project });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.bead;
}

describe('BeadCompactor', () => {
  it('gives an equal bead, with the same keys in the same order, sharing repeated values', () => {
    const compactor = new BeadCompactor();
    for (const extra of ['', 'created: 2025-01-01T00:00:00Z\n', 'created: 2025-01-01T00:00:00Z\nreason: it broke\n']) {
      const first = parsed('api-1', extra);
      const second = parsed('api-2', extra);
      const copies = [structuredClone(first), structuredClone(second)];
      const [a, b] = [compactor.compact(first), compactor.compact(second)];
      expect([a, b]).toStrictEqual(copies);
      expect(Object.keys(a)).toEqual(Object.keys(copies[0] ?? {}));
      expect(a.labels).toBe(b.labels);
      expect(a.lines).toBe(b.lines);
      expect(Object.isFrozen(a.labels) && Object.isFrozen(a.lines)).toBe(true);
    }
  });

  it('restores a stored bead as the parsed one, and shares empty lists', () => {
    const compactor = new BeadCompactor();
    const bead = parsed('api-3', 'created: 2025-01-01T00:00:00Z\n');
    const { project: _project, file: _file, ...stored } = structuredClone(bead);
    const restored = compactor.restore(JSON.parse(JSON.stringify(stored)) as typeof stored, bead.project, bead.file);
    expect(restored).toStrictEqual(bead);
    expect(Object.keys(restored)).toEqual(Object.keys(bead));
    const empty = (id: string) => compactor.restore({ ...stored, id, deps: [], files: [], labels: [] }, 'api', `/f/${id}`);
    expect(empty('x').deps).toBe(empty('y').files);
  });
});

describe('the disk cache', () => {
  it('gives back what was written, over several lines, problems and all', async () => {
    const dir = await tempDir('orch-cache-');
    const path = '/ws/api';
    const files = Array.from({ length: 300 }, (_, i) => {
      const name = `api-${i}.md`;
      if (i % 50 === 7) return { name, blob: `b${i}`, result: { ok: false as const, problems: [{ kind: 'yaml' as const, line: 2, reason: `bad ${i}`, file: `${path}/.agents/beads/${name}`, project: 'api' }] } };
      const bead = parsed(`api-${i}`, i % 3 === 0 ? 'created: 2025-01-01T00:00:00Z\n' : '');
      return { name, blob: `b${i}`, result: { ok: true as const, bead: { ...bead, file: `${path}/.agents/beads/${name}` } } };
    });
    const cache: ProjectCache = { path, branch: 'main', commit: 'c'.repeat(40), tree: 't'.repeat(40), files };
    await writeProjectCache(dir, 'api', cache);
    const text = await readFile(join(dir, 'api.json'), 'utf8');
    expect(text.split('\n').filter((line) => line !== '').length).toBeGreaterThan(2);
    expect(await readProjectCache(dir, 'api', path, 'main')).toStrictEqual(cache);
    expect(await readProjectCache(dir, 'api', path, 'other')).toBeUndefined();
  });
});
