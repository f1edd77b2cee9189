import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { BEADS_DIR, newBeadId, serializeNewBead } from '../../beads/index.js';
import { OrchError } from '../../errors/index.js';
import { git } from '../../git/exec.js';
import { defineAction, withJson, type CommandHost } from '../command.js';
import { loadWorkspaceFor } from '../context.js';

function parseList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter((s) => s.length > 0)];
}

function parsePriority(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 4) throw new OrchError('USAGE', `--priority must be 0 (urgent) .. 4, not ${value}`);
  return n;
}

export function registerBead(program: Command, host: CommandHost): void {
  const bead = program.command('bead').description('work with bead files');
  const create = withJson(
    bead
      .command('new <project> <title>')
      .description('write a new bead file (.agents/beads/<id>.md); it does nothing until committed')
      .option('--deps <ids>', 'comma-separated deps: id or project:id', parseList)
      .option('--files <globs>', 'comma-separated declared write scope (repo-relative globs)', parseList)
      .option('--priority <n>', '0 (urgent) .. 4', parsePriority)
      .option('--type <type>', 'task | bug | feature | chore | epic')
      .option('--body <text>', 'what to do, and how to tell it is done')
      .option('--status <status>', 'open (default) or proposed')
      .option('--commit', 'commit the new file on the current branch'),
  );
  defineAction<{ deps?: string[]; files?: string[]; priority?: number; type?: string; body?: string; status?: string; commit?: boolean }>(create, host, async (options, output, args) => {
    const [projectName, title] = args as [string, string];
    const { config } = await loadWorkspaceFor(options, output);
    const project = config.projects.find((p) => p.name === projectName);
    if (project === undefined) {
      throw new OrchError('PROJECT_UNKNOWN', `no project named ${projectName}`, { hint: `known: ${config.projects.map((p) => p.name).join(', ') || '(none; run orch add PATH)'}` });
    }
    const dir = join(project.path, BEADS_DIR);
    await mkdir(dir, { recursive: true });
    const existing = new Set((await readdir(dir)).filter((f) => f.endsWith('.md')).map((f) => f.slice(0, -3)));
    const id = newBeadId(project.name, (candidate) => existing.has(candidate) || existsSync(join(dir, `${candidate}.md`)), undefined, { seed: `${title}\0${Date.now()}` });
    const text = serializeNewBead(
      {
        id,
        title,
        created: new Date(),
        ...(options.deps === undefined ? {} : { deps: options.deps }),
        ...(options.files === undefined ? {} : { files: options.files }),
        ...(options.priority === undefined ? {} : { priority: options.priority }),
        ...(options.type === undefined ? {} : { type: options.type as never }),
        ...(options.status === undefined ? {} : { status: options.status as never }),
        body: options.body ?? 'What to do, and how to tell it is done.\n',
      },
      project.name,
    );
    const file = join(dir, `${id}.md`);
    await writeFile(file, text, { flag: 'wx' });
    let commit: string | undefined;
    if (options.commit === true) {
      await git(project.path, ['add', '--', join(BEADS_DIR, `${id}.md`)]);
      await git(project.path, ['commit', '-q', '-m', `bead ${id}: ${title}`, '--', join(BEADS_DIR, `${id}.md`)], { hooks: true });
      commit = (await git(project.path, ['rev-parse', 'HEAD'])).stdout.trim();
    }
    output.result({ id, project: project.name, file, commit }, () =>
      commit === undefined ? `${file}\nCommit it to make it count: git -C ${project.path} add ${join(BEADS_DIR, `${id}.md`)} && git commit` : `${file}\ncommitted as ${commit.slice(0, 10)}`,
    );
    return 0;
  });
}
