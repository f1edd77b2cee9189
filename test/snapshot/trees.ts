import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { git } from '../../src/git/exec.js';
import { PERSON } from '../support/git-repo.js';

/**
 * Hand-made git objects for adversarial trees: git refuses some of these
 * paths in an index, so they are written as objects directly.
 */

export async function writeBlob(repo: string, content: string | Buffer): Promise<string> {
  return (await git(repo, ['hash-object', '-w', '--stdin'], { input: content })).stdout.trim();
}

export interface RawEntry {
  mode: string;
  name: string;
  oid: string;
}

/** A tree object written byte for byte (`hash-object --literally`): any name, any order, duplicates. */
export async function writeRawTree(repo: string, entries: readonly RawEntry[]): Promise<string> {
  const parts = entries.map((e) => Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(e.oid, 'hex')]));
  return (await git(repo, ['hash-object', '-t', 'tree', '--literally', '-w', '--stdin'], { input: Buffer.concat(parts) })).stdout.trim();
}

/** A tree through `git mktree --missing` (sorted, names checked only loosely). */
export async function mktree(repo: string, entries: readonly RawEntry[]): Promise<string> {
  const type = (mode: string) => (mode === '040000' ? 'tree' : mode === '160000' ? 'commit' : 'blob');
  const input = entries.map((e) => `${e.mode} ${type(e.mode)} ${e.oid}\t${e.name}\n`).join('');
  return (await git(repo, ['mktree', '--missing'], { input })).stdout.trim();
}

/** Commit `tree` on top of `branch` (or as a root) and move the branch there. */
export async function commitTree(repo: string, tree: string, branch = 'main'): Promise<string> {
  const parent = await git(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { reject: false });
  const args = ['commit-tree', tree, '-m', 'crafted'];
  if (parent.exitCode === 0) args.push('-p', parent.stdout.trim());
  const commit = (await git(repo, args, { env: PERSON })).stdout.trim();
  await git(repo, ['update-ref', `refs/heads/${branch}`, commit]);
  return commit;
}

/** Every entry under dir: path -> 'd' | 'f' | 'l' plus mode bits. */
export function scan(dir: string, prefix = ''): Map<string, { type: string; mode: number }> {
  const out = new Map<string, { type: string; mode: number }>();
  for (const name of readdirSync(dir)) {
    const abs = join(dir, name);
    const path = prefix === '' ? name : `${prefix}/${name}`;
    const st = lstatSync(abs);
    const type = st.isDirectory() ? 'd' : st.isFile() ? 'f' : st.isSymbolicLink() ? 'l' : '?';
    out.set(path, { type, mode: st.mode & 0o7777 });
    if (type === 'd') for (const [p, v] of scan(abs, path)) out.set(p, v);
  }
  return out;
}

