import { beadKey, deriveState, planWaves, readySet, type Bead, type BeadGraph, type BeadProblem, type DerivedState, type WavePlan } from '../beads/index.js';
import { listClaims, type NamedLease } from '../git/claims-and-locks.js';
import { CLAIMS_PREFIX } from '../git/ref-name.js';
import { trackingRef } from '../git/remote-transport.js';
import { buildCatalogGraph, type ProjectBeads } from './catalog.js';
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
  ready: Bead[];
  plan: WavePlan;
  problems: BeadProblem[];
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
  const graph = buildCatalogGraph(projects);
  const claims = await readClaims(session, projects);
  const claimed = new Set(claims.filter((c) => c.status === 'live').map((c) => `${c.project}:${c.name}`));
  const only = options.projects === undefined ? undefined : new Set(options.projects);
  const ready = readySet(graph, claimed).filter((bead) => only === undefined || only.has(bead.project));
  const plan = planWaves(ready, {
    globalCap: options.maxAgents ?? config.maxAgents,
    projectCaps: Object.fromEntries(config.projects.map((p) => [p.name, p.maxAgents])),
  });
  const problems = [...projects.flatMap((p) => p.problems), ...graph.problems];
  return { projects, graph, claims, claimed, ready, plan, problems: dedupeProblems(problems) };
}

function dedupeProblems(problems: readonly BeadProblem[]): BeadProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = JSON.stringify(problem);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function stateOf(view: WorkspaceView, bead: Bead): DerivedState {
  return deriveState(view.graph, beadKey(bead), view.claimed);
}
