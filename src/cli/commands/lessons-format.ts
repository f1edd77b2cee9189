import type { LessonListing, ShownLesson } from '../../knowledge/index.js';
import { formatTable } from '../output.js';

/** Human text for `orch lessons list` and `orch lessons show` (pure). */

function short(commit: string | undefined): string {
  return commit === undefined ? '-' : commit.slice(0, 12);
}

export function describeListing(listing: LessonListing): string {
  const lines: string[] = [];
  const verified = listing.verification.ok ? 'verified' : 'NOT VERIFIED (nothing is injected)';
  lines.push(`main ${short(listing.head)}: ${verified}`, '');

  lines.push(`Approved lessons (${listing.approved.length}), newest first:`);
  if (listing.approved.length === 0) lines.push('  (none)');
  else {
    const rows = listing.approved.map((a) => [
      `  ${a.id}`,
      a.lesson === undefined ? '(invalid)' : a.lesson.scope.join(','),
      a.reviewer === undefined ? '-' : `by ${a.reviewer}`,
      a.lesson?.title ?? a.problem ?? '',
    ]);
    lines.push(formatTable(rows));
  }
  lines.push('', `Proposals awaiting review (${listing.proposals.length}):`);
  if (listing.proposals.length === 0) lines.push('  (none)');
  else {
    const rows = listing.proposals.map((p) => [`  ${p.id}`, short(p.commit), p.lesson?.title ?? `(invalid: ${p.problem ?? 'unreadable'})`]);
    lines.push(formatTable(rows));
  }
  if (listing.rejected.length > 0) {
    lines.push('', `Rejected (${listing.rejected.length}), newest first:`);
    lines.push(formatTable(listing.rejected.map((r) => [`  ${r.id}`, r.by === undefined ? '-' : `by ${r.by}`, r.reason])));
  }
  return lines.join('\n');
}

export function describeShown(shown: ShownLesson): string {
  if (shown.kind === 'approved') {
    const head = [`approved lesson ${shown.id} (${shown.path})`];
    if (shown.merge !== undefined) head.push(`merged in ${short(shown.merge)}${shown.reviewer === undefined ? '' : `, reviewed by ${shown.reviewer}`}`);
    if (shown.problem !== undefined) head.push(`problem: ${shown.problem}`);
    return [...head, '', shown.text].join('\n');
  }
  const head = [`proposal ${shown.id} on branch ${shown.branch} (${short(shown.commit)})`];
  if (shown.problem !== undefined) head.push(`problem: ${shown.problem} (it will be refused at approval)`);
  head.push(`approve: orch lessons approve ${shown.id} --as NAME    reject: orch lessons reject ${shown.id} --reason TEXT`);
  return [...head, '', shown.diff.length > 0 ? shown.diff : (shown.text ?? '(no lesson file)')].join('\n');
}
