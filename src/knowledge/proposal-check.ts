import { OrchError } from '../errors/index.js';
import { LESSON_ID, MAX_LESSON_BYTES, parseLesson, PROJECT_NAME, type Lesson } from './lesson-schema.js';
import { describeSecrets, findSecrets } from './secrets.js';

/**
 * Whether a lesson file may become a proposal. Pure: bytes and names in, the
 * final text and parsed lesson out, or LESSON_REFUSED / LESSON_INVALID with
 * the reason. Checks, in order: UTF-8, size, secrets, slug, schema, source.
 * Duplicates of approved lessons need the repo and are checked by propose.
 */

export interface LessonCandidate {
  content: string | Uint8Array;
  /** The file name's slug (`.agents/lessons/<slug>.md`); default: the frontmatter id. */
  slug?: string;
  /** The proposing project; default: the frontmatter's source.project. */
  project?: string;
  bead?: string;
  /** Names the file in errors. */
  file?: string;
}

export interface CheckedLesson {
  slug: string;
  project: string;
  /** The text to store: the file as given, plus a `source:` line when it had none. */
  text: string;
  lesson: Lesson;
}

function refused(file: string, message: string, hint: string, data: Record<string, unknown> = {}): OrchError {
  return new OrchError('LESSON_REFUSED', `${file}: ${message}`, { location: { file }, hint, data });
}

function invalid(file: string, message: string, hint: string, line?: number): OrchError {
  return new OrchError('LESSON_INVALID', `${file}${line === undefined ? '' : `:${line}`}: ${message}`, {
    location: line === undefined ? { file } : { file, line },
    hint,
  });
}

function decode(content: string | Uint8Array, file: string): string {
  if (typeof content === 'string') return content;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    throw refused(file, 'is not UTF-8 text', 'a lesson is a short markdown file in UTF-8');
  }
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The frontmatter's closing "---" line offset, or -1. */
function closingOffset(text: string): number {
  const match = /\r?\n---[ \t]*\r?\n|\r?\n---[ \t]*$/.exec(text.slice(3));
  return match === null ? -1 : match.index + 3;
}

function lineOf(text: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(text);
  return match === null ? undefined : text.slice(0, match.index).split('\n').length;
}

/** Adds `source: {project, bead}` as the frontmatter's last key when it has no top-level `source:`. */
export function ensureSource(text: string, project: string, bead: string | undefined): string {
  const close = closingOffset(text);
  if (!text.startsWith('---') || close < 0) return text;
  if (/^source\s*:/m.test(text.slice(0, close))) return text;
  const eol = text.slice(close).startsWith('\r\n') ? '\r\n' : '\n';
  const line = `source: {project: ${project}${bead === undefined ? '' : `, bead: ${bead}`}}`;
  return `${text.slice(0, close)}${eol}${line}${text.slice(close)}`;
}

export function checkLessonFile(candidate: LessonCandidate): CheckedLesson {
  const file = candidate.file ?? (candidate.slug === undefined ? 'lesson' : `${candidate.slug}.md`);
  const original = decode(candidate.content, file);
  const size = byteLength(original);
  if (size > MAX_LESSON_BYTES) {
    throw refused(file, `is ${size} bytes; a lesson is at most ${MAX_LESSON_BYTES}`, 'keep a lesson to one short paragraph', { size });
  }
  const secrets = findSecrets(original);
  if (secrets.length > 0) {
    throw refused(file, `contains what looks like a secret: ${describeSecrets(secrets)}`, 'remove the secret (and rotate it if it was real); lessons travel to every project', {
      secrets,
    });
  }
  if (candidate.slug !== undefined && !LESSON_ID.test(candidate.slug)) {
    throw invalid(file, `"${candidate.slug.slice(0, 80)}" is not a plain lesson name`, 'name the file <slug>.md with a slug of lower-case letters, digits and "-", e.g. pin-lockfile-versions.md');
  }
  if (candidate.project !== undefined && !PROJECT_NAME.test(candidate.project)) {
    throw invalid(file, `"${candidate.project.slice(0, 80)}" is not a project name`, 'a project name is like api or web-app');
  }
  if (candidate.bead !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/.test(candidate.bead)) {
    throw invalid(file, `"${candidate.bead.slice(0, 80)}" is not a bead id`, 'a bead id is like api-k3f9');
  }
  const text = candidate.project === undefined ? original : ensureSource(original, candidate.project, candidate.bead);
  if (byteLength(text) > MAX_LESSON_BYTES) {
    throw refused(file, `is over ${MAX_LESSON_BYTES} bytes once its source line is added`, 'shorten the lesson');
  }
  const lesson = parseLesson(text, file);
  const slug = candidate.slug ?? lesson.id;
  if (lesson.id !== slug) {
    throw invalid(file, `its id "${lesson.id}" does not match its file name "${slug}.md"`, `set id: ${slug} or rename the file to ${lesson.id}.md`, lineOf(text, /^id\s*:/m));
  }
  const project = candidate.project ?? lesson.source.project;
  if (lesson.source.project !== project) {
    throw refused(file, `says source.project ${lesson.source.project}, but it comes from project ${project}`, `set source.project to ${project} or leave source out`);
  }
  return { slug, project, text, lesson };
}

/** Whitespace-insensitive body comparison, for spotting a duplicate of an approved lesson. */
export function normalizeBody(body: string): string {
  return body.replace(/\s+/g, ' ').trim().toLowerCase();
}
