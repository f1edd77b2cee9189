import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { OrchError } from '../../errors/index.js';
import {
  approveLesson,
  listLessons,
  proposeLesson,
  rejectLesson,
  showLesson,
  verifyKnowledge,
  type ApproveResult,
  type Verification,
} from '../../knowledge/index.js';
import { defineAction, withJson, type CommandHost } from '../command.js';
import { loadWorkspaceFor } from '../context.js';
import { describeListing, describeShown } from './lessons-format.js';

/**
 * `orch lessons list | propose FILE | show ID | approve ID --as NAME |
 * reject ID --reason TEXT | verify`, over the workspace's knowledge repo
 * (`knowledge:` in .orch/workspace.yaml). The rules live in knowledge/.
 */

async function readLessonFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new OrchError('USAGE', `cannot read the lesson file: ${code}`, {
      location: { file },
      hint: 'give the path of a lesson file: "---", id, title, scope, tags, source, "---", then one short paragraph',
      cause: error,
    });
  }
}

function describeApproval(result: ApproveResult, repo: string): string {
  const lines = [`Approved ${result.id} as ${result.reviewer}: main is now ${result.merge.slice(0, 12)} (was ${result.previousMain.slice(0, 12)})`];
  if (result.checkout === 'left-behind') {
    const path = `lessons/${result.slug}.md`;
    lines.push(
      `note: main moved, but the checkout of main in ${repo} has local changes in the way, so its files were left as they were.`,
      `  hint: see them with \`git -C ${repo} status\`; keep your copy of ${path} elsewhere, then run \`git -C ${repo} checkout HEAD -- ${path}\``,
    );
  }
  return lines.join('\n');
}

function unverifiedError(repo: string, result: Extract<Verification, { ok: false }>): OrchError {
  const more = result.offenders.length > 1 ? ` (${result.offenders.length - 1} more offending commit${result.offenders.length === 2 ? '' : 's'} above it)` : '';
  return new OrchError('KNOWLEDGE_UNVERIFIED', `knowledge repo ${repo}: main is NOT verified: ${result.reason}${result.reason.includes(result.commit) ? '' : ` (commit ${result.commit})`}${more}; no lessons are injected`, {
    data: { commit: result.commit, head: result.head, offenders: result.offenders },
    hint: `inspect it with \`git -C ${repo} show ${result.commit.slice(0, 12)}\`; put main back on its last reviewed merge and bring the change in again as a proposal (orch lessons propose)`,
  });
}

export function registerLessons(program: Command, host: CommandHost): void {
  const lessons = program.command('lessons').description('the knowledge repo: approved lessons, proposals, review');

  const list = withJson(lessons.command('list').description('approved lessons, proposals awaiting review, rejections'));
  defineAction(list, host, async (options, output) => {
    const { config } = await loadWorkspaceFor(options, output);
    const listing = await listLessons(config.knowledge);
    output.result(listing, () => describeListing(listing));
    if (!listing.verification.ok) output.error(unverifiedError(config.knowledge, listing.verification));
    return 0;
  });

  const propose = withJson(
    lessons
      .command('propose <file>')
      .description('check a lesson file and make it a proposal branch proposals/<project>/<id> for review')
      .option('--project <name>', 'the project the lesson comes from (default: its source.project)'),
  );
  defineAction<{ project?: string }>(propose, host, async (options, output, args) => {
    const file = resolve(args[0] ?? '');
    const { config } = await loadWorkspaceFor(options, output);
    if (options.project !== undefined && !config.projects.some((p) => p.name === options.project)) {
      throw new OrchError('PROJECT_UNKNOWN', `no project named ${options.project}`, {
        hint: `known projects: ${config.projects.map((p) => p.name).join(', ') || '(none)'}`,
      });
    }
    const content = await readLessonFile(file);
    const proposal = await proposeLesson(config.knowledge, { content, file: args[0] ?? file, ...(options.project === undefined ? {} : { project: options.project }) });
    output.result(proposal, () =>
      [`Proposed ${proposal.id} on branch ${proposal.branch} (${proposal.commit.slice(0, 12)})`, `Review it: orch lessons show ${proposal.id}, then orch lessons approve ${proposal.id} --as NAME`].join('\n'),
    );
    return 0;
  });

  const show = withJson(lessons.command('show <id>').description('an approved lesson by id, or a proposal (<project>/<id>) with its diff against main'));
  defineAction(show, host, async (options, output, args) => {
    const { config } = await loadWorkspaceFor(options, output);
    const shown = await showLesson(config.knowledge, args[0] ?? '');
    output.result(shown, () => describeShown(shown));
    return 0;
  });

  const approve = withJson(
    lessons
      .command('approve <id>')
      .description('merge a proposal into main (--no-ff, with a Reviewed-by trailer)')
      .requiredOption('--as <name>', 'the reviewer approving it (must be listed in reviewers.txt)'),
  );
  defineAction<{ as: string }>(approve, host, async (options, output, args) => {
    const { config } = await loadWorkspaceFor(options, output);
    const result = await approveLesson(config.knowledge, args[0] ?? '', { as: options.as });
    output.result(result, () => describeApproval(result, config.knowledge));
    return 0;
  });

  const reject = withJson(
    lessons
      .command('reject <id>')
      .description('remove a proposal, keeping a record of it and of why on refs/orch/rejections')
      .requiredOption('--reason <text>', 'why it is rejected')
      .option('--as <name>', 'who rejects it'),
  );
  defineAction<{ reason: string; as?: string }>(reject, host, async (options, output, args) => {
    const { config } = await loadWorkspaceFor(options, output);
    const rejection = await rejectLesson(config.knowledge, args[0] ?? '', { reason: options.reason, ...(options.as === undefined ? {} : { as: options.as }) });
    output.result(rejection, () => `Rejected ${rejection.id}${rejection.by === undefined ? '' : ` (by ${rejection.by})`}: ${rejection.reason}\nrecorded as ${rejection.record.slice(0, 12)}`);
    return 0;
  });

  const verify = withJson(lessons.command('verify').description("check that every commit on main's first-parent history is a reviewed merge (exit 1 if not)"));
  defineAction(verify, host, async (options, output) => {
    const { config } = await loadWorkspaceFor(options, output);
    const result = await verifyKnowledge(config.knowledge, { incremental: false });
    if (result.ok) {
      output.result(result, () => `main is verified: ${result.merges} reviewed merge${result.merges === 1 ? '' : 's'} on root ${result.root.slice(0, 12)}, tip ${result.head.slice(0, 12)}`);
      return 0;
    }
    if (output.json) output.result(result, () => '');
    output.error(unverifiedError(config.knowledge, result));
    return 1;
  });
}
