import { readdir, readFile } from 'node:fs/promises';
import { join, relative, dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The architecture, as a test: each folder imports only from lower layers. */
const LAYERS: Record<string, number> = {
  errors: 0,
  sys: 0.5, // sys may use errors
  workspace: 1,
  beads: 1,
  git: 1,
  snapshot: 2,
  sandbox: 2,
  knowledge: 2,
  agents: 3,
  engine: 4,
  ui: 5,
  cli: 6, // the top: wires everything, including ui
};

const SRC = resolve(import.meta.dirname, '../../src');

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.name.endsWith('.ts')) out.push(full);
  }
  return out;
}

function folderOf(file: string): string {
  return relative(SRC, file).split('/')[0] ?? '';
}

describe('architecture', () => {
  it('every src folder is a known layer and imports only from lower layers (or itself)', async () => {
    const violations: string[] = [];
    for (const file of await walk(SRC)) {
      const folder = folderOf(file);
      const layer = LAYERS[folder];
      if (layer === undefined) {
        violations.push(`${relative(SRC, file)}: folder "${folder}" is not in the layer table`);
        continue;
      }
      const text = await readFile(file, 'utf8');
      for (const match of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)) {
        const target = resolve(dirname(file), match[1] ?? '');
        const targetFolder = folderOf(target);
        if (targetFolder === folder) continue;
        const targetLayer = LAYERS[targetFolder];
        if (targetLayer === undefined || targetLayer >= layer) {
          violations.push(`${relative(SRC, file)} imports ${match[1]} (${targetFolder}, layer ${targetLayer}) from layer ${layer}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('no module outside sys/ spawns processes directly', async () => {
    const offenders: string[] = [];
    for (const file of await walk(SRC)) {
      if (folderOf(file) === 'sys') continue;
      const text = await readFile(file, 'utf8');
      if (/from ['"](node:)?child_process['"]|from ['"]execa['"]/.test(text)) offenders.push(relative(SRC, file));
    }
    expect(offenders).toEqual([]);
  });
});
