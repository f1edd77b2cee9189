import { describe, expect, it } from 'vitest';
import { readBeadCatalog } from '../../src/engine/catalog.js';
import { viewCatalog } from '../../src/engine/catalog-view.js';
import { makeRepo } from '../support/git-repo.js';

const bead = (id: string, extra = '') => `---\nid: ${id}\ntitle: ${id}\nstatus: open\n${extra}---\n`;

describe('viewCatalog', () => {
  it('lists every bead file with its derived state, invalid ones included, and the ready set', async () => {
    const api = await makeRepo({
      '.agents/beads/api-a.md': bead('api-a'),
      '.agents/beads/api-b.md': bead('api-b', 'deps: [api-a]\n'),
      '.agents/beads/api-c.md': bead('api-c', 'deps: [api-c]\n'),
      '.agents/beads/api-d.md': bead('api-d', 'deps: [nope]\n'),
      '.agents/beads/api-e.md': '---\nid: api-e\ntitle: [\n---\n',
      '.agents/beads/api-f.md': bead('api-f', 'deps: [api-e]\n'),
      '.agents/beads/api-g.md': bead('api-x'),
    });
    const projects = await readBeadCatalog([{ name: 'api', path: api, branch: 'main' }]);
    const view = viewCatalog(projects, new Set(['api:api-a']));
    expect(view.rows.map((row) => [row.id, row.state, row.blockedBy ?? row.problems.map((p) => `${p.kind}@${p.line}`)])).toEqual([
      ['api-a', 'claimed', []],
      ['api-b', 'blocked', ['api:api-a']],
      ['api-c', 'invalid', ['cycle@5']],
      ['api-d', 'invalid', ['dep@5']],
      ['api-e', 'invalid', ['yaml@3']],
      ['api-f', 'blocked', ['api:api-e']],
      ['api-g', 'invalid', ['id@2']],
    ]);
    expect(view.ready).toEqual([]);
    expect(view.problems.map((p) => p.kind)).toEqual(['yaml', 'id', 'cycle', 'dep']);
    expect(viewCatalog(projects).ready.map((b) => b.id)).toEqual(['api-a']);
  });
});
