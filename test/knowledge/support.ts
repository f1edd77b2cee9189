import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { git } from '../../src/git/exec.js';
import { createKnowledgeRepo } from '../../src/knowledge/knowledge-repo.js';
import { PERSON } from '../support/git-repo.js';
import { tempDir } from '../support/tmp.js';

export const HOOK_SCRIPT = resolve(import.meta.dirname, '../../hooks/reference-transaction');

export async function makeKnowledgeRepo(reviewers: string[] = ['alice']): Promise<string> {
  const dir = join(await tempDir('orch-knowledge-'), 'knowledge');
  await createKnowledgeRepo(dir, reviewers);
  return dir;
}

/** Install the shipped guard the simplest way: copy it into the repo's hooks dir. */
export async function installGuard(repo: string): Promise<void> {
  const gitDir = (await git(repo, ['rev-parse', '--absolute-git-dir'])).stdout.trim();
  const target = join(gitDir, 'hooks', 'reference-transaction');
  await mkdir(dirname(target), { recursive: true });
  await copyFile(HOOK_SCRIPT, target);
  await chmod(target, 0o755);
}

/** git as a person would run it: hooks on, a person's identity. */
export function personGit(repo: string, args: string[], options: { reject?: boolean; hooks?: boolean } = {}) {
  return git(repo, args, { env: PERSON, hooks: options.hooks ?? true, reject: options.reject ?? true });
}

export interface LessonFields {
  id: string;
  title?: string;
  scope?: string[];
  tags?: string[];
  project?: string;
  bead?: string;
  body?: string;
}

export function lessonText(fields: LessonFields): string {
  const scope = (fields.scope ?? ['*']).map((s) => JSON.stringify(s)).join(', ');
  const source = fields.project === undefined ? [] : [`source: {project: ${fields.project}${fields.bead === undefined ? '' : `, bead: ${fields.bead}`}}`];
  return [
    '---',
    `id: ${fields.id}`,
    `title: ${fields.title ?? `Lesson ${fields.id}`}`,
    `scope: [${scope}]`,
    `tags: [${(fields.tags ?? []).join(', ')}]`,
    ...source,
    '---',
    fields.body ?? `Remember ${fields.id} when working on the code.`,
    '',
  ].join('\n');
}

export async function writeAndCommit(repo: string, files: Record<string, string>, message: string, options: { hooks?: boolean } = {}) {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(repo, path)), { recursive: true });
    await writeFile(join(repo, path), content);
  }
  await personGit(repo, ['add', '-A'], { hooks: options.hooks ?? true });
  return personGit(repo, ['commit', '-q', '-m', message], { hooks: options.hooks ?? true, reject: false });
}

export async function revParse(repo: string, rev: string): Promise<string> {
  return (await git(repo, ['rev-parse', '--verify', rev])).stdout.trim();
}
