import { chmod, lstat, mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { git } from '../../src/git/exec.js';
import { tempDir } from '../support/tmp.js';
import { PERSON } from '../support/git-repo.js';

/** A workspace dir with `.orch/run/triggers/` (what a running watcher creates) and the trigger path for `key`. */
export async function makeTriggerTarget(key = 'api', { watcherRunning = true } = {}): Promise<{ workspace: string; triggers: string; target: string }> {
  const workspace = await tempDir('orch-ws-');
  const triggers = join(workspace, '.orch', 'run', 'triggers');
  if (watcherRunning) await mkdir(triggers, { recursive: true });
  return { workspace, triggers, target: join(triggers, key) };
}

/** `git commit` as a person would run it: hooks on. */
export async function commitWithHooks(repo: string, files: Record<string, string>, message = 'change', extra: string[] = []): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(repo, path)), { recursive: true });
    await writeFile(join(repo, path), content);
  }
  await git(repo, ['add', '-A'], { hooks: true });
  await git(repo, ['commit', '-q', '--allow-empty', '-m', message, ...extra], { hooks: true, env: PERSON });
}

export async function writeHook(path: string, text: string, mode = 0o755): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  await chmod(path, mode);
}

/** Every file under dir with its mode and content (symlinks as their target), for byte-for-byte comparisons. */
export async function snapshotDir(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir).catch(() => [] as string[])).sort()) {
    const path = join(dir, name);
    const info = await lstat(path);
    if (info.isSymbolicLink()) out[name] = `link -> ${await readlink(path)}`;
    else if (info.isFile()) out[name] = `${(info.mode & 0o7777).toString(8)} ${await readFile(path, 'base64')}`;
    else out[name] = 'dir';
  }
  return out;
}
