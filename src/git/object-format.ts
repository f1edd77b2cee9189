import { createHash } from 'node:crypto';
import { OrchError } from '../errors/index.js';

/**
 * git's object encodings (SHA-1 repositories): blobs, trees, commits. Pure:
 * bytes in, bytes out.
 */

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

/** File modes a tree may hold. Trees are written '40000', as git does. */
export type EntryMode = '100644' | '100755' | '120000' | '40000' | '160000';

export interface WriteEntry {
  mode: EntryMode;
  name: string;
  oid: string;
}

export function hashObject(type: ObjectType, data: Uint8Array): { oid: string; header: Buffer } {
  const header = Buffer.from(`${type} ${data.length}\0`);
  const oid = createHash('sha1').update(header).update(data).digest('hex');
  return { oid, header };
}

/** '040000' as cat-file prints it, or '40000' as trees store it: the stored form. */
export function normalizeMode(mode: string): EntryMode {
  const stored = mode === '040000' ? '40000' : mode;
  if (stored === '100644' || stored === '100755' || stored === '120000' || stored === '40000' || stored === '160000') return stored;
  if (stored === '100664') return '100644'; // very old git wrote group-writable files
  throw new OrchError('GIT_FAILED', `unsupported tree entry mode ${mode}`);
}

/** Whether a tree entry name is one git's fsck accepts (no '/', '.', '..', '.git', NUL). */
export function isValidEntryName(name: string): boolean {
  if (name.length === 0 || name === '.' || name === '..') return false;
  if (name.includes('/') || name.includes('\0')) return false;
  return name.toLowerCase() !== '.git';
}

/** git orders tree entries by name bytes, a tree's name compared as if it ended in '/'. */
function sortKey(entry: WriteEntry): Buffer {
  return Buffer.from(entry.mode === '40000' ? `${entry.name}/` : entry.name);
}

export function encodeTree(entries: readonly WriteEntry[]): Buffer {
  const keyed = entries.map((entry) => ({ entry, key: sortKey(entry) }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  const parts: Buffer[] = [];
  let previous: string | undefined;
  for (const { entry } of keyed) {
    if (!isValidEntryName(entry.name)) throw new OrchError('INTERNAL', `invalid tree entry name "${entry.name}"`);
    if (entry.name === previous) throw new OrchError('INTERNAL', `duplicate tree entry "${entry.name}"`);
    previous = entry.name;
    parts.push(Buffer.from(`${entry.mode} ${entry.name}\0`), Buffer.from(entry.oid, 'hex'));
  }
  return Buffer.concat(parts);
}

export interface Signature {
  name: string;
  email: string;
  /** Milliseconds since the epoch. */
  time: number;
  /** Minutes east of UTC (e.g. 120 for +0200). */
  tzOffset: number;
}

export interface CommitData {
  tree: string;
  parents: readonly string[];
  author: Signature;
  committer: Signature;
  message: string;
}

function formatTz(offset: number): string {
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

function formatSignature(sig: Signature): string {
  const clean = (text: string): string => text.replace(/[<>\n]/g, '').trim();
  return `${clean(sig.name)} <${clean(sig.email)}> ${Math.floor(sig.time / 1000)} ${formatTz(sig.tzOffset)}`;
}

export function encodeCommit(commit: CommitData): Buffer {
  const lines = [`tree ${commit.tree}`, ...commit.parents.map((p) => `parent ${p}`)];
  lines.push(`author ${formatSignature(commit.author)}`, `committer ${formatSignature(commit.committer)}`);
  const message = commit.message.endsWith('\n') ? commit.message : `${commit.message}\n`;
  return Buffer.from(`${lines.join('\n')}\n\n${message}`);
}

export interface ParsedCommit {
  tree: string;
  parents: string[];
  /** The raw author line after "author ". */
  author: string;
  committer: string;
  /** Committer time in milliseconds. */
  time: number;
  message: string;
}

export function parseCommit(data: Buffer): ParsedCommit {
  const text = data.toString('utf8');
  const split = text.indexOf('\n\n');
  const head = split < 0 ? text : text.slice(0, split);
  const message = split < 0 ? '' : text.slice(split + 2);
  let tree: string | undefined;
  const parents: string[] = [];
  let author = '';
  let committer = '';
  for (const line of head.split('\n')) {
    if (line.startsWith('tree ')) tree = line.slice(5);
    else if (line.startsWith('parent ')) parents.push(line.slice(7));
    else if (line.startsWith('author ')) author = line.slice(7);
    else if (line.startsWith('committer ')) committer = line.slice(10);
  }
  if (tree === undefined) throw new OrchError('GIT_FAILED', 'malformed commit object: no tree line');
  const seconds = /> (\d+) [+-]\d{4}$/.exec(committer)?.[1];
  return { tree, parents, author, committer, time: seconds === undefined ? 0 : Number(seconds) * 1000, message };
}

/** Minutes east of UTC for the local zone at `time`. */
export function localTzOffset(time: number): number {
  return -new Date(time).getTimezoneOffset();
}
