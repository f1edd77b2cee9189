import { deriveState, idFromFileName, readySet, type Bead, type BeadGraph, type BeadProblem, type StateName } from '../beads/index.js';
import { buildCatalogGraph, type ProjectBeads } from './catalog.js';

/**
 * What `orch list`, `orch ready`, `orch plan` and `orch status` show, from a
 * catalog: one row per bead file (invalid files included, never dropped),
 * the ready set, and every problem with file and line.
 */

export interface CatalogRow {
  key: string;
  project: string;
  id: string;
  file: string;
  state: StateName;
  /** For `blocked`: the deps not closed yet. */
  blockedBy?: string[];
  /** The bead, when its file parsed. */
  bead?: Bead;
  /** Why it is invalid. */
  problems: BeadProblem[];
}

export interface CatalogView {
  graph: BeadGraph;
  rows: CatalogRow[];
  ready: Bead[];
  /** Every bead problem: files that did not parse, then unknown deps and cycles. */
  problems: BeadProblem[];
  /** Projects that could not be read at all. */
  projectErrors: { project: string; code: string; message: string; hint?: string }[];
}

/** `claimed`: keys (`project:id`) of beads with a live claim. */
export function viewCatalog(projects: readonly ProjectBeads[], claimed: ReadonlySet<string> = new Set()): CatalogView {
  const graph = buildCatalogGraph(projects);
  const rows: CatalogRow[] = [];
  for (const project of projects) {
    for (const bead of project.beads) {
      const key = `${project.project}:${bead.id}`;
      const derived = deriveState(graph, key, claimed);
      const row: CatalogRow = { key, project: project.project, id: bead.id, file: bead.file, state: derived.state, bead, problems: [] };
      if (derived.state === 'blocked') row.blockedBy = derived.by;
      if (derived.state === 'invalid') row.problems = [...derived.problems];
      rows.push(row);
    }
    const byFile = new Map<string, BeadProblem[]>();
    for (const problem of project.problems) byFile.set(problem.file, [...(byFile.get(problem.file) ?? []), problem]);
    for (const [file, problems] of byFile) {
      const id = idFromFileName(file);
      rows.push({ key: `${project.project}:${id}`, project: project.project, id, file, state: 'invalid', problems });
    }
  }
  rows.sort((a, b) => (a.project === b.project ? compareText(a.id, b.id) : compareText(a.project, b.project)));
  return {
    graph,
    rows,
    ready: readySet(graph, claimed),
    problems: [...projects.flatMap((project) => project.problems), ...graph.problems],
    projectErrors: projects.flatMap((project) =>
      project.error === undefined ? [] : [{ project: project.project, code: project.error.code, message: project.error.message, ...(project.error.hint === undefined ? {} : { hint: project.error.hint }) }],
    ),
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
