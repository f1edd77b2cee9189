import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { OrchError } from '../../errors/index.js';
import { git } from '../../git/exec.js';
import { createKnowledgeRepo } from '../../knowledge/index.js';
import { addProjectToWorkspace, loadWorkspace, writeNewWorkspace } from '../../workspace/index.js';
import { defineAction, withJson, type CommandHost } from '../command.js';
import { workspaceRootOf } from '../context.js';
import { installKnowledgeHooks, installProjectHooks } from './hooks.js';

function parseList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

async function ignoreRunDir(root: string): Promise<void> {
  const file = join(root, '.orch', '.gitignore');
  if (!existsSync(file)) await writeFile(file, '# runtime files: sockets, pid file, sandboxes, snapshot cache, logs\nrun/\n');
}

export function registerInit(program: Command, host: CommandHost): void {
  const init = withJson(
    program
      .command('init [dir]')
      .description('create a workspace: .orch/workspace.yaml and a knowledge repo with its guard hook')
      .option('--reviewers <names>', 'comma-separated people who may approve lessons', parseList)
      .option('--knowledge <path>', 'where the knowledge repo goes (default ./knowledge)')
      .option('--max-agents <n>', 'sandboxes at once across projects (default 3)', (v) => Number(v)),
  );
  defineAction<{ reviewers?: string[]; knowledge?: string; maxAgents?: number }>(init, host, async (options, output, args) => {
    const root = resolve(args[0] ?? '.');
    if (options.maxAgents !== undefined && (!Number.isInteger(options.maxAgents) || options.maxAgents < 1)) {
      throw new OrchError('USAGE', '--max-agents must be a whole number of at least 1');
    }
    await mkdir(root, { recursive: true });
    const reviewers = options.reviewers ?? [process.env.USER ?? 'me'];
    const file = await writeNewWorkspace(root, {
      reviewers,
      ...(options.knowledge === undefined ? {} : { knowledge: options.knowledge }),
      ...(options.maxAgents === undefined ? {} : { maxAgents: options.maxAgents }),
    });
    await ignoreRunDir(root);
    const { config } = await loadWorkspace(root);
    const knowledge = await createKnowledgeRepo(config.knowledge, config.reviewers);
    const hooks = await installKnowledgeHooks(root, config.knowledge);
    output.result({ workspace: root, config: file, knowledge: knowledge.dir, created: knowledge.created, hooks }, () =>
      [
        `Created workspace ${root}`,
        `  config:    ${relative(process.cwd(), file) || file}`,
        `  knowledge: ${knowledge.dir}${knowledge.created ? ' (new repo, guarded by a reference-transaction hook)' : ' (existing repo kept)'}`,
        `  reviewers: ${config.reviewers.join(', ') || '(none: add some to approve lessons)'}`,
        'Next: orch add PATH   (register a git repo as a project)',
      ].join('\n'),
    );
    return 0;
  });

  const add = withJson(
    program
      .command('add <path>')
      .description('register a git repo as a project and install its hooks')
      .option('--name <name>', 'project name (default: the directory name)')
      .option('--branch <branch>', "target branch (default: the repo's current branch)")
      .option('--remote <remote>', 'coordinate through this shared remote (a remote name like origin, a URL, or a path): claims, run records and landings go there')
      .option('--no-hooks', 'do not install the git hooks'),
  );
  defineAction<{ name?: string; branch?: string; remote?: string; hooks: boolean }>(add, host, async (options, output, args) => {
    const root = await workspaceRootOf(options);
    const path = resolve(args[0] ?? '.');
    const top = await git(path, ['rev-parse', '--show-toplevel'], { reject: false });
    if (top.exitCode !== 0) {
      throw new OrchError('NOT_A_REPO', `${path} is not a git repository`, { hint: 'run `git init` there first, or pass the path of a repo' });
    }
    let branch = options.branch;
    if (branch === undefined) {
      const head = await git(path, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { reject: false });
      branch = head.stdout.trim();
      if (head.exitCode !== 0 || branch.length === 0) {
        throw new OrchError('USAGE', `${path} has a detached HEAD, so its target branch is unknown`, { hint: 'pass --branch NAME' });
      }
    }
    const name = options.name ?? basename(top.stdout.trim()).toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^[^a-z]+/, '');
    const written = relative(root, top.stdout.trim());
    await addProjectToWorkspace(root, { name, path: written.startsWith('..') || isAbsolute(written) ? top.stdout.trim() : `./${written}`, branch, ...(options.remote === undefined ? {} : { remote: options.remote }) });
    const { config } = await loadWorkspace(root);
    const project = config.projects.find((p) => p.name === name);
    const hooks = options.hooks && project !== undefined ? await installProjectHooks(root, project) : undefined;
    output.result({ project: name, path: top.stdout.trim(), branch, ...(options.remote === undefined ? {} : { remote: options.remote }), hooks }, () => `Added project ${name} (${top.stdout.trim()}, branch ${branch}${options.remote === undefined ? '' : `, remote ${options.remote}`})${hooks === undefined ? '' : '; hooks installed'}`);
    return 0;
  });
}
