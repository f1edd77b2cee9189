import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { git } from '../../src/git/exec.js';
import { tempDir } from './tmp.js';

export const PERSON = {
  GIT_AUTHOR_NAME: 'Person',
  GIT_AUTHOR_EMAIL: 'person@example.com',
  GIT_COMMITTER_NAME: 'Person',
  GIT_COMMITTER_EMAIL: 'person@example.com',
};

/** A real repo on branch main with one initial commit. */
export async function makeRepo(files: Record<string, string> = { 'README.md': '# test\n' }, dir?: string): Promise<string> {
  const repo = dir ?? (await tempDir('orch-repo-'));
  await git(repo, ['init', '-q', '-b', 'main']);
  await commitFiles(repo, files, 'initial');
  return repo;
}

/** Write files into the working tree, then add and commit them as the person. Returns the commit id. */
export async function commitFiles(repo: string, files: Record<string, string>, message = 'change'): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(repo, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
  await git(repo, ['add', '-A']);
  await git(repo, ['commit', '-q', '--allow-empty', '-m', message], { env: PERSON });
  return (await git(repo, ['rev-parse', 'HEAD'])).stdout.trim();
}
