import { z } from 'zod';

/**
 * The bead format (SPEC §1 "Beads"): YAML frontmatter validated here, a
 * markdown body after it. Unknown frontmatter keys are allowed (`loose`) and
 * never touched on a rewrite.
 */

export const BEAD_STATUSES = ['proposed', 'open', 'blocked', 'deferred', 'closed', 'failed'] as const;
export type BeadStatus = (typeof BEAD_STATUSES)[number];

export const BEAD_TYPES = ['task', 'bug', 'feature', 'chore', 'epic'] as const;
export type BeadType = (typeof BEAD_TYPES)[number];

/** Where bead files live in a project, repo-relative. */
export const BEADS_DIR = '.agents/beads';

/**
 * A bead id: safe as a file name and as a ref component
 * (`refs/orch/claims/<id>`), with no `:` (that separates `project:id`).
 */
export const BEAD_ID_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9_-]|\.(?!\.))*$/;
export const BEAD_ID_MAX = 64;

/** A project name, as the workspace defines it. */
export const PROJECT_NAME_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

export function isBeadId(value: string): boolean {
  return value.length <= BEAD_ID_MAX && BEAD_ID_PATTERN.test(value) && !value.endsWith('.') && !value.endsWith('.lock');
}

/** `id` (same project) or `project:id`. */
export function isDepRef(value: string): boolean {
  const colon = value.indexOf(':');
  if (colon < 0) return isBeadId(value);
  return PROJECT_NAME_PATTERN.test(value.slice(0, colon)) && isBeadId(value.slice(colon + 1));
}

/** A declared write scope entry: a repo-relative glob that cannot climb out of the repo. */
export function isScopeGlob(value: string): boolean {
  if (value.trim() === '' || value.startsWith('/') || value.includes('\0') || value.includes('\\')) return false;
  return !value.split('/').some((part) => part === '..');
}

const CREATED_FORMAT = 'created must be an ISO time like 2024-05-01T10:00:00Z';

const text = (what: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? `${what} is missing` : `${what} must be text, not ${describeValue(issue.input)}`) });
const textList = (what: string) => z.array(text(`each entry of ${what}`), { error: `${what} must be a list, like [a, b]` });

export const beadFrontmatterSchema = z.looseObject({
  id: text('id').refine(isBeadId, {
    error: `id must be letters, digits, '-', '_' or '.', at most ${BEAD_ID_MAX} characters (like api-k3f9)`,
  }),
  title: text('title').refine((value) => value.trim() !== '' && !/[\r\n]/.test(value), {
    error: 'title must be one non-empty line',
  }),
  status: z.enum(BEAD_STATUSES, { error: (issue) => oneOf('status', issue.input, BEAD_STATUSES) }),
  priority: z
    .number({ error: (issue) => `priority must be a whole number 0 (urgent) to 4, not ${describeValue(issue.input)}` })
    .int({ error: (issue) => `priority must be a whole number 0 (urgent) to 4, not ${describeValue(issue.input)}` })
    .min(0, { error: 'priority must be at least 0' })
    .max(4, { error: 'priority must be at most 4' })
    .default(2),
  type: z
    .enum(BEAD_TYPES, { error: (issue) => oneOf('type', issue.input, BEAD_TYPES) })
    .default('task'),
  deps: textList('deps')
    .default([])
    .refine((deps) => deps.every(isDepRef), {
      error: (issue) => `deps entries must be <id> or <project>:<id>; bad: ${describeBad(issue.input, isDepRef)}`,
    }),
  files: textList('files')
    .default([])
    .refine((files) => files.every(isScopeGlob), {
      error: (issue) => `files entries must be repo-relative globs without '..'; bad: ${describeBad(issue.input, isScopeGlob)}`,
    }),
  labels: textList('labels').default([]),
  created: z
    .union([z.string(), z.date()], { error: CREATED_FORMAT })
    .transform((value, ctx) => {
      const date = value instanceof Date ? value : new Date(value);
      if (!Number.isNaN(date.getTime())) return date.toISOString();
      ctx.issues.push({ code: 'custom', message: CREATED_FORMAT, input: value });
      return z.NEVER;
    })
    .optional(),
  reason: text('reason').optional(),
});

export type BeadFrontmatter = z.output<typeof beadFrontmatterSchema>;

/** A valid bead, as the rest of orch sees it. */
export interface Bead {
  project: string;
  /** The path the bead was read from (for problems). */
  file: string;
  id: string;
  title: string;
  status: BeadStatus;
  priority: number;
  type: BeadType;
  deps: string[];
  /** Declared write scope; empty means undeclared (exclusive in its project). */
  files: string[];
  labels: string[];
  /** ISO time, written by `orch bead new`. */
  created?: string;
  /** Why it failed, for `failed` beads. */
  reason?: string;
  /** 1-based line numbers of keys, for problems found later (graph). */
  lines: { id: number; status: number; deps: number };
}

/** `project:id`, the key of a bead across the workspace. */
export function beadKey(bead: Pick<Bead, 'project' | 'id'>): string {
  return `${bead.project}:${bead.id}`;
}

function oneOf(field: string, input: unknown, values: readonly string[]): string {
  if (input === undefined) return `${field} is missing; use one of ${values.join(', ')}`;
  return `${field} ${describeValue(input)} is not one of ${values.join(', ')}`;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'empty';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function describeBad(input: unknown, ok: (value: string) => boolean): string {
  const list = Array.isArray(input) ? (input as unknown[]) : [];
  return list
    .filter((value) => typeof value === 'string' && !ok(value))
    .map((value) => JSON.stringify(value))
    .slice(0, 3)
    .join(', ');
}
