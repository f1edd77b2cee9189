import { mkdir, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { OrchError } from '../errors/index.js';
import { git } from '../git/exec.js';
import { commitTree, readText, resolveCommit, updateRefs, writeBlob, writeTree } from './plumbing.js';
import { parseReviewers, REVIEWERS_FILE, serializeReviewers } from './reviewers.js';

/**
 * The knowledge repo's layout: approved lessons are `lessons/<slug>.md` on
 * `main`; `reviewers.txt` at the root lists who may approve; proposals are
 * branches `proposals/<project>/<slug>`; rejections are recorded on
 * `refs/orch/rejections`. The root commit is pinned in the repo's config
 * (`orch.root`) so that a history rewritten from a new root fails verify.
 */

export const MAIN_REF = 'refs/heads/main';
export const LESSONS_DIR = 'lessons';
export const PROPOSALS_PREFIX = 'refs/heads/proposals/';
export const REJECTIONS_REF = 'refs/orch/rejections';
export const ROOT_CONFIG_KEY = 'orch.root';

export function lessonPath(slug: string): string {
  return `${LESSONS_DIR}/${slug}.md`;
}

const README = `# Knowledge repo

Lessons that orch injects into agents' sandboxes, curated: a lesson reaches
\`main\` only as a \`--no-ff\` merge whose message carries \`Reviewed-by: NAME\`
for a NAME listed in \`${REVIEWERS_FILE}\` (\`orch lessons approve ID --as NAME\`,
or a merged pull request with that trailer). \`orch lessons verify\` checks
main's first-parent history; orch injects nothing when it fails.

- \`${LESSONS_DIR}/<slug>.md\`: approved lessons.
- \`proposals/<project>/<slug>\` branches: lessons awaiting review.
`;

export interface CreatedKnowledgeRepo {
  dir: string;
  /** The root commit (also pinned as `orch.root`). */
  root: string;
  /** False when `dir` already was a knowledge repo (left as it was). */
  created: boolean;
}

async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/** Whether `dir` itself is a git repo (its own .git, or bare), not a folder inside another repo. */
async function isOwnRepo(dir: string): Promise<boolean> {
  const result = await git(dir, ['rev-parse', '--absolute-git-dir'], { reject: false });
  if (result.exitCode !== 0) return false;
  const gitDir = result.stdout.trim();
  const real = await realpath(dir);
  return gitDir === join(real, '.git') || gitDir === real;
}

/** The root commit of main's first-parent chain. */
export async function findRoot(repo: string, head = MAIN_REF): Promise<string> {
  const out = (await git(repo, ['rev-list', '--first-parent', '--max-parents=0', head])).stdout.trim().split('\n');
  return out[out.length - 1] ?? '';
}

/**
 * `git init -b main` and a root commit holding `reviewers.txt` and a README,
 * made with plumbing and put in place with a must-not-exist compare-and-swap.
 * A directory that already holds a knowledge repo is left alone; any other
 * non-empty directory is refused.
 */
export async function createKnowledgeRepo(dir: string, reviewers: readonly string[], options: { bare?: boolean } = {}): Promise<CreatedKnowledgeRepo> {
  if (reviewers.length === 0) {
    throw new OrchError('USAGE', 'a knowledge repo needs at least one reviewer', { hint: 'list reviewers in .orch/workspace.yaml, e.g. reviewers: [alice]' });
  }
  const reviewersText = serializeReviewers(reviewers);
  if (!(await isEmptyDir(dir))) {
    const main = (await isOwnRepo(dir)) ? await resolveCommit(dir, MAIN_REF) : undefined;
    if (main !== undefined && (await readText(dir, main, REVIEWERS_FILE)) !== undefined) {
      return { dir, root: await findRoot(dir), created: false };
    }
    throw new OrchError('KNOWLEDGE_INVALID', `${dir} is not empty and is not a knowledge repo (no ${REVIEWERS_FILE} on main)`, {
      hint: 'choose an empty directory for the knowledge repo, or clone an existing knowledge repo there',
    });
  }
  await mkdir(dir, { recursive: true });
  await git(dir, ['init', '-q', '-b', 'main', ...(options.bare === true ? ['--bare'] : [])]);
  const tree = await writeTree(dir, [
    { mode: '100644', type: 'blob', oid: await writeBlob(dir, README), name: 'README.md' },
    { mode: '100644', type: 'blob', oid: await writeBlob(dir, reviewersText), name: REVIEWERS_FILE },
  ]);
  const root = await commitTree(dir, tree, [], `Create the knowledge repo\n\nReviewers: ${reviewers.join(', ')}\n`);
  await updateRefs(dir, [{ ref: MAIN_REF, next: root, expected: null }], { reason: 'orch init: knowledge repo', hooks: false });
  await git(dir, ['config', ROOT_CONFIG_KEY, root]);
  if (options.bare !== true) await git(dir, ['read-tree', '-m', '-u', 'HEAD']);
  return { dir, root, created: true };
}

/** main's tip, or KNOWLEDGE_INVALID when there is none. */
export async function readMain(repo: string): Promise<string> {
  const main = await resolveCommit(repo, MAIN_REF).catch(() => undefined);
  if (main === undefined) {
    throw new OrchError('KNOWLEDGE_INVALID', `${repo} has no main branch: it is not a knowledge repo`, {
      hint: 'create it with `orch init`, or clone the knowledge repo there',
    });
  }
  return main;
}

/** The reviewers listed in `commit`'s tree. */
export async function readReviewers(repo: string, commit: string): Promise<string[]> {
  const text = await readText(repo, commit, REVIEWERS_FILE);
  if (text === undefined) {
    throw new OrchError('KNOWLEDGE_INVALID', `${repo}: commit ${commit} has no ${REVIEWERS_FILE}`, {
      hint: `the knowledge repo lists its reviewers in ${REVIEWERS_FILE} at the root of main`,
    });
  }
  return parseReviewers(text, `${commit.slice(0, 12)}:${REVIEWERS_FILE}`);
}

/** The pinned root commit (`git config orch.root`), if any. */
export async function readPinnedRoot(repo: string): Promise<string | undefined> {
  const result = await git(repo, ['config', '--get', ROOT_CONFIG_KEY], { reject: false });
  const value = result.stdout.trim();
  return result.exitCode === 0 && value !== '' ? value : undefined;
}

/** Pin `root` (e.g. after cloning a knowledge repo from a forge, once its history is trusted). */
export async function pinRoot(repo: string, root: string): Promise<void> {
  await git(repo, ['config', ROOT_CONFIG_KEY, root]);
}

/** Whether `dir` has a work tree whose HEAD is main (so approvals bring the checkout along). */
export async function checkedOutMain(repo: string): Promise<boolean> {
  const bare = await git(repo, ['rev-parse', '--is-bare-repository'], { reject: false });
  if (bare.stdout.trim() !== 'false') return false;
  const head = await git(repo, ['symbolic-ref', '-q', 'HEAD'], { reject: false });
  return head.exitCode === 0 && head.stdout.trim() === MAIN_REF;
}
