import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];

/** A fresh temp dir removed after the file's tests. */
export async function tempDir(prefix = 'orch-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

afterAll(async () => {
  if (process.env.ORCH_KEEP_TMP === '1') return;
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true }).catch(() => undefined)));
});
