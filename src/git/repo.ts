import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { OrchError } from '../errors/index.js';
import { systemClock, type Clock } from '../sys/clock.js';
import { git } from './exec.js';
import { ObjectStore } from './object-store.js';
import { RefStore, type RefStoreOptions } from './ref-store.js';

/**
 * One open repository: where its git dirs are, its ref store and its object
 * store. Open once per repo and share; close() ends the cat-file child.
 */
export interface Repo {
  /** The path it was opened with (absolute). */
  readonly path: string;
  /** This worktree's git dir (index, HEAD). */
  readonly gitDir: string;
  /** Where shared refs and objects live. */
  readonly commonDir: string;
  /** The main worktree's root, or undefined for a bare repo. */
  readonly mainWorktree: string | undefined;
  readonly refs: RefStore;
  readonly objects: ObjectStore;
  readonly clock: Clock;
  close(): Promise<void>;
}

export interface OpenRepoOptions extends RefStoreOptions {
  clock?: Clock;
}

export async function openRepo(path: string, options: OpenRepoOptions = {}): Promise<Repo> {
  const absolute = resolve(path);
  const result = await git(absolute, ['rev-parse', '--path-format=absolute', '--git-dir', '--git-common-dir', '--is-bare-repository', '--show-object-format', '--show-toplevel'], {
    reject: false,
  });
  const [gitDir, commonDir, bare, format, toplevel] = result.stdout.split('\n');
  if (gitDir === undefined || commonDir === undefined || format === undefined || gitDir.length === 0 || format.length === 0) {
    throw new OrchError('NOT_A_REPO', `${absolute} is not a git repository`, {
      data: { path: absolute, stderr: result.stderr },
      hint: 'run `git init` there, or point orch at a repository',
    });
  }
  if (format !== 'sha1') {
    throw new OrchError('NOT_A_REPO', `${absolute} uses ${format} object ids; orch supports sha1 repositories`, { data: { path: absolute } });
  }
  let mainWorktree: string | undefined;
  if (bare !== 'true') {
    mainWorktree = gitDir === commonDir ? toplevel : basename(commonDir) === '.git' ? dirname(commonDir) : undefined;
  }
  const clock = options.clock ?? systemClock;
  const refs = new RefStore(absolute, commonDir, { ...options, clock });
  const objects = new ObjectStore(absolute, join(commonDir, 'objects'));
  return {
    path: absolute,
    gitDir,
    commonDir,
    mainWorktree: mainWorktree === '' ? undefined : mainWorktree,
    refs,
    objects,
    clock,
    close: () => objects.close(),
  };
}

export interface Worktree {
  /** Its root directory. */
  path: string;
  /** Its git dir (holds its index and HEAD). */
  gitDir: string;
}

function headBranch(gitDir: string): string | undefined {
  try {
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    return head.startsWith('ref: ') ? head.slice(5) : undefined;
  } catch {
    return undefined;
  }
}

/** Every worktree of the repo with the branch ref its HEAD names (undefined: detached or unreadable). */
export function listWorktrees(repo: Repo): (Worktree & { head: string | undefined })[] {
  const out: (Worktree & { head: string | undefined })[] = [];
  if (repo.mainWorktree !== undefined) out.push({ path: repo.mainWorktree, gitDir: repo.commonDir, head: headBranch(repo.commonDir) });
  let names: string[];
  try {
    names = readdirSync(join(repo.commonDir, 'worktrees'));
  } catch {
    return out;
  }
  for (const name of names) {
    const gitDir = join(repo.commonDir, 'worktrees', name);
    try {
      const dotGit = readFileSync(join(gitDir, 'gitdir'), 'utf8').trim();
      out.push({ path: dirname(dotGit), gitDir, head: headBranch(gitDir) });
    } catch {
      continue;
    }
  }
  return out;
}

/** The worktree that has `ref` (e.g. refs/heads/main) checked out, read fresh from HEAD files. */
export function findCheckout(repo: Repo, ref: string): Worktree | undefined {
  const found = listWorktrees(repo).find((worktree) => worktree.head === ref);
  return found === undefined ? undefined : { path: found.path, gitDir: found.gitDir };
}
