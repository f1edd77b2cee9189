import { stat } from 'node:fs/promises';
import { OrchError, isOrchError } from '../errors/index.js';
import { git } from './exec.js';

/** Where git looks for a repo's hooks, as git itself resolves it. */
export interface HooksDir {
  /** Absolute path: `core.hooksPath` (relative ones resolved as git does, `~` expanded) or `<common git dir>/hooks`. */
  path: string;
  /** Set when hooks cannot run there (e.g. `core.hooksPath=/dev/null`): the reason. */
  disabled?: string;
}

/**
 * `git rev-parse --git-path hooks` honours `core.hooksPath` (husky sets it to
 * `.husky/_`) and linked worktrees. orch's git wrapper turns hooks off with
 * `-c core.hooksPath=/dev/null`, so this asks with hooks on.
 */
export async function resolveHooksDir(repo: string): Promise<HooksDir> {
  let path: string;
  try {
    const result = await git(repo, ['rev-parse', '--path-format=absolute', '--git-path', 'hooks'], { hooks: true });
    path = result.stdout.trim();
  } catch (error) {
    if (isOrchError(error, 'GIT_FAILED')) {
      throw new OrchError('NOT_A_REPO', `${repo} is not a git repository`, {
        cause: error,
        hint: 'give the path of a git repository (git init creates one)',
        data: { repo },
      });
    }
    throw error;
  }
  const info = await stat(path).catch(() => undefined);
  if (info !== undefined && !info.isDirectory()) {
    return { path, disabled: `core.hooksPath is ${path}, which is not a directory, so git runs no hooks in this repo` };
  }
  return { path };
}
