import { beadKey } from '../beads/index.js';
import { OrchError } from '../errors/index.js';
import type { Session } from '../engine/session.js';
import { readWorkspaceView, stateOf, type WorkspaceView } from '../engine/workspace-view.js';
import { git } from '../git/exec.js';
import { readRunLog, readRuns } from '../git/run-records.js';
import { listLessons, showLesson } from '../knowledge/index.js';
import type { BeadInfo, DashboardSource } from '../ui/source.js';

/**
 * The dashboard's window on the workspace, wired from the engine's read
 * side. One workspace view is shared by the list methods for a short while
 * (the server re-queries them together after an event).
 */
export function createDashboardSource(session: Session): DashboardSource {
  let cached: { at: number; view: Promise<WorkspaceView> } | undefined;
  const view = (): Promise<WorkspaceView> => {
    const now = Date.now();
    if (cached === undefined || now - cached.at > 100) cached = { at: now, view: readWorkspaceView(session) };
    return cached.view;
  };

  return {
    async projects() {
      return session.config.projects.map((p) => ({
        name: p.name,
        path: p.path,
        branch: p.branch,
        network: typeof p.network === 'string' ? p.network : `allow ${p.network.allow.join(', ')}`,
        warnings: p.network === 'full' ? ['network: full shares the host network'] : [],
      }));
    },
    async beads() {
      const current = await view();
      const wave = new Map<string, number>();
      for (const w of current.plan.waves) for (const planned of w.beads) wave.set(planned.key, w.number);
      const out: BeadInfo[] = [];
      for (const bead of current.graph.beads.values()) {
        const derived = stateOf(current, bead);
        const key = beadKey(bead);
        out.push({
          project: bead.project,
          id: bead.id,
          title: bead.title,
          status: bead.status,
          state: derived.state === 'claimed' ? 'running' : derived.state,
          priority: bead.priority,
          deps: bead.deps,
          files: bead.files,
          blockedBy: derived.state === 'blocked' ? derived.by : [],
          ...(wave.has(key) ? { wave: wave.get(key) } : {}),
        });
      }
      return out;
    },
    async claims() {
      const current = await view();
      return current.claims
        .filter((c) => c.status === 'live' && c.record !== undefined)
        .map((c) => ({ project: c.project, bead: c.name, holder: c.record?.holder ?? '?', host: c.record?.host ?? '?', pid: c.record?.pid ?? 0, leaseUntil: Date.parse(c.record?.leaseUntil ?? '') || 0 }));
    },
    async runs(project, bead) {
      const repo = await session.repo(project);
      const records = await readRuns(repo, bead, { limit: 20 });
      if (records.length === 0 && !(await view()).graph.beads.has(`${project}:${bead}`)) {
        throw new OrchError('BEAD_NOT_FOUND', `no bead ${project}:${bead}`);
      }
      return Promise.all(records.map(async (r) => ({ commit: r.commit, runJson: r.run, output: (await readRunLog(repo, r)).toString('utf8').slice(-20_000) })));
    },
    async runDiff(project, runCommit) {
      const repo = await session.repo(project);
      const run = (await git(repo.path, ['show', '-s', '--format=%H', runCommit], { reject: false })).stdout.trim();
      if (run.length === 0) throw new OrchError('BEAD_NOT_FOUND', `no run commit ${runCommit} in ${project}`);
      const json = await git(repo.path, ['cat-file', 'blob', `${runCommit}:run.json`], { reject: false });
      const base = (JSON.parse(json.stdout || '{}') as { base?: string }).base;
      if (base === undefined) return '';
      const diff = await git(repo.path, ['diff', '--no-color', '--no-ext-diff', `${base}^{tree}`, `${runCommit}:work`], { reject: false });
      return diff.stdout.slice(0, 500_000);
    },
    async proposals() {
      try {
        const listing = await listLessons(session.config.knowledge);
        return Promise.all(
          listing.proposals.map(async (p) => {
            const shown = await showLesson(session.config.knowledge, p.id).catch(() => undefined);
            return { id: p.id, project: p.project, slug: p.slug, title: p.lesson?.title ?? p.slug, diff: shown?.kind === 'proposal' ? shown.diff : '' };
          }),
        );
      } catch {
        return [];
      }
    },
    async problems() {
      const current = await view();
      return current.problems.map((p) => ({ project: p.project ?? '', file: p.file, line: p.line, reason: p.reason }));
    },
  };
}
