import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BEADS_DIR, idFromFileName, newBeadId, serializeNewBead, type NewBead } from '../beads/index.js';
import { OrchError } from '../errors/index.js';
import { systemClock, type Clock } from '../sys/clock.js';

/**
 * `orch bead new`: a fresh hash id (not used on the target branch nor in the
 * working directory), the file written with O_EXCL so two writers can never
 * take the same id, and the text checked by the bead parser before it lands.
 * It does not commit.
 */

export interface NewBeadFile {
  id: string;
  /** Absolute path of the written file. */
  file: string;
  text: string;
}

export interface CreateBeadOptions {
  /** Ids already taken on the target branch (e.g. from the catalog). */
  takenIds?: Iterable<string>;
  clock?: Clock;
}

export async function createBeadFile(
  project: { name: string; path: string },
  input: Omit<NewBead, 'id' | 'created'>,
  options: CreateBeadOptions = {},
): Promise<NewBeadFile> {
  const dir = join(project.path, BEADS_DIR);
  await mkdir(dir, { recursive: true });
  const taken = new Set(options.takenIds ?? []);
  for (const name of await readdir(dir)) if (name.endsWith('.md')) taken.add(idFromFileName(name));
  const created = new Date((options.clock ?? systemClock).now());
  for (let attempt = 0; attempt < 5; attempt++) {
    const id = newBeadId(project.name, (candidate) => taken.has(candidate), undefined, { seed: `${input.title}\n${created.toISOString()}` });
    const text = serializeNewBead({ ...input, id, created }, project.name);
    const file = join(dir, `${id}.md`);
    try {
      await writeFile(file, text, { flag: 'wx' });
      return { id, file, text };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      taken.add(id);
    }
  }
  throw new OrchError('BEAD_EXISTS', `could not find a free bead id in ${dir}`, { hint: 'try again' });
}
