import { OrchError } from '../errors/index.js';
import { orchSignature } from './commit-message.js';
import { git } from './exec.js';
import type { ObjectStore } from './object-store.js';
import type { FileDiff, FileEntry } from './tree-diff.js';
import type { Repo } from './repo.js';
import { buildTree, type FileMode } from './tree-builder.js';

/**
 * Put work built on `base` on top of a branch that moved to `tip`: the
 * equivalent of a cherry-pick (merge base = base, ours = tip, theirs = the
 * work), without a checkout. When the paths the work changed are untouched
 * between base and tip, the answer is computed in-process; otherwise
 * `git merge-tree --write-tree` merges file contents.
 */

export type MergeResult = { clean: true; tree: string; viaGit: boolean } | { clean: false; paths: string[]; messages: string[] };

type Lookup = FileEntry | 'absent' | 'blocked';

/** The entry at `path` in `tree`: absent, or blocked when a parent component is not a directory. */
export async function entryAt(objects: ObjectStore, tree: string, path: string): Promise<Lookup> {
  const parts = path.split('/');
  let current = tree;
  for (let i = 0; i < parts.length; i++) {
    const entry = (await objects.readTree(current)).find((e) => e.name === parts[i]);
    if (entry === undefined) return 'absent';
    const mode = entry.mode === '040000' ? '40000' : entry.mode;
    if (i === parts.length - 1) return mode === '40000' ? 'blocked' : { mode: mode as FileEntry['mode'], oid: entry.oid };
    if (mode !== '40000') return 'blocked';
    current = entry.oid;
  }
  return 'absent';
}

function sameLookup(a: Lookup, b: Lookup): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.mode === b.mode && a.oid === b.oid;
}

/** Whether every path the work changed holds the same thing in the base tree and the tip tree. */
export async function untouchedSince(objects: ObjectStore, baseTree: string, tipTree: string, work: readonly FileDiff[]): Promise<boolean> {
  const checks = await Promise.all(
    work.map(async (change) => sameLookup(await entryAt(objects, baseTree, change.path), await entryAt(objects, tipTree, change.path))),
  );
  return checks.every(Boolean);
}

/** Parse `git merge-tree --write-tree -z --name-only` output: tree, conflicted paths, then messages. */
export function parseMergeTree(stdout: string): { tree: string; paths: string[]; messages: string[] } {
  const fields = stdout.split('\0');
  const tree = fields[0] ?? '';
  const paths: string[] = [];
  let i = 1;
  for (; i < fields.length && fields[i] !== ''; i++) paths.push(fields[i] ?? '');
  const messages: string[] = [];
  i++;
  while (i < fields.length) {
    const count = Number(fields[i]);
    if (!Number.isInteger(count) || count <= 0) break;
    const type = fields[i + 1 + count] ?? '';
    const message = (fields[i + 2 + count] ?? '').trim();
    if (type.startsWith('CONFLICT') && message.length > 0) messages.push(message);
    i += 3 + count;
  }
  return { tree, paths: [...new Set(paths)], messages };
}

export async function mergeOnTop(repo: Repo, base: string, workTree: string, tip: string, work: readonly FileDiff[]): Promise<MergeResult> {
  const objects = repo.objects;
  const [baseCommit, tipCommit] = await Promise.all([objects.readCommit(base), objects.readCommit(tip)]);
  if (await untouchedSince(objects, baseCommit.tree, tipCommit.tree, work)) {
    return { clean: true, tree: await applyDiff(objects, tipCommit.tree, work), viaGit: false };
  }
  // merge-tree in git 2.39 has no --merge-base: give both sides `base` as their only parent.
  const signature = orchSignature(repo.clock.now());
  const side = (tree: string): string =>
    objects.writeCommit({ tree, parents: [base], author: signature, committer: signature, message: 'orch merge side\n' });
  const ours = side(tipCommit.tree);
  const theirs = side(workTree);
  const result = await git(repo.path, ['merge-tree', '--write-tree', '-z', '--name-only', ours, theirs], { reject: false });
  if (result.exitCode !== 0 && result.exitCode !== 1) {
    throw new OrchError('GIT_FAILED', `git merge-tree failed in ${repo.path}: ${result.stderr.trim().slice(0, 500)}`, {
      data: { exitCode: result.exitCode, stderr: result.stderr },
    });
  }
  const parsed = parseMergeTree(result.stdout);
  if (result.exitCode === 1) return { clean: false, paths: parsed.paths, messages: parsed.messages };
  return { clean: true, tree: parsed.tree, viaGit: true };
}

/** Apply a file-level diff (its `after` side) onto a tree. */
async function applyDiff(objects: ObjectStore, tree: string, work: readonly FileDiff[]): Promise<string> {
  return buildTree(
    objects,
    tree,
    work.map((change) =>
      change.after === null
        ? { kind: 'delete' as const, path: change.path }
        : { kind: 'write' as const, path: change.path, content: { oid: change.after.oid }, mode: change.after.mode as FileMode },
    ),
  );
}
