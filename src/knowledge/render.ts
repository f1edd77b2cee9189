import { OrchError } from '../errors/index.js';
import { readApprovedLessons, type ApprovedLesson } from './approved.js';
import type { Lesson } from './lesson-schema.js';
import { assertKnowledgeVerified } from './verify.js';

/**
 * What an agent gets: the approved lessons in scope for its project (`*` or
 * the project's name), newest first, rendered as one markdown document
 * (`/orch/LESSONS.md` in the sandbox, and the prompt). Fails closed: main is
 * verified first and nothing is rendered if it does not verify.
 *
 * Budget: tokens are estimated as ceil(characters / 4) of the rendered text,
 * header included. Lessons are taken newest first while they fit; the first
 * one that does not fit ends the list, so what is included is always the
 * newest lessons, never a newer one dropped for an older one.
 */

export const DEFAULT_LESSON_BUDGET_TOKENS = 1500;

export interface RenderedLessons {
  text: string;
  /** Ids rendered, newest first. */
  included: string[];
  /** In scope but over the budget, newest first. */
  omitted: string[];
  /** Files on main that fail the lesson schema (never rendered). */
  invalid: { id: string; problem: string }[];
  tokens: number;
  /** The verified main commit the lessons were read from. */
  head: string;
}

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function inScope(lesson: Lesson, project: string): boolean {
  return lesson.scope.includes('*') || lesson.scope.includes(project);
}

function renderHeader(project: string, head: string, count: number): string {
  const lines = [
    '# Lessons',
    '',
    count === 0
      ? `No approved lessons apply to project \`${project}\` yet.`
      : `Approved lessons that apply to project \`${project}\`, newest first (knowledge repo main ${head.slice(0, 12)}). Each was reviewed by a person; follow them unless the task says otherwise. This file is read-only.`,
    '',
  ];
  return lines.join('\n');
}

export function renderLesson(lesson: Lesson): string {
  const meta = [`id: ${lesson.id}`, `scope: ${lesson.scope.join(', ')}`, ...(lesson.tags.length > 0 ? [`tags: ${lesson.tags.join(', ')}`] : [])];
  return [`## ${lesson.title}`, '', `<!-- ${meta.join('; ')} -->`, '', lesson.body, ''].join('\n');
}

/** Pure: choose and render from lessons already in newest-first order. */
export function composeLessons(lessons: readonly Lesson[], project: string, head: string, budgetTokens: number): Omit<RenderedLessons, 'invalid' | 'head'> {
  const scoped = lessons.filter((lesson) => inScope(lesson, project));
  let text = renderHeader(project, head, scoped.length);
  const included: string[] = [];
  const omitted: string[] = [];
  for (const lesson of scoped) {
    const section = `\n${renderLesson(lesson)}`;
    if (omitted.length === 0 && estimateTokens(text + section) <= budgetTokens) {
      text += section;
      included.push(lesson.id);
    } else {
      omitted.push(lesson.id);
    }
  }
  const note = `\n_${omitted.length} older lesson${omitted.length === 1 ? '' : 's'} left out to stay within the budget._\n`;
  if (omitted.length > 0 && estimateTokens(text + note) <= budgetTokens) text += note;
  return { text, included, omitted, tokens: estimateTokens(text) };
}

export async function renderLessons(repo: string, project: string, options: { budgetTokens?: number } = {}): Promise<RenderedLessons> {
  const budget = options.budgetTokens ?? DEFAULT_LESSON_BUDGET_TOKENS;
  if (!Number.isInteger(budget) || budget < 0) {
    throw new OrchError('CONFIG_INVALID', `the lesson budget must be a whole number of tokens, not ${String(budget)}`);
  }
  const head = await assertKnowledgeVerified(repo);
  const approved = await readApprovedLessons(repo, head);
  const lessons = approved.flatMap((entry: ApprovedLesson) => (entry.lesson === undefined ? [] : [entry.lesson]));
  const invalid = approved.flatMap((entry) => (entry.problem === undefined ? [] : [{ id: entry.id, problem: entry.problem }]));
  return { ...composeLessons(lessons, project, head, budget), invalid, head };
}
