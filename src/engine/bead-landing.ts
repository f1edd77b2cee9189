import { setBeadFields } from '../beads/index.js';
import { landingTrailers } from '../git/commit-message.js';
import type { WorkRequest } from '../git/landing-commit.js';
import { land, type LandResult } from '../git/landing.js';
import type { Repo } from '../git/repo.js';
import type { Change as GitChange } from '../git/tree-builder.js';
import type { CollectedChange } from './scope-guard.js';

/**
 * From collected sandbox changes to git changes, and the two kinds of
 * commit a bead can put on its target branch: its work with its closing, or
 * (when the work cannot land) only its `status: failed` with the reason.
 */

export const BEADS_PREFIX = '.agents/beads/';

/** A collected change (content already read) as the git layer writes it. */
export function toGitChange(change: CollectedChange): GitChange {
  if (change.kind === 'delete') return { kind: 'delete', path: change.path };
  if (change.kind === 'symlink') return { kind: 'write', path: change.path, content: change.target ?? '', mode: '120000' };
  return { kind: 'write', path: change.path, content: change.content ?? Buffer.alloc(0), mode: change.mode === 0o100755 ? '100755' : '100644' };
}

export interface LandBeadRequest {
  project: string;
  beadId: string;
  title: string;
  branch: string;
  base: string;
  /** The bead file's text at `base`. */
  beadText: string;
  changes: readonly GitChange[];
  runCommit: string;
  wave: number;
}

function beadPath(id: string): string {
  return `${BEADS_PREFIX}${id}.md`;
}

/** The work plus the bead's closing, as one commit's content. */
export function closingWork(request: LandBeadRequest): WorkRequest {
  const closing = setBeadFields(request.beadText, { status: 'closed', reason: null }, beadPath(request.beadId));
  return {
    base: request.base,
    changes: [...request.changes.filter((c) => c.path !== beadPath(request.beadId)), { kind: 'write', path: beadPath(request.beadId), content: closing, mode: '100644' }],
    subject: `${request.title} (${request.beadId})`,
    trailers: landingTrailers({ bead: `${request.project}/${request.beadId}`, run: request.runCommit, wave: request.wave }),
  };
}

/** The work plus the bead's closing, one commit. */
export function landBead(repo: Repo, request: LandBeadRequest): Promise<LandResult> {
  return land(repo, { branch: request.branch, ...closingWork(request) });
}

export interface FailBeadRequest {
  project: string;
  beadId: string;
  branch: string;
  base: string;
  beadText: string;
  reason: string;
  runCommit: string | undefined;
  wave: number;
}

/** Only the bead's `status: failed` and reason, as one commit's content; its work stays in the run ref. */
export function failingWork(request: FailBeadRequest): WorkRequest {
  const reason = request.reason.replace(/\s+/g, ' ').trim().slice(0, 300);
  const failed = setBeadFields(request.beadText, { status: 'failed', reason }, beadPath(request.beadId));
  return {
    base: request.base,
    changes: [{ kind: 'write', path: beadPath(request.beadId), content: failed, mode: '100644' }],
    subject: `orch: ${request.beadId} failed`,
    body: reason,
    trailers: landingTrailers({ bead: `${request.project}/${request.beadId}`, run: request.runCommit ?? 'none', wave: request.wave }),
  };
}

/** Only the bead's `status: failed` and reason; its work stays in the run ref. */
export function failBead(repo: Repo, request: FailBeadRequest): Promise<LandResult> {
  return land(repo, { branch: request.branch, ...failingWork(request) });
}
