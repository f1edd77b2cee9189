import { OrchError, isOrchError } from '../errors/index.js';
import { readApprovedLessons } from './approved.js';
import { LESSONS_DIR, lessonPath, readMain } from './knowledge-repo.js';
import { checkLessonFile, normalizeBody, type CheckedLesson, type LessonCandidate } from './proposal-check.js';
import { commitTree, listTree, updateRefs, writeBlob, writeTree, type TreeItem } from './plumbing.js';
import { proposalRef, type ProposalRef } from './proposals.js';

/**
 * A lesson proposal is a branch `proposals/<project>/<slug>` holding one
 * commit on top of main that adds `lessons/<slug>.md`. Made with plumbing
 * (no checkout) and created with a must-not-exist compare-and-swap.
 */

function refuse(file: string, message: string, hint: string, data: Record<string, unknown> = {}): OrchError {
  return new OrchError('LESSON_REFUSED', `${file}: ${message}`, { location: { file }, hint, data });
}

export async function refuseDuplicates(repo: string, main: string, checked: CheckedLesson, file: string): Promise<void> {
  const body = normalizeBody(checked.lesson.body);
  for (const approved of await readApprovedLessons(repo, main)) {
    if (approved.id === checked.slug) {
      throw refuse(file, `a lesson "${checked.slug}" is already approved`, 'choose another slug, or propose a change to that lesson through a pull request', {
        duplicateOf: approved.id,
      });
    }
    if (approved.lesson !== undefined && normalizeBody(approved.lesson.body) === body) {
      throw refuse(file, `it says the same as the approved lesson "${approved.id}"`, 'there is nothing new to review', { duplicateOf: approved.id });
    }
  }
}

/** main's tree with `lessons/<slug>.md` set to `blob`. */
async function treeWithLesson(repo: string, main: string, slug: string, blob: string): Promise<string> {
  const name = `${slug}.md`;
  const lessons: TreeItem[] = (await listTree(repo, `${main}:${LESSONS_DIR}`)).filter((item) => item.name !== name);
  lessons.push({ mode: '100644', type: 'blob', oid: blob, name });
  const lessonsTree = await writeTree(repo, lessons);
  const root = (await listTree(repo, main)).filter((item) => item.name !== LESSONS_DIR);
  root.push({ mode: '040000', type: 'tree', oid: lessonsTree, name: LESSONS_DIR });
  return writeTree(repo, root);
}

/** Check a lesson file and make it a proposal branch. LESSON_INVALID / LESSON_REFUSED say why not. */
export async function proposeLesson(repo: string, candidate: LessonCandidate): Promise<ProposalRef> {
  const checked = checkLessonFile(candidate);
  const file = candidate.file ?? lessonPath(checked.slug);
  const main = await readMain(repo);
  await refuseDuplicates(repo, main, checked, file);
  const blob = await writeBlob(repo, checked.text);
  const tree = await treeWithLesson(repo, main, checked.slug, blob);
  const bead = checked.lesson.source.bead;
  const message = [
    `Propose lesson ${checked.slug}`,
    '',
    checked.lesson.title,
    '',
    `Lesson: ${checked.slug}`,
    `Project: ${checked.project}`,
    ...(bead === undefined ? [] : [`Bead: ${bead}`]),
    '',
  ].join('\n');
  const commit = await commitTree(repo, tree, [main], message);
  const ref = proposalRef(checked.project, checked.slug);
  try {
    await updateRefs(repo, [{ ref, next: commit, expected: null }], { reason: `orch lessons propose ${checked.slug}`, hooks: true });
  } catch (error) {
    if (isOrchError(error, 'REF_CONFLICT')) {
      throw refuse(file, `a proposal ${checked.project}/${checked.slug} is already waiting for review`, `approve or reject it first (orch lessons show ${checked.project}/${checked.slug})`);
    }
    throw error;
  }
  return {
    id: `${checked.project}/${checked.slug}`,
    project: checked.project,
    slug: checked.slug,
    ref,
    branch: ref.slice('refs/heads/'.length),
    commit,
  };
}
