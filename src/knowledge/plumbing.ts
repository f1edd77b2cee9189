import { OrchError } from '../errors/index.js';
import { git, ORCH_IDENTITY, resolveCommit } from '../git/exec.js';

/**
 * The few git object and ref operations the knowledge repo needs, made with
 * plumbing so that nothing needs a checkout. Every ref update is one
 * `git update-ref --stdin` transaction with expected old values: git's own
 * compare-and-swap under its own locks, and it runs the reference-transaction
 * hook when asked to (`hooks: true`), so orch passes the same guard a person does.
 */

export interface TreeItem {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  oid: string;
  name: string;
}

export async function writeBlob(repo: string, content: string | Uint8Array): Promise<string> {
  const input = typeof content === 'string' ? content : Buffer.from(content);
  return (await git(repo, ['hash-object', '-w', '--stdin'], { input })).stdout.trim();
}

/** The entries of a tree (`rev` like "main" or "main:lessons"); [] when it does not exist. */
export async function listTree(repo: string, rev: string): Promise<TreeItem[]> {
  const result = await git(repo, ['ls-tree', '-z', '--end-of-options', rev], { reject: false });
  if (result.exitCode !== 0) return [];
  const items: TreeItem[] = [];
  for (const record of result.stdout.split('\0')) {
    if (record === '') continue;
    const tab = record.indexOf('\t');
    const [mode, type, oid] = record.slice(0, tab).split(' ');
    if (mode === undefined || oid === undefined || (type !== 'blob' && type !== 'tree' && type !== 'commit')) continue;
    items.push({ mode, type, oid, name: record.slice(tab + 1) });
  }
  return items;
}

export async function writeTree(repo: string, items: readonly TreeItem[]): Promise<string> {
  const input = items.map((item) => `${item.mode} ${item.type} ${item.oid}\t${item.name}\0`).join('');
  return (await git(repo, ['mktree', '-z'], { input })).stdout.trim();
}

export async function commitTree(repo: string, tree: string, parents: readonly string[], message: string): Promise<string> {
  const args = ['commit-tree', tree, ...parents.flatMap((parent) => ['-p', parent]), '-F', '-'];
  return (await git(repo, args, { input: message, env: ORCH_IDENTITY })).stdout.trim();
}

/** A blob's text at `rev:path`, or undefined when there is none. */
export async function readText(repo: string, rev: string, path: string): Promise<string | undefined> {
  const result = await git(repo, ['cat-file', 'blob', `${rev}:${path}`], { reject: false });
  return result.exitCode === 0 ? result.stdout : undefined;
}

export { resolveCommit };

export interface RefUpdate {
  ref: string;
  /** New value; null deletes. */
  next: string | null;
  /** Value it must hold now; null: must not exist. */
  expected: string | null;
}

async function readRef(repo: string, ref: string): Promise<string | null> {
  const result = await git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', ref], { reject: false });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

/**
 * Apply all updates or none. A ref that no longer holds its expected value
 * is REF_CONFLICT (data.ref, data.actual); anything else that stops git
 * (a hook refusing) is GIT_FAILED with git's message.
 */
export async function updateRefs(repo: string, updates: readonly RefUpdate[], options: { reason: string; hooks: boolean }): Promise<void> {
  const lines = updates.map((u) => {
    if (/[\s\0]/.test(u.ref)) throw new OrchError('REF_INVALID', `bad ref name ${JSON.stringify(u.ref)}`);
    if (u.next === null) return `delete ${u.ref}${u.expected === null ? '' : ` ${u.expected}`}\n`;
    if (u.expected === null) return `create ${u.ref} ${u.next}\n`;
    return `update ${u.ref} ${u.next} ${u.expected}\n`;
  });
  const result = await git(repo, ['update-ref', '-m', options.reason, '--stdin'], {
    input: lines.join(''),
    hooks: options.hooks,
    reject: false,
  });
  if (result.exitCode === 0) return;
  for (const update of updates) {
    const actual = await readRef(repo, update.ref);
    if (actual !== update.expected) {
      throw new OrchError('REF_CONFLICT', `${update.ref} moved while orch was updating it (expected ${update.expected ?? 'none'}, found ${actual ?? 'none'})`, {
        data: { ref: update.ref, expected: update.expected, actual },
        hint: 'someone changed the knowledge repo at the same moment; run the command again',
      });
    }
  }
  throw new OrchError('GIT_FAILED', `git refused to update ${updates.map((u) => u.ref).join(', ')} in ${repo}: ${result.stderr.trim().slice(0, 2000)}`, {
    data: { exitCode: result.exitCode, stderr: result.stderr },
  });
}
