import { describe, expect, it } from 'vitest';
import { parseBead, serializeNewBead } from '../../src/beads/index.js';

describe('serializeNewBead', () => {
  it('writes every field and reads back to the same bead', () => {
    const text = serializeNewBead(
      {
        id: 'api-k3f9',
        title: 'Add a /health endpoint: now, with "quotes"',
        priority: 1,
        deps: ['api-7b2q', 'web:web-x81c'],
        files: ['src/server.ts', '**/*.test.ts', 'src/{a,b}.ts'],
        labels: ['backend', 'needs review'],
        created: new Date('2024-05-01T10:00:00Z'),
        body: 'What to do.',
      },
      'api',
    );
    expect(text.split('\n').slice(0, 5)).toEqual(['---', 'id: api-k3f9', 'title: "Add a /health endpoint: now, with \\"quotes\\""', 'status: open', 'priority: 1']);
    expect(text.endsWith('---\nWhat to do.\n')).toBe(true);
    const parsed = parseBead(text, { file: 'api-k3f9.md', project: 'api' });
    expect(parsed.ok && parsed.bead).toMatchObject({
      id: 'api-k3f9',
      title: 'Add a /health endpoint: now, with "quotes"',
      status: 'open',
      priority: 1,
      type: 'task',
      deps: ['api-7b2q', 'web:web-x81c'],
      files: ['src/server.ts', '**/*.test.ts', 'src/{a,b}.ts'],
      labels: ['backend', 'needs review'],
      created: '2024-05-01T10:00:00.000Z',
    });
  });

  it('refuses what would be an invalid bead, with the reason', () => {
    const base = { id: 'api-k3f9', title: 'T', created: '2024-05-01T10:00:00Z' };
    expect(() => serializeNewBead({ ...base, deps: ['not a dep'] })).toThrow(/deps/);
    expect(() => serializeNewBead({ ...base, files: ['../x'] })).toThrow(/files/);
    expect(() => serializeNewBead({ ...base, priority: 9 })).toThrow(/priority/);
    expect(() => serializeNewBead({ ...base, title: 'two\nlines' })).toThrow(/title/);
    expect(() => serializeNewBead({ ...base, created: 'yesterday' })).toThrow(/created/);
  });
});
