import { OrchError } from '../errors/index.js';
import { formatBeadProblem } from './problem.js';
import { parseBead } from './parse.js';
import type { BeadStatus, BeadType } from './schema.js';
import { formatFlowList, formatScalar } from './yaml-scalar.js';

/** The text of a new bead file, as `orch bead new` writes it. */

export interface NewBead {
  id: string;
  title: string;
  /** Default `open`. */
  status?: BeadStatus;
  /** Default 2. */
  priority?: number;
  /** Default `task`. */
  type?: BeadType;
  deps?: readonly string[];
  files?: readonly string[];
  labels?: readonly string[];
  /** When it was made (the planner orders by it after priority). */
  created: Date | string;
  /** Markdown after the frontmatter. */
  body?: string;
}

/**
 * The bead file text; it is parsed back before it is returned, so an id,
 * dep or glob that would make an invalid bead is refused with the reason.
 */
export function serializeNewBead(input: NewBead, project = ''): string {
  const created = typeof input.created === 'string' ? new Date(input.created) : input.created;
  if (Number.isNaN(created.getTime())) {
    throw new OrchError('BEAD_INVALID', `created is not a valid time: ${String(input.created)}`);
  }
  const lines = [
    '---',
    `id: ${formatScalar(input.id)}`,
    `title: ${formatScalar(input.title)}`,
    `status: ${input.status ?? 'open'}`,
    `priority: ${input.priority ?? 2}`,
    `type: ${input.type ?? 'task'}`,
    `deps: ${formatFlowList(input.deps ?? [])}`,
    `files: ${formatFlowList(input.files ?? [])}`,
    `labels: ${formatFlowList(input.labels ?? [])}`,
    `created: ${created.toISOString()}`,
    '---',
  ];
  const body = input.body ?? '';
  const text = `${lines.join('\n')}\n${body === '' || body.endsWith('\n') ? body : `${body}\n`}`;
  const back = parseBead(text, { file: `${input.id}.md`, project });
  if (!back.ok) {
    const reasons = back.problems.map((problem) => problem.reason);
    throw new OrchError('BEAD_INVALID', `the new bead would be invalid: ${reasons.join('; ')}`, {
      data: { problems: back.problems.map(formatBeadProblem) },
      hint: 'check the id, title, deps (<id> or <project>:<id>), files (repo-relative globs) and priority (0-4)',
    });
  }
  return text;
}

