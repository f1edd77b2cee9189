import { OrchError } from '../errors/index.js';

/**
 * The reviewers file at the root of the knowledge repo: who may approve a
 * lesson. Plain text, one name a line, `#` starts a comment. Plain on
 * purpose: the reference-transaction hook (POSIX sh) reads it too. It is a
 * file on main like any other, so changing it takes a reviewed merge, and a
 * merge is judged by the reviewers file of its first parent (the main it
 * lands on), never by the one it brings.
 */

export const REVIEWERS_FILE = 'reviewers.txt';
export const REVIEWER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const REVIEWED_BY = 'Reviewed-by';

export function assertReviewerName(name: string, where = 'reviewer'): void {
  if (!REVIEWER_NAME.test(name)) {
    throw new OrchError('USAGE', `${where} "${name.slice(0, 80)}" is not a plain name (letters, digits, ".", "_", "-")`, {
      hint: 'use a handle like alice',
    });
  }
}

/** REVIEWER_UNKNOWN unless `name` is one of the `listed` reviewers (approval, and a rejection signed with a name). */
export function assertListed(name: string, listed: readonly string[], hint: string): void {
  if (listed.includes(name)) return;
  throw new OrchError('REVIEWER_UNKNOWN', `${name} is not a listed reviewer of this knowledge repo (listed: ${listed.join(', ')})`, {
    data: { reviewer: name, listed },
    hint,
  });
}

/** Names listed in a reviewers file. Throws KNOWLEDGE_INVALID naming the line of a bad entry. */
export function parseReviewers(text: string, file = REVIEWERS_FILE): string[] {
  const names: string[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const name = raw.replace(/#.*/, '').trim();
    if (name === '') continue;
    if (!REVIEWER_NAME.test(name)) {
      throw new OrchError('KNOWLEDGE_INVALID', `${file}:${index + 1}: "${name.slice(0, 80)}" is not a reviewer name`, {
        location: { file, line: index + 1 },
        hint: 'one plain name a line (letters, digits, ".", "_", "-"); "#" starts a comment',
      });
    }
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

export function serializeReviewers(names: readonly string[]): string {
  for (const name of names) assertReviewerName(name);
  return [
    '# Who may approve lessons (orch lessons approve ID --as NAME): one name a line.',
    '# This file changes only through a reviewed merge, like every lesson.',
    ...names,
    '',
  ].join('\n');
}

/** The reviewer a `Reviewed-by:` value names: "alice" or "alice <alice@example.com>" -> "alice". */
export function reviewerOfTrailer(value: string): string {
  return value.replace(/\s*<.*$/, '').trim();
}

/** Whether any of the trailer values names a listed reviewer; returns that reviewer. */
export function findListedReviewer(trailerValues: readonly string[], listed: readonly string[]): string | undefined {
  for (const value of trailerValues) {
    const name = reviewerOfTrailer(value);
    if (name !== '' && listed.includes(name)) return name;
  }
  return undefined;
}
