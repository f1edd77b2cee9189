import type { Command } from 'commander';
import { formatBeadProblem } from '../../beads/index.js';
import { readWatcher } from '../../engine/watcher-lock.js';
import { readWorkspaceView } from '../../engine/workspace-view.js';
import { readRunLog, readRuns } from '../../git/run-records.js';
import { runHeadsOf } from '../../engine/run-history.js';
import { defineAction, withJson, type CommandHost } from '../command.js';
import { withSession } from '../context.js';
import { formatTable } from '../output.js';
import { OrchError } from '../../errors/index.js';

export function registerStatus(program: Command, host: CommandHost): void {
  const status = withJson(program.command('status').description('projects, running sandboxes, claims, last runs, invalid beads'));
  defineAction(status, host, (options, output) =>
    withSession(options, output, async (session) => {
      const view = await readWorkspaceView(session, { fetch: true });
      const watcher = await readWatcher(session.dirs.root).catch(() => undefined);
      const projects = await Promise.all(
        view.projects.map(async (p) => {
          const config = session.project(p.project);
          const beads = [...view.graph.beads.values()].filter((b) => b.project === p.project);
          let lastRuns: { bead: string; commit: string; verdict: unknown; at: string }[] = [];
          try {
            const repo = await session.repo(p.project);
            const heads = await runHeadsOf(session, p.project);
            const runs = await Promise.all([...heads.refs].map(async ([id, ref]) => ({ id, record: (await readRuns(repo, id, { limit: 1, ref }))[0] })));
            lastRuns = runs
              .filter((r) => r.record !== undefined)
              .sort((a, b) => (b.record?.time ?? 0) - (a.record?.time ?? 0))
              .slice(0, 5)
              .map((r) => ({ bead: r.id, commit: r.record?.commit ?? '', verdict: r.record?.run?.verdict, at: new Date(r.record?.time ?? 0).toISOString() }));
          } catch {
            // unreadable project: reported below through p.error
          }
          const link = await session.remote(p.project);
          return {
            name: p.project,
            remote: link === undefined ? null : link.status(),
            path: p.path,
            branch: p.branch,
            tip: p.commit,
            network: config.network,
            beads: beads.length,
            ready: view.ready.filter((b) => b.project === p.project).length,
            error: p.error,
            lastRuns,
          };
        }),
      );
      const claims = view.claims.map((c) => ({ project: c.project, bead: c.name, status: c.status, holder: c.record?.holder, host: c.record?.host, pid: c.record?.pid, runId: c.record?.runId, leaseUntil: c.record?.leaseUntil }));
      const report = { watcher: watcher ?? null, projects, claims, problems: view.problems };
      output.result(report, () => {
        const lines: string[] = [watcher === undefined ? 'watcher: not running' : `watcher: pid ${watcher.pid} on ${watcher.host}`];
        lines.push('', formatTable([['PROJECT', 'BRANCH', 'TIP', 'BEADS', 'READY', 'NETWORK', 'REMOTE'], ...projects.map((p) => [p.name, p.branch, p.tip?.slice(0, 10) ?? '-', String(p.beads), String(p.ready), typeof p.network === 'string' ? p.network : 'allow-list', p.remote === null ? '-' : `${p.remote.url}${p.remote.reachable ? '' : ' (NOT ANSWERING)'}`])]));
        for (const p of projects) {
          if (p.network === 'full') lines.push(`WARNING: ${p.name} has network: full (its sandboxes share the host network)`);
          if (p.error !== undefined) lines.push(`${p.name}: ${p.error.message}`);
          if (p.remote !== null && !p.remote.reachable) lines.push(`${p.name}: remote ${p.remote.url} does not answer (${p.remote.lastError ?? 'no reason given'}); showing what was last fetched`);
        }
        lines.push('', claims.length === 0 ? 'no claims (nothing running)' : formatTable([['CLAIM', 'STATE', 'HOST', 'HOLDER', 'RUN', 'LEASE UNTIL'], ...claims.map((c) => [`${c.project}:${c.bead}`, c.status === 'live' ? 'running' : c.status, c.host ?? '?', `${c.holder ?? '?'} pid ${c.pid ?? '-'}`, c.runId ?? '-', c.leaseUntil ?? '-'])]));
        const recent = projects.flatMap((p) => p.lastRuns.map((r) => ({ ...r, project: p.name })));
        if (recent.length > 0) lines.push('', 'last runs:', ...recent.map((r) => `  ${r.project}:${r.bead}  ${String(r.verdict)}  ${r.at}  ${r.commit.slice(0, 10)}`));
        if (view.problems.length > 0) lines.push('', 'invalid beads:', ...view.problems.map((p) => `  ${formatBeadProblem(p)}`));
        return lines.join('\n');
      });
      return 0;
    }),
  );

  const log = withJson(program.command('log <bead>').description('the run records of a bead (refs/orch/runs/<id>), newest first').option('--project <name>', 'the project (default: found by the bead id)').option('--output', 'print each attempt\'s output.log'));
  defineAction<{ project?: string; output?: boolean }>(log, host, (options, output, args) =>
    withSession(options, output, async (session) => {
      const arg = args[0] ?? '';
      const [maybeProject, maybeId] = arg.includes(':') || arg.includes('/') ? arg.split(/[:/]/) : [options.project, arg];
      const id = maybeId ?? arg;
      const candidates = maybeProject !== undefined ? [session.project(maybeProject)] : session.config.projects;
      const found: { project: string; records: Awaited<ReturnType<typeof readRuns>> }[] = [];
      for (const project of candidates) {
        const repo = await session.repo(project.name);
        const heads = await runHeadsOf(session, project.name, id);
        const records = await readRuns(repo, id, { ...(heads.refs.has(id) ? { ref: heads.refs.get(id) } : {}) });
        if (records.length > 0) found.push({ project: project.name, records });
      }
      if (found.length === 0) throw new OrchError('BEAD_NOT_FOUND', `no run records for ${arg}`, { hint: 'a bead has run records once it has been attempted; see orch list' });
      const withLogs = await Promise.all(
        found.map(async (f) => ({
          project: f.project,
          runs: await Promise.all(
            f.records.map(async (r) => ({ commit: r.commit, attempt: r.attempt, time: new Date(r.time).toISOString(), run: r.run, workTree: r.workTree, ...(options.output === true ? { output: (await readRunLog(await session.repo(f.project), r)).toString('utf8') } : {}) })),
          ),
        })),
      );
      output.result(withLogs, () =>
        withLogs
          .flatMap((f) =>
            f.runs.flatMap((r) => {
              const run = (r.run ?? {}) as Record<string, unknown>;
              const lines = [`${f.project}:${id} attempt ${r.attempt}  ${r.time}  run ${r.commit.slice(0, 10)}  verdict ${String(run.verdict)}${run.reason === null || run.reason === undefined ? '' : `: ${String(run.reason)}`}`];
              const changed = Array.isArray(run.changed) ? (run.changed as { path: string; kind: string }[]) : [];
              if (changed.length > 0) lines.push(`  changed: ${changed.map((c) => `${c.kind === 'delete' ? '-' : '+'}${c.path}`).join(' ')}`);
              if (r.workTree !== undefined) lines.push(`  work: git -C ${session.project(f.project).path} ls-tree -r ${r.commit}:work`);
              if (r.output !== undefined) lines.push(r.output.replace(/^/gm, '  | '));
              return lines;
            }),
          )
          .join('\n'),
      );
      return 0;
    }),
  );
}
