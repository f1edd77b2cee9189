import matter from 'gray-matter';
import { parseDocument, isMap, isScalar, isSeq, type Document } from 'yaml';
import { z } from 'zod';
import { OrchError } from '../errors/index.js';

/**
 * A lesson file: YAML frontmatter (validated here) and one short paragraph.
 * Pure: text in, lesson or LESSON_INVALID (with file and line) out.
 *
 *   ---
 *   id: pin-lockfile-versions
 *   title: Commit the lockfile with every dependency change
 *   scope: ["*"]                 # or project names
 *   tags: [npm]
 *   source: {project: api, bead: api-k3f9}
 *   ---
 *   One short, actionable paragraph.
 */

export const LESSON_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const PROJECT_NAME = /^[a-z][a-z0-9-]{0,39}$/;
/** A lesson file, frontmatter and body, is at most this many bytes. */
export const MAX_LESSON_BYTES = 4096;

export const LessonFrontmatterSchema = z.strictObject({
  id: z.string().regex(LESSON_ID, 'id must be a plain slug: lower-case letters, digits and "-", at most 63, e.g. pin-lockfile-versions'),
  title: z.string().trim().min(1, 'title must not be empty').max(120, 'title is at most 120 characters').regex(/^[^\n]*$/, 'title is one line'),
  scope: z
    .array(z.union([z.literal('*'), z.string().regex(PROJECT_NAME, 'a scope entry is "*" or a project name like api')]))
    .min(1, 'scope lists "*" or at least one project name'),
  tags: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/, 'a tag is a plain word like npm')).max(12).default([]),
  source: z.strictObject({
    project: z.string().regex(PROJECT_NAME, 'source.project is a project name like api'),
    bead: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, 'source.bead is a bead id like api-k3f9').optional(),
  }),
});

export type LessonFrontmatter = z.infer<typeof LessonFrontmatterSchema>;

export interface Lesson extends LessonFrontmatter {
  /** The paragraph after the frontmatter, trimmed. */
  body: string;
}

export const LESSON_FORMAT =
  'a lesson is "---", YAML keys id, title, scope, tags, source {project, bead}, "---", then one short paragraph';

function invalid(file: string, line: number, message: string, data: Record<string, unknown> = {}): OrchError {
  return new OrchError('LESSON_INVALID', `${file}:${line}: ${message}`, {
    location: { file, line },
    hint: `fix the lesson file: ${LESSON_FORMAT}`,
    data,
  });
}

function refuseEngine(): never {
  throw new Error('only YAML frontmatter is read');
}

/** 1-based line in the file of an offset inside the frontmatter (which starts right after the first "---"). */
function fileLine(frontmatter: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < frontmatter.length; i++) if (frontmatter.charCodeAt(i) === 10) line++;
  return line;
}

type Ranged = { range?: [number, number, number] | null } | null | undefined;

/** Where in the frontmatter the value at `path` (or, with `key`, that key itself) starts. */
function offsetOf(doc: Document, path: readonly PropertyKey[], key?: string): number | undefined {
  let node: unknown = doc.contents;
  let offset = (node as Ranged)?.range?.[0] ?? undefined;
  const steps = key === undefined ? path : [...path, key];
  for (const [i, step] of steps.entries()) {
    if (isSeq(node) && typeof step === 'number') {
      node = node.items[step];
    } else if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === step);
      if (pair === undefined) return offset;
      node = key !== undefined && i === steps.length - 1 ? pair.key : (pair.value ?? pair.key);
    } else {
      return offset;
    }
    offset = (node as Ranged)?.range?.[0] ?? offset;
  }
  return offset;
}

/** Parse and validate a lesson file. `file` names it in errors. */
export function parseLesson(text: string, file: string): Lesson {
  if (!/^---\r?\n/.test(text)) throw invalid(file, 1, 'a lesson starts with a "---" line that opens its YAML frontmatter');
  const docs: Document[] = [];
  let parsed: matter.GrayMatterFile<string>;
  try {
    parsed = matter(text, {
      language: 'yaml',
      engines: {
        yaml: (source: string) => {
          const doc = parseDocument(source, { prettyErrors: false, uniqueKeys: true });
          docs.push(doc);
          const error = doc.errors[0];
          if (error !== undefined) throw invalid(file, fileLine(source, error.pos[0]), `bad YAML: ${error.message.split('\n')[0] ?? ''}`);
          return (doc.toJS() ?? {}) as object;
        },
        js: refuseEngine,
        javascript: refuseEngine,
      },
    });
  } catch (error) {
    if (error instanceof OrchError) throw error;
    throw invalid(file, 1, `unreadable frontmatter: ${(error as Error).message}`);
  }
  const closing = text.indexOf('\n---', 3);
  if (closing < 0) throw invalid(file, 1, 'the frontmatter is not closed by a "---" line');
  const doc = docs[0];
  const frontmatter = parsed.matter;
  const result = LessonFrontmatterSchema.safeParse(parsed.data);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => {
      const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
      const offset = doc === undefined ? undefined : offsetOf(doc, issue.path, key);
      const where = [...issue.path, ...(key === undefined ? [] : [key])].join('.') || 'frontmatter';
      const message =
        issue.code === 'unrecognized_keys'
          ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')} (allowed: id, title, scope, tags, source)`
          : issue.code === 'invalid_type' && issue.input === undefined
            ? 'is missing'
            : issue.message;
      return { line: offset === undefined ? 1 : fileLine(frontmatter, offset), where, message };
    });
    const first = issues[0] ?? { line: 1, where: 'frontmatter', message: 'invalid' };
    const rest = issues.length > 1 ? ` (and ${issues.length - 1} more: ${issues.slice(1).map((i) => `line ${i.line} ${i.where} ${i.message}`).join('; ')})` : '';
    throw invalid(file, first.line, `${first.where} ${first.message}${rest}`, { issues });
  }
  const body = parsed.content.trim();
  if (body.length === 0) {
    throw invalid(file, fileLine(text, closing + 1) + 1, 'the lesson has no body: write one short, actionable paragraph after the frontmatter');
  }
  return { ...result.data, body };
}
