import { formatMessage, orchSignature, type Trailer } from './commit-message.js';
import { mergeOnTop } from './merge-on-top.js';
import type { Repo } from './repo.js';
import { buildTree, type Change } from './tree-builder.js';
import { diffTrees, type FileDiff } from './tree-diff.js';

/**
 * The commit a landing puts on a branch, local or remote: the work built on
 * its base (no checkout, no index), then, for whatever tip the branch is at
 * when the landing is tried, either that commit's tree on the base or the
 * work merged on top of the moved tip. A conflict makes no commit.
 */

export interface WorkRequest {
  /** The commit the work was built on. */
  base: string;
  changes: readonly Change[];
  subject: string;
  body?: string;
  trailers?: readonly Trailer[];
}

export interface PreparedWork {
  base: string;
  baseTree: string;
  workTree: string;
  /** What the work changed against the base. */
  work: FileDiff[];
  message: string;
}

export type CommitOnTip =
  | { kind: 'commit'; commit: string; parent: string; tree: string; tipTree: string; merge: 'none' | 'in-process' | 'merge-tree' }
  | { kind: 'conflict'; tip: string; paths: string[]; messages: string[] };

export async function prepareWork(repo: Repo, request: WorkRequest): Promise<PreparedWork> {
  const base = await repo.objects.readCommit(request.base);
  const workTree = await buildTree(repo.objects, base.tree, request.changes);
  return {
    base: request.base,
    baseTree: base.tree,
    workTree,
    work: await diffTrees(repo.objects, base.tree, workTree),
    message: formatMessage(request.subject, request.body, request.trailers ?? []),
  };
}

/** The landing commit for a branch at `tip` (merged on top when the tip is not the base). */
export async function commitOnTip(repo: Repo, prepared: PreparedWork, tip: string): Promise<CommitOnTip> {
  let tree = prepared.workTree;
  let tipTree = prepared.baseTree;
  let merge: 'none' | 'in-process' | 'merge-tree' = 'none';
  if (tip !== prepared.base) {
    tipTree = (await repo.objects.readCommit(tip)).tree;
    const merged = await mergeOnTop(repo, prepared.base, prepared.workTree, tip, prepared.work);
    if (!merged.clean) return { kind: 'conflict', tip, paths: merged.paths, messages: merged.messages };
    tree = merged.tree;
    merge = merged.viaGit ? 'merge-tree' : 'in-process';
  }
  const who = orchSignature(repo.clock.now());
  const commit = repo.objects.writeCommit({ tree, parents: [tip], author: who, committer: who, message: prepared.message });
  return { kind: 'commit', commit, parent: tip, tree, tipTree, merge };
}
