import { OrchError, isOrchError } from '../errors/index.js';
import { git } from '../git/exec.js';
import { checkedOutMain, lessonPath, MAIN_REF, readReviewers } from './knowledge-repo.js';
import { checkLessonFile } from './proposal-check.js';
import { refuseDuplicates } from './propose.js';
import { commitTree, readText, updateRefs } from './plumbing.js';
import { requireProposal } from './proposals.js';
import { assertListed, assertReviewerName, REVIEWED_BY } from './reviewers.js';
import { assertKnowledgeVerified } from './verify.js';

/**
 * Approval: a `--no-ff` merge of the proposal onto main, made in-process
 * (`git merge-tree --write-tree`, `commit-tree` with parents [main,
 * proposal]), whose message carries `Reviewed-by: NAME`. main moves and the
 * proposal branch goes in one `update-ref` transaction with both old values,
 * through the repo's hooks, so the reference-transaction guard judges it.
 */

export interface ApproveResult {
  id: string;
  project: string;
  slug: string;
  reviewer: string;
  merge: string;
  previousMain: string;
  /** What happened to a checkout of main: brought along, none, or left as it was (it had conflicting local changes). */
  checkout: 'synced' | 'none' | 'left-behind';
}

const ATTEMPTS = 3;

async function mergeTree(repo: string, main: string, proposal: string, id: string): Promise<string> {
  const result = await git(repo, ['merge-tree', '--write-tree', '--no-messages', main, proposal], { reject: false });
  const tree = result.stdout.split('\n')[0]?.trim() ?? '';
  if (result.exitCode === 1) {
    throw new OrchError('LESSON_REFUSED', `proposal ${id} does not merge cleanly onto main`, { hint: `reject it and propose it again on top of the current main` });
  }
  if (result.exitCode !== 0 || !/^[0-9a-f]{40,64}$/.test(tree)) {
    throw new OrchError('GIT_FAILED', `git merge-tree failed in ${repo}: ${result.stderr.trim().slice(0, 500)}`, { data: { exitCode: result.exitCode } });
  }
  return tree;
}

/** The proposal may change exactly one file: its own lesson, which main does not have yet. */
async function assertOnlyLessonAdded(repo: string, main: string, tree: string, slug: string, id: string): Promise<void> {
  const out = await git(repo, ['diff-tree', '-r', '--no-renames', '--name-status', '-z', main, tree]);
  const fields = out.stdout.split('\0').filter((field) => field !== '');
  const changes: string[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) changes.push(`${fields[i] ?? ''} ${fields[i + 1] ?? ''}`);
  const expected = `A ${lessonPath(slug)}`;
  if (changes.length !== 1 || changes[0] !== expected) {
    throw new OrchError('LESSON_REFUSED', `proposal ${id} changes more than its lesson: ${changes.slice(0, 10).join(', ') || 'nothing'}`, {
      data: { changes },
      hint: `a proposal adds exactly ${lessonPath(slug)}; reject it and propose the lesson alone`,
    });
  }
}

async function syncCheckout(repo: string, from: string, to: string): Promise<ApproveResult['checkout']> {
  if (!(await checkedOutMain(repo))) return 'none';
  // The two-tree form is checkout's own fast-forward: local changes survive, conflicting ones stop it.
  const result = await git(repo, ['read-tree', '-m', '-u', from, to], { reject: false });
  return result.exitCode === 0 ? 'synced' : 'left-behind';
}

async function attemptApproval(repo: string, id: string, reviewer: string): Promise<ApproveResult> {
  const main = await assertKnowledgeVerified(repo);
  const listed = await readReviewers(repo, main);
  assertListed(reviewer, listed, 'approve as a listed reviewer; the list is reviewers.txt on main and changes only through a reviewed merge');
  const proposal = await requireProposal(repo, id);
  const file = `${proposal.branch}:${lessonPath(proposal.slug)}`;
  const text = await readText(repo, proposal.commit, lessonPath(proposal.slug));
  if (text === undefined) {
    throw new OrchError('LESSON_INVALID', `${file} does not exist: the proposal branch holds no lesson file`, { location: { file }, hint: 'reject this proposal' });
  }
  const checked = checkLessonFile({ content: text, slug: proposal.slug, project: proposal.project, file });
  await refuseDuplicates(repo, main, checked, file);
  const tree = await mergeTree(repo, main, proposal.commit, proposal.id);
  await assertOnlyLessonAdded(repo, main, tree, proposal.slug, proposal.id);
  const message = [
    `Merge lesson ${proposal.slug} from ${proposal.project}`,
    '',
    checked.lesson.title,
    '',
    `${REVIEWED_BY}: ${reviewer}`,
    `Lesson: ${proposal.slug}`,
    `Project: ${proposal.project}`,
    '',
  ].join('\n');
  const merge = await commitTree(repo, tree, [main, proposal.commit], message);
  await updateRefs(
    repo,
    [
      { ref: MAIN_REF, next: merge, expected: main },
      { ref: proposal.ref, next: null, expected: proposal.commit },
    ],
    { reason: `orch lessons approve ${proposal.id} --as ${reviewer}`, hooks: true },
  );
  const checkout = await syncCheckout(repo, main, merge);
  return { id: proposal.id, project: proposal.project, slug: proposal.slug, reviewer, merge, previousMain: main, checkout };
}

/** Approve proposal `id` ("<project>/<slug>" or a slug) as reviewer `as`. */
export async function approveLesson(repo: string, id: string, options: { as: string }): Promise<ApproveResult> {
  assertReviewerName(options.as, '--as');
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptApproval(repo, id, options.as);
    } catch (error) {
      // main or the proposal moved under us: judge again from the new state.
      if (isOrchError(error, 'REF_CONFLICT') && attempt < ATTEMPTS) continue;
      throw error;
    }
  }
}
