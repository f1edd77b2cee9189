import { describeSymlinkEscape } from '../git/symlink-target.js';

/**
 * Pure checks on the paths and symlinks a sandbox produced: what may become
 * part of a commit. (The same component rules as peer snapshots, kept here
 * because sandbox/ and snapshot/ do not import each other.)
 */

const FORMAT_CHARS = /\p{Cf}/gu;

/** Why a repo-relative path a sandbox wrote can never be committed, or undefined. */
export function explainBadPath(path: string): string | undefined {
  if (path === '' || path.startsWith('/')) return 'not a relative path';
  for (const part of path.split('/')) {
    if (part === '' || part === '.' || part === '..') return `component "${part}" is not a usable name`;
    if (part.includes('\\')) return `component "${part}" contains a backslash`;
    if (part.includes('\0')) return `component "${part}" contains NUL`;
    if (part.includes('\ufffd')) return `component "${part}" is not valid UTF-8`;
    const folded = part.normalize('NFKC').replace(FORMAT_CHARS, '').toUpperCase().toLowerCase().replace(/[. ]+$/, '');
    if (folded === '.git' || folded === 'git~1' || folded === '') return `component "${part}" reads as "${folded || '(empty)'}"`;
  }
  return undefined;
}

/**
 * Why a symlink at `path` with `target` leaves the repo, or undefined when it
 * stays inside. Absolute targets leave; `..` counts only as leading segments
 * (after a named segment it could climb out of a symlinked directory).
 */
export function explainEscape(path: string, target: string): string | undefined {
  return describeSymlinkEscape(path, target);
}
