import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OrchError } from '../errors/index.js';
import { git } from '../git/exec.js';
import { approveLesson, createKnowledgeRepo, proposeLesson } from '../knowledge/index.js';
import { loadWorkspace, type WorkspaceConfig } from '../workspace/index.js';
import { installKnowledgeHooks, installProjectHooks } from './commands/hooks.js';

/**
 * Builds the example workspace of `orch demo` from `.orch-example/`: real
 * git repos with their beads committed, a knowledge repo whose one lesson
 * reached main through a reviewed merge, hooks installed.
 */

/** `.orch-example/` in the installed package (dist/src/cli/ -> package root). */
export function exampleDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '.orch-example');
}

const PERSON = {
  GIT_AUTHOR_NAME: 'Demo Person',
  GIT_AUTHOR_EMAIL: 'person@example.com',
  GIT_COMMITTER_NAME: 'Demo Person',
  GIT_COMMITTER_EMAIL: 'person@example.com',
};

export const DEMO_REVIEWER = 'demo';

async function initRepo(dir: string): Promise<void> {
  await git(dir, ['init', '-q', '-b', 'main']);
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-q', '-m', 'initial commit: code and beads'], { env: PERSON });
}

export async function buildDemoWorkspace(root: string, template: string = exampleDir()): Promise<WorkspaceConfig> {
  if (!existsSync(join(template, 'workspace.yaml'))) {
    throw new OrchError('INTERNAL', `the example workspace is missing at ${template}`, { hint: 'reinstall orch (npm install)' });
  }
  if (existsSync(root) && (await readdir(root)).length > 0) {
    throw new OrchError('USAGE', `${root} is not empty`, { hint: 'name a new or empty directory, or leave DIR out to use a fresh temp dir' });
  }
  await mkdir(join(root, '.orch'), { recursive: true });
  await writeFile(join(root, '.orch', 'workspace.yaml'), await readFile(join(template, 'workspace.yaml')));
  await writeFile(join(root, '.orch', '.gitignore'), 'run/\n');
  for (const name of await readdir(join(template, 'projects'))) {
    await cp(join(template, 'projects', name), join(root, name), { recursive: true });
    await initRepo(join(root, name));
  }
  const { config } = await loadWorkspace(root);
  await createKnowledgeRepo(config.knowledge, config.reviewers);
  const lessonsDir = join(template, 'knowledge', 'lessons');
  for (const file of (await readdir(lessonsDir)).filter((f) => f.endsWith('.md')).sort()) {
    const proposal = await proposeLesson(config.knowledge, { content: await readFile(join(lessonsDir, file)), project: 'api', file: `lessons/${file}` });
    await approveLesson(config.knowledge, proposal.id, { as: DEMO_REVIEWER });
  }
  for (const project of config.projects) await installProjectHooks(root, project);
  await installKnowledgeHooks(root, config.knowledge);
  return config;
}
