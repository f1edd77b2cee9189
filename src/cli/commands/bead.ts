import { join } from 'node:path';
import type { Command } from 'commander';
import { BEADS_DIR } from '../../beads/index.js';
import { createBeadFile } from '../../engine/bead-new.js';
import { readBeadCatalog } from '../../engine/catalog.js';
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
    const committed = await readBeadCatalog([{ name: project.name, path: project.path, branch: project.branch }]);
    const { id, file } = await createBeadFile(
      project,
      {
        title,
        ...(options.deps === undefined ? {} : { deps: options.deps }),
        ...(options.files === undefined ? {} : { files: options.files }),
        ...(options.priority === undefined ? {} : { priority: options.priority }),
        ...(options.type === undefined ? {} : { type: options.type as never }),
        ...(options.status === undefined ? {} : { status: options.status as never }),
        body: options.body ?? 'What to do, and how to tell it is done.\n',
      },
      { takenIds: [...committed.flatMap((p) => [...p.beads.map((b) => b.id), ...p.unparsed])] },
    );
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
