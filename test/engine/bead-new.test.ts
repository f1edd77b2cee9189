import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseBead } from '../../src/beads/index.js';
import { createBeadFile } from '../../src/engine/bead-new.js';
import { tempDir } from '../support/tmp.js';

describe('createBeadFile', () => {
  it('writes a valid bead with a fresh hash id and its created time', async () => {
    const path = await tempDir();
    const clock = { now: () => Date.parse('2024-05-01T10:00:00Z'), sleep: async () => undefined };
    const made = await createBeadFile({ name: 'api', path }, { title: 'Add health', files: ['src/**'], priority: 1 }, { clock });
    expect(made.id).toMatch(/^api-[0-9a-z]{4}$/);
    expect(await readFile(made.file, 'utf8')).toBe(made.text);
    const parsed = parseBead(made.text, { file: made.file, project: 'api' });
    expect(parsed.ok && parsed.bead).toMatchObject({ id: made.id, status: 'open', priority: 1, files: ['src/**'], created: '2024-05-01T10:00:00.000Z' });
  });

  it('never reuses an id taken on the branch or in the directory, even when many are made at once', async () => {
    const path = await tempDir();
    const made = await Promise.all(Array.from({ length: 40 }, (_, i) => createBeadFile({ name: 'api', path }, { title: `Bead ${i}` })));
    expect(new Set(made.map((bead) => bead.id)).size).toBe(40);
  });

  it('refuses a bead that would be invalid', async () => {
    const path = await tempDir();
    await expect(createBeadFile({ name: 'api', path }, { title: 'x', deps: ['bad dep'] })).rejects.toMatchObject({ code: 'BEAD_INVALID' });
  });
});
