import { OrchError } from '../errors/index.js';
import { spawnGit } from './exec.js';

/**
 * Streams objects out of a repo through one long-lived `git cat-file --batch`.
 * Requests are answered in order; many can be in flight at once, so reading
 * thousands of blobs costs one process and one pipe, not one spawn each.
 */

export interface GitObject {
  oid: string;
  type: 'blob' | 'tree' | 'commit' | 'tag';
  data: Buffer;
}

interface Pending {
  resolve: (object: GitObject | undefined) => void;
  reject: (error: Error) => void;
}

export class CatFile {
  private readonly child: ReturnType<typeof spawnGit>;
  /** Requests in flight, answered in order from `head` (a queue without O(n) shifts). */
  private pending: Pending[] = [];
  private head = 0;
  private buffer: Buffer = Buffer.alloc(0);
  private closed = false;
  private failure: Error | undefined;

  constructor(readonly repo: string) {
    this.child = spawnGit(repo, ['cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    this.child.stderr?.resume();
    this.child.stdin?.on('error', (error: Error) => this.fail(error));
    void this.child.then((result) => {
      this.closed = true;
      this.fail(new OrchError('GIT_FAILED', `git cat-file --batch in ${repo} exited (${result.exitCode ?? result.signal})`));
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const waiting = this.pending.slice(this.head);
    this.pending = [];
    this.head = 0;
    for (const request of waiting) request.reject(this.failure);
  }

  private next(): void {
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
  }

  private drain(): void {
    for (;;) {
      const request = this.pending[this.head];
      if (request === undefined) return;
      const newline = this.buffer.indexOf(0x0a);
      if (newline < 0) return;
      const header = this.buffer.subarray(0, newline).toString('utf8');
      if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
        this.buffer = this.buffer.subarray(newline + 1);
        this.next();
        request.resolve(undefined);
        continue;
      }
      const [oid, type, sizeText] = header.split(' ');
      const size = Number(sizeText);
      if (oid === undefined || type === undefined || !Number.isInteger(size)) {
        this.fail(new OrchError('GIT_FAILED', `unexpected cat-file header: ${header.slice(0, 200)}`));
        return;
      }
      if (this.buffer.length < newline + 1 + size + 1) return;
      const data = Buffer.from(this.buffer.subarray(newline + 1, newline + 1 + size));
      this.buffer = this.buffer.subarray(newline + 1 + size + 1);
      this.next();
      request.resolve({ oid, type: type as GitObject['type'], data });
    }
  }

  /** The object named by `rev` (an oid or any revision like `HEAD:path`), or undefined. */
  read(rev: string): Promise<GitObject | undefined> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new OrchError('GIT_FAILED', 'cat-file is closed'));
    if (rev.includes('\n')) return Promise.reject(new OrchError('REF_INVALID', 'object name contains a newline'));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin?.write(`${rev}\n`);
    });
  }

  async readMany(revs: readonly string[]): Promise<(GitObject | undefined)[]> {
    return Promise.all(revs.map((rev) => this.read(rev)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.child.stdin?.end();
    await this.child;
  }
}

export interface TreeEntry {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  oid: string;
  name: string;
}

/** Parse a raw (binary) tree object as cat-file prints it. */
export function parseTree(data: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    const nul = data.indexOf(0x00, space + 1);
    if (space < 0 || nul < 0 || nul + 21 > data.length) {
      throw new OrchError('GIT_FAILED', 'malformed tree object');
    }
    const mode = data.subarray(offset, space).toString('latin1');
    const name = data.subarray(space + 1, nul).toString('utf8');
    const oid = data.subarray(nul + 1, nul + 21).toString('hex');
    const type = mode === '40000' || mode === '040000' ? 'tree' : mode === '160000' ? 'commit' : 'blob';
    entries.push({ mode: mode.padStart(6, '0'), type, oid, name });
    offset = nul + 21;
  }
  return entries;
}
