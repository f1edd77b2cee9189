import type { Bead } from '../../../src/beads/index.js';

/** A valid bead for graph and planner tests; files default to one file of its own. */
export function bead(project: string, id: string, fields: Partial<Bead> = {}): Bead {
  return {
    project,
    file: `/ws/${project}/.agents/beads/${id}.md`,
    id,
    title: id,
    status: 'open',
    priority: 2,
    type: 'task',
    deps: [],
    files: [`src/${id}.ts`],
    labels: [],
    lines: { id: 2, status: 4, deps: 7 },
    ...fields,
  };
}
