import { git } from './exec.js';
import type { FileEntry } from './tree-diff.js';
import type { Worktree } from './repo.js';

/**
 * What a person has done to some paths of a worktree, from
 * `git status --porcelain=v2 -z` (read-only: GIT_OPTIONAL_LOCKS=0 keeps it
 * from refreshing the index file).
 */

export type PathStatus =
  /** Tracked and changed: `index` is the index entry (null: removed from the index). */
  | { kind: 'changed'; stagedChange: boolean; worktreeChange: boolean; index: FileEntry | null }
  | { kind: 'unmerged' }
  | { kind: 'untracked' };

const ZERO_MODE = '000000';

function entryOf(mode: string | undefined, oid: string | undefined): FileEntry | null {
  if (mode === undefined || oid === undefined || mode === ZERO_MODE) return null;
  return { mode: (mode === '040000' ? '40000' : mode) as FileEntry['mode'], oid };
}

/** Parse `git status --porcelain=v2 -z --no-renames` output. Paths absent from the map are clean. */
export function parseStatusV2(stdout: string): Map<string, PathStatus> {
  const out = new Map<string, PathStatus>();
  for (const record of stdout.split('\0')) {
    if (record.length === 0) continue;
    const kind = record[0];
    if (kind === '?' || kind === '!') {
      out.set(record.slice(2), { kind: 'untracked' });
    } else if (kind === '1') {
      // 1 XY sub mH mI mW hH hI path
      const fields = record.split(' ');
      const xy = fields[1] ?? '..';
      out.set(fields.slice(8).join(' '), {
        kind: 'changed',
        stagedChange: xy[0] !== '.',
        worktreeChange: xy[1] !== '.',
        index: entryOf(fields[4], fields[7]),
      });
    } else if (kind === 'u') {
      // u XY sub m1 m2 m3 mW h1 h2 h3 path
      out.set(record.split(' ').slice(10).join(' '), { kind: 'unmerged' });
    }
  }
  return out;
}

/** The status of `paths` (and only them) in a worktree, compared with its HEAD. */
export async function readStatus(worktree: Worktree, paths: readonly string[]): Promise<Map<string, PathStatus>> {
  if (paths.length === 0) return new Map();
  // Past a few thousand paths the command line gets long; status of the whole tree is the same answer.
  const pathspec = paths.length > 4000 ? [] : ['--', ...paths];
  const result = await git(worktree.path, ['status', '--porcelain=v2', '-z', '--untracked-files=all', '--no-renames', '--ignore-submodules=all', ...pathspec], {
    env: { GIT_LITERAL_PATHSPECS: '1' },
  });
  return parseStatusV2(result.stdout);
}
