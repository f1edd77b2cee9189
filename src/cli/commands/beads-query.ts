import type { Command } from 'commander';
import { beadKey, formatBeadProblem, type Bead, type BeadProblem } from '../../beads/index.js';
import { OrchError } from '../../errors/index.js';
import { readWorkspaceView, stateOf, type WorkspaceView } from '../../engine/workspace-view.js';
import { defineAction, withJson, type CommandHost } from '../command.js';
import { withSession } from '../context.js';
import { formatTable, type Output } from '../output.js';

/** `orch list`, `orch ready`, `orch plan`: read-only views of the committed beads. */

const STATUSES = ['proposed', 'open', 'blocked', 'deferred', 'closed', 'failed'];

function describeState(view: WorkspaceView, bead: Bead): { state: string; detail: string } {
  const derived = stateOf(view, bead);
  if (derived.state === 'blocked') return { state: 'blocked', detail: derived.by.length > 0 ? `by ${derived.by.join(', ')}` : 'status blocked' };
  if (derived.state === 'claimed') {
    const claim = view.claims.find((c) => c.project === bead.project && c.name === bead.id);
    return { state: 'running', detail: claim?.record === undefined ? '' : `${claim.record.holder}` };
  }
  if (derived.state === 'failed' && bead.reason !== undefined) return { state: 'failed', detail: bead.reason };
  return { state: derived.state, detail: '' };
}

/** Report invalid beads on stderr; the command exits 2 if there were any, after listing the rest. */
function reportProblems(output: Output, problems: readonly BeadProblem[]): number {
  for (const problem of problems) output.warn(`invalid bead: ${formatBeadProblem(problem)}`);
  return problems.length > 0 ? 2 : 0;
}

function problemJson(problem: BeadProblem): Record<string, unknown> {
  return { project: problem.project, file: problem.file, line: problem.line, reason: problem.reason, kind: problem.kind };
}

function checkProject(view: WorkspaceView, project: string | undefined): void {
  if (project !== undefined && !view.projects.some((p) => p.project === project)) {
    throw new OrchError('PROJECT_UNKNOWN', `no project named ${project}`, { hint: `known: ${view.projects.map((p) => p.project).join(', ')}` });
  }
}

function projectErrors(view: WorkspaceView, output: Output): number {
  let code = 0;
  for (const project of view.projects) {
    if (project.error === undefined) continue;
    output.warn(`project ${project.project}: ${project.error.message}${project.error.hint === undefined ? '' : ` (${project.error.hint})`}`);
    code = 1;
  }
  return code;
}

export function registerBeadQueries(program: Command, host: CommandHost): void {
  const list = withJson(
    program
      .command('list')
      .description('beads across the workspace, with derived state (ready, running, blocked by ...)')
      .option('--project <name>', 'only this project')
      .option('--status <status>', `only this status (${STATUSES.join(' | ')})`),
  );
  defineAction<{ project?: string; status?: string }>(list, host, (options, output) =>
    withSession(options, output, async (session) => {
      if (options.status !== undefined && !STATUSES.includes(options.status)) {
        throw new OrchError('USAGE', `unknown status ${options.status}`, { hint: `one of ${STATUSES.join(', ')}` });
      }
      const view = await readWorkspaceView(session, { fetch: true });
      checkProject(view, options.project);
      const beads = [...view.graph.beads.values()].filter(
        (b) => (options.project === undefined || b.project === options.project) && (options.status === undefined || b.status === options.status),
      );
      const rows = beads.map((bead) => ({ key: beadKey(bead), project: bead.project, id: bead.id, title: bead.title, status: bead.status, priority: bead.priority, ...describeState(view, bead) }));
      const problems = view.problems.filter((p) => options.project === undefined || p.project === options.project);
      output.result({ beads: rows, problems: problems.map(problemJson) }, () =>
        rows.length === 0 ? 'no beads' : formatTable([['BEAD', 'P', 'STATE', 'TITLE', ''], ...rows.map((r) => [r.key, String(r.priority), r.state, r.title, r.detail])]),
      );
      return Math.max(reportProblems(output, problems), projectErrors(view, output));
    }),
  );

  const ready = withJson(program.command('ready').description('beads ready to run now, across all projects').option('--project <name>', 'only this project'));
  defineAction<{ project?: string }>(ready, host, (options, output) =>
    withSession(options, output, async (session) => {
      const view = await readWorkspaceView(session, { fetch: true });
      checkProject(view, options.project);
      const beads = view.ready.filter((b) => options.project === undefined || b.project === options.project);
      output.result({ ready: beads.map((b) => ({ key: beadKey(b), project: b.project, id: b.id, title: b.title, priority: b.priority, files: b.files })), problems: view.problems.map(problemJson) }, () =>
        beads.length === 0 ? 'nothing ready' : formatTable([['BEAD', 'P', 'TITLE'], ...beads.map((b) => [beadKey(b), String(b.priority), b.title])]),
      );
      return Math.max(reportProblems(output, view.problems), projectErrors(view, output));
    }),
  );

  const plan = withJson(
    program
      .command('plan')
      .description('the waves that would run now, and the files shared by more than one bead')
      .option('--project <name>', 'only this project')
      .option('--max-agents <n>', 'override the global cap', (v) => Number(v)),
  );
  defineAction<{ project?: string; maxAgents?: number }>(plan, host, (options, output) =>
    withSession(options, output, async (session) => {
      const view = await readWorkspaceView(session, {
        fetch: true,
        ...(options.project === undefined ? {} : { projects: [options.project] }),
        ...(options.maxAgents === undefined ? {} : { maxAgents: options.maxAgents }),
      });
      checkProject(view, options.project);
      const waves = view.plan.waves.map((wave) => ({
        wave: wave.number,
        beads: wave.beads.map((p) => ({ key: p.key, title: p.bead.title, files: p.bead.files, waited: p.waited })),
      }));
      output.result({ waves, shared: view.plan.shared, exclusive: view.plan.exclusive, problems: view.problems.map(problemJson) }, () => {
        if (waves.length === 0) return 'nothing ready: no waves';
        const lines: string[] = [];
        for (const wave of waves) {
          lines.push(`wave ${wave.wave}:`);
          for (const bead of wave.beads) {
            const scope = bead.files.length === 0 ? '(no files: exclusive in its project)' : bead.files.join(', ');
            lines.push(`  ${bead.key}  ${bead.title}  [${scope}]${bead.waited === undefined ? '' : `  waits: ${describeWait(bead.waited)}`}`);
          }
        }
        if (view.plan.shared.length > 0) {
          lines.push('files shared by more than one bead:');
          for (const shared of view.plan.shared) lines.push(`  ${shared.project}: ${shared.pattern} <- ${shared.beads.join(', ')}${shared.paths.length > 0 ? ` (${shared.paths.slice(0, 5).join(', ')})` : ''}`);
        }
        return lines.join('\n');
      });
      return Math.max(reportProblems(output, view.problems), projectErrors(view, output));
    }),
  );
}

function describeWait(wait: { kind: string; with?: string[]; files?: string[]; cap?: number }): string {
  if (wait.kind === 'overlap') return `overlaps ${wait.with?.join(', ') ?? ''} on ${wait.files?.join(', ') ?? ''}`;
  if (wait.kind === 'exclusive') return `exclusive with ${wait.with?.join(', ') ?? ''}`;
  return `${wait.kind} ${wait.cap ?? ''}`;
}
