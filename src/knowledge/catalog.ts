import { OrchError, isOrchError } from '../errors/index.js';
import { git } from '../git/exec.js';
import { readApprovedLessons, type ApprovedLesson } from './approved.js';
import { lessonPath, MAIN_REF, readMain } from './knowledge-repo.js';
import { parseLesson, type Lesson } from './lesson-schema.js';
import { readText } from './plumbing.js';
import { findProposal, listProposalRefs, type ProposalRef } from './proposals.js';
import { listRejections, type Rejection } from './reject.js';
import { verifyKnowledge, type Verification } from './verify.js';

/** `orch lessons list` and `orch lessons show ID`: read-only views for people. */

export interface PendingProposal extends ProposalRef {
  lesson?: Lesson;
  /** Why the proposal's file does not parse (it will be refused at approval). */
  problem?: string;
}

export interface LessonListing {
  head: string;
  /** Listing never fails on an unverified main; it reports it. */
  verification: Verification;
  approved: ApprovedLesson[];
  proposals: PendingProposal[];
  rejected: Rejection[];
}

async function readProposal(repo: string, proposal: ProposalRef): Promise<PendingProposal & { text?: string }> {
  const path = lessonPath(proposal.slug);
  const text = await readText(repo, proposal.commit, path);
  if (text === undefined) return { ...proposal, problem: `the branch has no ${path}` };
  try {
    return { ...proposal, text, lesson: parseLesson(text, `${proposal.branch}:${path}`) };
  } catch (error) {
    if (isOrchError(error, 'LESSON_INVALID')) return { ...proposal, text, problem: error.message };
    throw error;
  }
}

export async function listLessons(repo: string): Promise<LessonListing> {
  const head = await readMain(repo);
  const [verification, approved, refs, rejected] = await Promise.all([
    verifyKnowledge(repo, { head }),
    readApprovedLessons(repo, head),
    listProposalRefs(repo),
    listRejections(repo),
  ]);
  const proposals = await Promise.all(refs.map(async (ref) => {
    const { text: _text, ...rest } = await readProposal(repo, ref);
    return rest;
  }));
  return { head, verification, approved, proposals, rejected };
}

export type ShownLesson =
  | ({ kind: 'approved' } & ApprovedLesson)
  | ({ kind: 'proposal'; text?: string; diff: string } & PendingProposal);

/** An approved lesson by slug, or a proposal by "<project>/<slug>" (or its slug) with its diff against main. */
export async function showLesson(repo: string, id: string): Promise<ShownLesson> {
  const head = await readMain(repo);
  if (!id.includes('/')) {
    const approved = (await readApprovedLessons(repo, head)).find((lesson) => lesson.id === id);
    if (approved !== undefined) return { kind: 'approved', ...approved };
  }
  const proposal = await findProposal(repo, id);
  if (proposal === undefined) {
    throw new OrchError('LESSON_NOT_FOUND', `no approved lesson or proposal "${id}"`, { hint: 'see them with `orch lessons list`' });
  }
  const shown = await readProposal(repo, proposal);
  const diff = (await git(repo, ['diff', '--no-color', '--no-ext-diff', `${MAIN_REF}...${proposal.commit}`])).stdout;
  return { kind: 'proposal', ...shown, diff };
}
