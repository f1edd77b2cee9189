import { GraphCache, ReadyCache, WavePlanner, type Bead, type BeadGraph, type BeadProblem, type GraphProject } from '../beads/index.js';
import type { ProjectBeads } from './catalog.js';

/**
 * What a long-lived session (the watcher) keeps between two workspace views
 * so that the view after one bead commit costs the changed project, not the
 * workspace: the graph, the ready set and the wave planner, each updated
 * from the previous one (see beads/graph-cache.ts, ready-cache.ts,
 * wave-planner.ts), and the deduplicated problem list. One per session
 * (`session.views`), dropped with it. Every step is synchronous, so concurrent views of one
 * session stay consistent: each update starts from whatever the last one
 * left.
 */
export class ViewCache {
  readonly planner = new WavePlanner();
  private readonly graphs = new GraphCache();
  private readonly readies = new ReadyCache();
  private problemsFrom: (readonly BeadProblem[])[] = [];
  private problems: BeadProblem[] = [];
  private readonly problemKeys = new WeakMap<BeadProblem, string>();

  /** The graph of the catalog and its ready beads (given the live claims). */
  update(projects: readonly ProjectBeads[], claimed: ReadonlySet<string>): { graph: BeadGraph; ready: readonly Bead[] } {
    const update = this.graphs.update(projects.map(graphProjectOf));
    return { graph: update.graph, ready: this.readies.update(update, this.graphs, claimed) };
  }

  /** The catalog's problems then the graph's, each reported once. */
  problemsOf(projects: readonly ProjectBeads[], graph: BeadGraph): readonly BeadProblem[] {
    const from = [...projects.map((project) => project.problems), graph.problems];
    if (from.length === this.problemsFrom.length && from.every((list, index) => list === this.problemsFrom[index])) return this.problems;
    const seen = new Set<string>();
    this.problems = from.flat().filter((problem) => {
      const key = this.keyOf(problem);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    this.problemsFrom = from;
    return this.problems;
  }

  private keyOf(problem: BeadProblem): string {
    let key = this.problemKeys.get(problem);
    if (key === undefined) {
      key = JSON.stringify(problem);
      this.problemKeys.set(problem, key);
    }
    return key;
  }
}

function graphProjectOf(project: ProjectBeads): GraphProject {
  return { project: project.project, beads: project.beads, unparsed: project.unparsed, unreadable: project.error !== undefined };
}
