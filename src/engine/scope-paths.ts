import { posix } from 'node:path';
import { describeSymlinkEscape } from '../git/symlink-target.js';

/**
 * Pure path rules of the scope guard: which repo-relative paths an agent may
 * never produce, whatever its bead declares, and which symlink targets leave
 * the repo. Paths use `/` and are relative to the repo root.
 */

export type PathRule = 'invalid-path' | 'git' | 'shared';

export interface PathProblem {
  rule: PathRule;
  detail: string;
}

/**
 * Characters HFS+ ignores when comparing names, so `.g\u200cit` is `.git` on
 * a Mac checkout (git's own `core.protectHFS` list).
 */
const HFS_IGNORABLE = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;

/**
 * A component as a case-insensitive, HFS- and NTFS-tolerant file system would
 * see it: lower case, ignorable characters and trailing dots and spaces gone.
 */
export function foldComponent(component: string): string {
  return component.replace(HFS_IGNORABLE, '').toLowerCase().replace(/[. ]+$/, '');
}

/** `.git` in any case or disguise (`.GIT`, `.git.`, `.g\u200cit`, NTFS short name `git~1`). */
export function isGitComponent(component: string): boolean {
  const folded = foldComponent(component);
  return folded === '.git' || folded === 'git~1';
}

/** `.shared` (where peers are mounted), matched as loosely as `.git`. */
export function isSharedComponent(component: string): boolean {
  return foldComponent(component) === '.shared';
}

/** The problems of a path an agent wrote, deleted or linked; empty when the path itself is acceptable. */
export function checkPath(path: string): PathProblem[] {
  if (path === '') return [{ rule: 'invalid-path', detail: 'empty path' }];
  const problems: PathProblem[] = [];
  if (path.startsWith('/')) problems.push({ rule: 'invalid-path', detail: 'absolute path' });
  if (path.includes('\\') || path.includes('\0')) problems.push({ rule: 'invalid-path', detail: 'backslash or NUL in path' });
  const parts = path.split('/');
  const bad = parts.filter((part, i) => part === '.' || part === '..' || (part === '' && !(i === 0 && path.startsWith('/'))));
  if (bad.length > 0) problems.push({ rule: 'invalid-path', detail: `path component ${JSON.stringify(bad[0])} is not allowed` });
  if (parts.some(isGitComponent)) problems.push({ rule: 'git', detail: 'touches .git' });
  const first = parts.find((part) => part !== '' && part !== '.');
  if (first !== undefined && isSharedComponent(first)) problems.push({ rule: 'shared', detail: 'touches .shared/, where peer snapshots are mounted' });
  return problems;
}

/**
 * Whether a symlink at `path` with `target` stays inside the repo: a relative
 * target that, joined to the link's directory and normalised, neither climbs
 * above the root nor lands in `.git` or `.shared`. Returns the reason when not.
 */
export function checkSymlinkTarget(path: string, target: string): string | undefined {
  const escape = describeSymlinkEscape(path, target);
  if (escape !== undefined) return escape;
  const resolved = posix.normalize(posix.join(posix.dirname(path), target));
  if (resolved === '..' || resolved.startsWith('../')) return `symlink target ${JSON.stringify(target)} leaves the repo`;
  const parts = resolved.split('/');
  if (parts.some(isGitComponent)) return `symlink target ${JSON.stringify(target)} points into .git`;
  if (parts[0] !== undefined && isSharedComponent(parts[0])) return `symlink target ${JSON.stringify(target)} points into .shared/`;
  return undefined;
}

/** The proper ancestors of a path: `a/b/c` -> `a`, `a/b`. */
export function ancestorsOf(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'));
}
