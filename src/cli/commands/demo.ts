import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { BeadResult } from '../../engine/pipeline.js';
import { Runner } from '../../engine/runner.js';
import { Session } from '../../engine/session.js';
import { listenForShutdown } from '../../engine/triggers/index.js';
import { git } from '../../git/exec.js';
import { approveLesson, listLessons } from '../../knowledge/index.js';
import { startDashboard } from '../../ui/server.js';
import { defineAction, withJson, type CommandHost } from '../command.js';
import { createDashboardSource } from '../dashboard-source.js';
import { buildDemoWorkspace, DEMO_REVIEWER } from '../demo-workspace.js';
import type { Output } from '../output.js';
import { createProgressPrinter } from '../progress.js';

/**
 * `orch demo [DIR]`: build the example workspace and run it to the end,
 * wave by wave; between waves the demo's reviewer approves the lessons
 * agents proposed, so a later bead's sandbox gets them injected.
 */

async function approvePending(session: Session, output: Output): Promise<string[]> {
  const approved: string[] = [];
  const listing = await listLessons(session.config.knowledge);
  for (const proposal of listing.proposals) {
    await approveLesson(session.config.knowledge, proposal.id, { as: DEMO_REVIEWER });
    approved.push(proposal.id);
    output.line(`  reviewer ${DEMO_REVIEWER} approved lesson ${proposal.id} (a --no-ff merge with Reviewed-by: ${DEMO_REVIEWER})`);
  }
  return approved;
}

async function countCommits(session: Session): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const project of session.config.projects) {
    const log = await git(project.path, ['log', '--format=%B%x00', project.branch]);
    counts[project.name] = log.stdout.split('\0').filter((m) => /^Bead: /m.test(m)).length;
  }
  return counts;
}

export function registerDemo(program: Command, host: CommandHost): void {
  const command = withJson(
    program
      .command('demo [dir]')
      .description('build the example workspace from .orch-example/ in DIR (default: a fresh temp dir) and run it to the end')
      .option('--ui', 'also serve the dashboard (stays up until Ctrl-C)')
      .option('--port <n>', 'dashboard port', (v) => Number(v)),
  );
  defineAction<{ ui?: boolean; port?: number }>(command, host, async (options, output, args) => {
    const started = Date.now();
    let root = resolve(args[0] ?? '');
    if (args[0] === undefined) {
      root = await mkdtemp(join(tmpdir(), 'orch-demo-'));
      // As root, sandboxes run as an unprivileged uid that must reach the workspace.
      await chmod(root, 0o755);
    }
    output.line(`Building the example workspace in ${root}`);
    const config = await buildDemoWorkspace(root);
    output.line(`  projects: ${config.projects.map((p) => p.name).join(', ')}; knowledge repo with 1 approved lesson; hooks installed\n`);
    const session = new Session(config);
    const shutdown = listenForShutdown();
    const ui = options.ui === true ? await startDashboard({ bus: session.bus, source: createDashboardSource(session), ...(options.port === undefined ? {} : { port: options.port }) }) : undefined;
    if (ui !== undefined) output.line(`dashboard: ${ui.url}\n`);
    if (!output.json) session.bus.subscribe(createProgressPrinter(process.stdout));
    try {
      const runner = new Runner(session);
      const results: BeadResult[] = [];
      const approved: string[] = [];
      let waves = 0;
      for (;;) {
        const summary = await runner.runUntilIdle({ once: true, signal: shutdown.signal });
        if (summary.waves === 0 || shutdown.signal.aborted) break;
        waves += summary.waves;
        results.push(...summary.results);
        approved.push(...(await approvePending(session, output)));
      }
      const commits = await countCommits(session);
      const landed = results.filter((r) => r.outcome === 'landed');
      const notLanded = results.filter((r) => r.outcome !== 'landed' && r.outcome !== 'skipped');
      const seconds = (Date.now() - started) / 1000;
      output.result({ root, waves, landed: landed.length, notLanded: notLanded.map((r) => ({ bead: `${r.project}/${r.bead}`, outcome: r.outcome, reason: r.reason })), commits, approvedLessons: approved, seconds }, () =>
        [
          '',
          `Done in ${seconds.toFixed(1)} s: ${waves} waves, ${landed.length} beads landed, ${notLanded.length} not landed.`,
          ...notLanded.map((r) => `  ${r.project}/${r.bead}: ${r.outcome}: ${r.reason ?? ''}`),
          `Commits by bead: ${Object.entries(commits).map(([p, n]) => `${p} ${n}`).join(', ')} (one per bead: its work with its closing, or only its failure)`,
          `Lessons approved during the demo: ${approved.join(', ') || 'none'}`,
          '',
          'Where to look:',
          `  git -C ${join(root, 'api')} log --stat          one commit per bead, trailers Bead:, Run:, Wave:`,
          `  npx orch --workspace ${root} log docs-b5ue --output   the rejected bead: its run record and kept work`,
          `  npx orch --workspace ${root} status                   projects, claims, last runs`,
          `  git -C ${join(root, 'knowledge')} log --graph --oneline   lessons arrive only as reviewed merges`,
        ].join('\n'),
      );
      if (ui !== undefined && !shutdown.signal.aborted) {
        output.line(`\nThe dashboard stays up at ${ui.url} ; Ctrl-C to stop.`);
        await new Promise<void>((done) => shutdown.signal.addEventListener('abort', () => done(), { once: true }));
      }
      return notLanded.some((r) => r.bead !== 'docs-b5ue') ? 1 : 0;
    } finally {
      await ui?.close();
      shutdown.dispose();
      await session.close();
    }
  });
}
