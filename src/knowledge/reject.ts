import { OrchError } from '../errors/index.js';
import { git } from '../git/exec.js';
import { readMain, readReviewers, REJECTIONS_REF } from './knowledge-repo.js';
import { commitTree, resolveCommit, updateRefs, writeTree } from './plumbing.js';
import { requireProposal } from './proposals.js';
import { assertListed, assertReviewerName } from './reviewers.js';

/**
 * Rejection removes the proposal branch and keeps a record: a commit on
 * `refs/orch/rejections` whose first parent is the previous record (the log
 * starts at a parentless commit) and whose second parent is the rejected
 * proposal, so its content stays reachable. Trailers say what, who and why.
 * The record and the branch deletion are one transaction.
 */

export interface Rejection {
  id: string;
  /** The rejection record commit. */
  record: string;
  /** The rejected proposal's commit (still reachable through the record). */
  proposal: string;
  by?: string;
  reason: string;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 500);
}

async function startLog(repo: string, empty: string): Promise<string> {
  return commitTree(repo, empty, [], 'Rejected lesson proposals\n\nEach commit on refs/orch/rejections records one; its second parent is the proposal.\n');
}

/** A rejection signed `--as` someone names a reviewer listed on main (as an approval must): the record is not a place to forge a name. */
async function assertListedReviewer(repo: string, name: string): Promise<void> {
  assertReviewerName(name, '--as');
  assertListed(name, await readReviewers(repo, await readMain(repo)), 'reject as a listed reviewer, or without --as (the record then names no one)');
}

export async function rejectLesson(repo: string, id: string, options: { reason: string; as?: string }): Promise<Rejection> {
  if (options.as !== undefined) await assertListedReviewer(repo, options.as);
  const reason = oneLine(options.reason);
  if (reason === '') throw new OrchError('USAGE', 'say why the lesson is rejected', { hint: 'orch lessons reject ID --reason "..."' });
  const proposal = await requireProposal(repo, id);
  const previous = (await resolveCommit(repo, REJECTIONS_REF)) ?? null;
  const empty = await writeTree(repo, []);
  const base = previous ?? (await startLog(repo, empty));
  const message = [
    `Reject lesson ${proposal.id}`,
    '',
    `Lesson: ${proposal.slug}`,
    `Project: ${proposal.project}`,
    `Proposal: ${proposal.commit}`,
    ...(options.as === undefined ? [] : [`Rejected-by: ${options.as}`]),
    `Reason: ${reason}`,
    '',
  ].join('\n');
  const record = await commitTree(repo, empty, [base, proposal.commit], message);
  await updateRefs(
    repo,
    [
      { ref: REJECTIONS_REF, next: record, expected: previous },
      { ref: proposal.ref, next: null, expected: proposal.commit },
    ],
    { reason: `orch lessons reject ${proposal.id}`, hooks: true },
  );
  return { id: proposal.id, record, proposal: proposal.commit, ...(options.as === undefined ? {} : { by: options.as }), reason };
}

/** Every rejection, newest first. */
export async function listRejections(repo: string): Promise<Rejection[]> {
  const tip = await resolveCommit(repo, REJECTIONS_REF);
  if (tip === undefined) return [];
  const out = await git(repo, ['log', '--no-show-signature', '--first-parent', '--format=%H%x00%P%x00%(trailers:only,unfold)%x1e', tip]);
  const rejections: Rejection[] = [];
  for (const record of out.stdout.split('\x1e')) {
    const [commit = '', parents = '', trailerText = ''] = record.replace(/^\n/, '').split('\0');
    const proposal = parents.split(' ')[1];
    if (commit === '' || proposal === undefined) continue;
    const trailers = new Map<string, string>();
    for (const line of trailerText.split('\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const by = trailers.get('rejected-by');
    rejections.push({
      id: `${trailers.get('project') ?? '?'}/${trailers.get('lesson') ?? '?'}`,
      record: commit,
      proposal,
      ...(by === undefined ? {} : { by }),
      reason: trailers.get('reason') ?? '',
    });
  }
  return rejections;
}
