import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];

/**
 * A fresh temp dir removed after the file's tests. It is world-traversable
 * (0755): as root, orch runs sandboxes as an unprivileged uid that must reach
 * the workspace's run dir, as it would under a person's home.
 */
export async function tempDir(prefix = 'orch-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  made.push(dir);
  return dir;
}

afterAll(async () => {
  if (process.env.ORCH_KEEP_TMP === '1') return;
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true }).catch(() => undefined)));
});
