import { beadKey, deriveState, type Bead, type BeadGraph, type BeadProblem, type DerivedState, type WavePlan } from '../beads/index.js';
import { listClaims, type NamedLease } from '../git/claims-and-locks.js';
import { CLAIMS_PREFIX } from '../git/ref-name.js';
import { trackingRef } from '../git/remote-transport.js';
import type { ProjectBeads } from './catalog.js';
import type { Session } from './session.js';

/**
 * What the workspace looks like now: every project's committed beads, their
 * graph, the live claims, and the wave plan SPEC §3.2 would run. `orch list`,
 * `ready`, `plan`, `status`, the runner and the dashboard all read this.
 */
export interface ClaimView extends NamedLease {
  project: string;
}

export interface WorkspaceView {
  projects: ProjectBeads[];
  graph: BeadGraph;
  claims: ClaimView[];
  /** Keys (`project:id`) of beads held by a live claim. */
  claimed: Set<string>;
  /** Shared with the session's view cache: never change it. */
  ready: readonly Bead[];
  plan: WavePlan;
  /** Shared with the session's view cache while nothing changes: never change it. */
  problems: readonly BeadProblem[];
}

export interface ViewOptions {
  /** Only these projects' beads are planned (all are read: deps cross projects). */
  projects?: readonly string[];
  maxAgents?: number;
  /** Fetch the remotes of remote projects first (a person's query); the watcher fetches on its own schedule. */
  fetch?: boolean;
}

async function readClaims(session: Session, projects: readonly ProjectBeads[]): Promise<ClaimView[]> {
  const lists = await Promise.all(
    projects
      .filter((p) => p.error === undefined)
      .map(async (p) => {
        try {
          const link = await session.remote(p.project);
          // A remote project's claims live on its remote (as last fetched); others in the repo itself.
          const claims = link === undefined ? await listClaims(await session.repo(p.project)) : (await link.claims()).map((state) => ({ ...state, name: state.ref.slice(CLAIMS_PREFIX.length) }));
          return claims.map((claim) => ({ ...claim, project: p.project }));
        } catch {
          return [];
        }
      }),
  );
  return lists.flat();
}

export async function readWorkspaceView(session: Session, options: ViewOptions = {}): Promise<WorkspaceView> {
  const config = session.config;
  if (options.fetch === true) await session.refreshRemotes();
  const projects = await session.catalog.load(
    config.projects.map((p) => ({ name: p.name, path: p.path, branch: p.branch, ...(p.remote === undefined ? {} : { ref: trackingRef(`refs/heads/${p.branch}`) }) })),
  );
  const claims = await readClaims(session, projects);
  const claimed = new Set(claims.filter((c) => c.status === 'live').map((c) => `${c.project}:${c.name}`));
  // From here on synchronous: the session's view cache goes from the last view to this one.
  const cache = session.views;
  const { graph, ready: all } = cache.update(projects, claimed);
  const only = options.projects === undefined ? undefined : new Set(options.projects);
  // The cache's list itself when every project is planned (it is never changed, and a copy of 17,000 would be).
  const ready = only === undefined ? all : all.filter((bead) => only.has(bead.project));
  const plan = cache.planner.plan(ready, {
    globalCap: options.maxAgents ?? config.maxAgents,
    projectCaps: Object.fromEntries(config.projects.map((p) => [p.name, p.maxAgents])),
  });
  return { projects, graph, claims, claimed, ready, plan, problems: cache.problemsOf(projects, graph) };
}

export function stateOf(view: WorkspaceView, bead: Bead): DerivedState {
  return deriveState(view.graph, beadKey(bead), view.claimed);
}
