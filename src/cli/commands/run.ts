import type { Command } from 'commander';
import type { EngineEvent } from '../../engine/events.js';
import { Runner } from '../../engine/runner.js';
import { listenForShutdown } from '../../engine/triggers/index.js';
import { watchWorkspace } from '../../engine/watch.js';
import { startDashboard } from '../../ui/server.js';
import { defineAction, withJson, type CommandHost } from '../command.js';
import { withSession } from '../context.js';
import { createProgressPrinter } from '../progress.js';
import { createDashboardSource } from '../dashboard-source.js';
import type { Session } from '../../engine/session.js';

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a whole number >= 1, got ${value}`);
  return n;
}

function warnFullNetwork(session: Session, emit: (event: EngineEvent) => void): void {
  for (const project of session.config.projects) {
    if (project.network === 'full') {
      emit({ type: 'warning', at: Date.now(), project: project.name, message: 'network: full: this project\'s sandboxes share the HOST NETWORK (any host, any port, including services on localhost)' });
    }
  }
}

export function registerRun(program: Command, host: CommandHost): void {
  const run = withJson(
    program
      .command('run')
      .description('run waves until nothing is ready (or one wave with --once), then exit')
      .option('--once', 'run one wave only')
      .option('--project <name>', 'only beads of this project')
      .option('--max-agents <n>', 'override the global cap', positive),
  );
  defineAction<{ once?: boolean; project?: string; maxAgents?: number }>(run, host, (options, output) =>
    withSession(options, output, async (session) => {
      if (options.project !== undefined) session.project(options.project);
      const events: EngineEvent[] = [];
      const print = output.json ? (event: EngineEvent) => events.push(event) : createProgressPrinter(process.stdout);
      session.bus.subscribe((event) => {
        if (event.type !== 'bead-output') print(event);
      });
      warnFullNetwork(session, (e) => session.bus.emit(e));
      const shutdown = listenForShutdown();
      try {
        const started = Date.now();
        const summary = await new Runner(session).runUntilIdle({
          signal: shutdown.signal,
          ...(options.once === true ? { once: true } : {}),
          ...(options.project === undefined ? {} : { projects: [options.project] }),
          ...(options.maxAgents === undefined ? {} : { maxAgents: options.maxAgents }),
        });
        const landed = summary.results.filter((r) => r.outcome === 'landed').length;
        const failed = summary.results.filter((r) => r.outcome !== 'landed' && r.outcome !== 'skipped').length;
        output.result({ waves: summary.waves, landed, failed, results: summary.results, events }, () =>
          `\n${summary.waves} wave(s), ${landed} landed, ${failed} not landed in ${((Date.now() - started) / 1000).toFixed(1)} s${failed > 0 ? '; see `orch log BEAD` for the run records' : ''}`,
        );
        return failed > 0 ? 1 : 0;
      } finally {
        shutdown.dispose();
      }
    }),
  );

  const watch = withJson(program
    .command('watch')
    .description('the long-running watcher: runs beads as they are committed (--json: one event per line)'))
    .option('--ui', 'also serve the dashboard on 127.0.0.1')
    .option('--port <n>', 'dashboard port (default: a free one)', (v) => Number(v))
    .option('--max-agents <n>', 'override the global cap', positive);
  defineAction<{ ui?: boolean; port?: number; maxAgents?: number }>(watch, host, (options, output) =>
    withSession(options, output, async (session) => {
      // --json: newline-delimited events (output chunks left out: they are in the run records).
      session.bus.subscribe(output.json ? (event) => event.type !== 'bead-output' && process.stdout.write(`${JSON.stringify(event)}\n`) : createProgressPrinter(process.stdout));
      warnFullNetwork(session, (e) => session.bus.emit(e));
      const shutdown = listenForShutdown();
      const ui = options.ui === true ? await startDashboard({ bus: session.bus, source: createDashboardSource(session), ...(options.port === undefined ? {} : { port: options.port }) }) : undefined;
      if (ui !== undefined) output.line(`dashboard: ${ui.url}`);
      try {
        await watchWorkspace(session, {
          signal: shutdown.signal,
          ...(options.maxAgents === undefined ? {} : { maxAgents: options.maxAgents }),
          onReady: () => {
            if (output.json) session.bus.emit({ type: 'engine-start', at: Date.now(), projects: session.config.projects.map((p) => p.name), mode: 'watch' });
            output.line(`watching ${session.config.projects.length} project(s); Ctrl-C to stop`);
          },
        });
      } finally {
        await ui?.close();
        shutdown.dispose();
      }
      return 0;
    }),
  );
}
