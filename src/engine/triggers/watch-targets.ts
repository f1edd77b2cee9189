import { join } from 'node:path';
import { OrchError } from '../../errors/index.js';
import { git } from '../../git/exec.js';

/**
 * What the fallback watcher looks at for one repo: a handful of directories,
 * each with one inotify watch and a filter on entry names, never every file.
 *  - the directory holding the target branch's loose ref (`refs/heads/` for
 *    `main`): git replaces `main` by renaming `main.lock` over it, and
 *    `pack-refs` deletes it;
 *  - `logs/`, for appends to `logs/HEAD` (every commit, checkout, reset);
 *  - the common git dir, for `packed-refs` rewrites;
 *  - `.agents/beads/` in the working tree (checkouts and pulls rewrite it).
 */

export interface WatchTarget {
  dir: string;
  /** Whether a change to this entry name matters ('' = the directory itself). */
  accepts(name: string): boolean;
}

export interface RepoLayout {
  /** Working tree root; undefined for a bare repo. */
  worktree: string | undefined;
  gitDir: string;
  commonDir: string;
}

export async function readRepoLayout(repo: string): Promise<RepoLayout> {
  const result = await git(repo, ['rev-parse', '--path-format=absolute', '--git-dir', '--git-common-dir', '--is-bare-repository'], { reject: false });
  const [gitDir, commonDir, bare] = result.stdout.trim().split('\n');
  if (result.exitCode !== 0 || gitDir === undefined || commonDir === undefined) {
    throw new OrchError('NOT_A_REPO', `${repo} is not a git repository`, { data: { repo, stderr: result.stderr } });
  }
  const worktree = bare === 'true' ? undefined : (await git(repo, ['rev-parse', '--show-toplevel'])).stdout.trim();
  return { worktree, gitDir, commonDir };
}

export function watchTargetsFor(layout: RepoLayout, branch: string): WatchTarget[] {
  const parts = branch.split('/');
  if (branch.length === 0 || parts.some((part) => part === '' || part === '.' || part === '..')) {
    throw new OrchError('REF_INVALID', `invalid branch name ${JSON.stringify(branch)}`, { hint: 'use a branch name git accepts (git check-ref-format --branch)' });
  }
  const leaf = parts[parts.length - 1] ?? '';
  const targets: WatchTarget[] = [
    { dir: join(layout.commonDir, 'refs', 'heads', ...parts.slice(0, -1)), accepts: (name) => name === '' || name === leaf },
    { dir: join(layout.gitDir, 'logs'), accepts: (name) => name === '' || name === 'HEAD' },
    { dir: layout.commonDir, accepts: (name) => name === 'packed-refs' },
  ];
  if (layout.worktree !== undefined) {
    targets.push({ dir: join(layout.worktree, '.agents', 'beads'), accepts: (name) => name === '' || name.endsWith('.md') });
  }
  return targets;
}

export async function resolveWatchTargets(repo: string, branch: string): Promise<WatchTarget[]> {
  return watchTargetsFor(await readRepoLayout(repo), branch);
}
