import { OrchError } from '../errors/index.js';
import type { GitObject } from '../git/cat-file.js';
import { spawnGit } from '../git/exec.js';

/**
 * The catalog's object reader: one long-lived `git cat-file --batch` per
 * repo, like git/cat-file.ts's CatFile, plus a bulk read that writes all its
 * requests in one write and hands each blob back as a view of the pipe
 * buffer it arrived in (one promise per batch, no per-object copies; each
 * chunk node reads is a buffer of its own, never reused), to be decoded
 * straight into a string by the caller. At 50,000 beads this halves the
 * catalog's own CPU time next to CatFile's per-object read. Chunks are
 * joined only once an object is complete, so a large blob costs one copy,
 * not one per chunk.
 */

interface Waiter {
  /** Objects this waiter still expects. */
  remaining: number;
  /** Bodies of a bulk read (views of the pipe's buffers), in request order; undefined for a single read. */
  bodies: (Buffer | undefined)[] | undefined;
  single: ((object: GitObject | undefined) => void) | undefined;
  done: ((bodies: (Buffer | undefined)[]) => void) | undefined;
  reject: (error: Error) => void;
}

export class ObjectReader {
  private readonly child: ReturnType<typeof spawnGit>;
  private readonly waiters: Waiter[] = [];
  /** The start of an object that did not end in its chunk: its pieces, and their length. */
  private parts: Buffer[] = [];
  private buffered = 0;
  /** That object's whole length with its header and trailing newline (0: its header is not complete yet). */
  private need = 0;
  private pending: (Pick<GitObject, 'oid' | 'type'> & { size: number }) | undefined;
  /** Where its body starts, counted from its first byte. */
  private bodyStart = 0;
  private failure: Error | undefined;
  private closed = false;

  constructor(readonly repo: string) {
    this.child = spawnGit(repo, ['cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.stderr?.resume();
    this.child.stdin?.on('error', (error: Error) => this.fail(error));
    void this.child.then((result) => {
      this.closed = true;
      this.fail(new OrchError('GIT_FAILED', `git cat-file --batch in ${repo} exited (${result.exitCode ?? result.signal})`));
    });
  }

  /** One object by any revision (`<commit>:<path>`, an oid, a ref), or undefined when missing. */
  read(rev: string): Promise<GitObject | undefined> {
    return new Promise((resolve, reject) => {
      this.send([rev], { remaining: 1, bodies: undefined, single: resolve, done: undefined, reject });
    });
  }

  /** Many blobs as UTF-8 text, in order; undefined for a missing one. */
  async readTexts(oids: readonly string[]): Promise<(string | undefined)[]> {
    return (await this.readBlobs(oids)).map((body) => body?.toString('utf8'));
  }

  /**
   * Many blobs, in order (undefined for a missing one), as views of the
   * buffers they arrived in: no copy, and no text in V8's heap until the
   * caller decodes one (a cold read of 50 projects would otherwise hold
   * every project's texts in the heap while the first ones are parsed).
   */
  readBlobs(oids: readonly string[]): Promise<(Buffer | undefined)[]> {
    if (oids.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.send(oids, { remaining: oids.length, bodies: [], single: undefined, done: resolve, reject });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.child.stdin?.end();
    await this.child;
  }

  private send(revs: readonly string[], waiter: Waiter): void {
    if (this.failure !== undefined) return waiter.reject(this.failure);
    if (this.closed) return waiter.reject(new OrchError('GIT_FAILED', 'the object reader is closed'));
    if (revs.some((rev) => rev.includes('\n'))) return waiter.reject(new OrchError('REF_INVALID', 'object name contains a newline'));
    this.waiters.push(waiter);
    this.child.stdin?.write(`${revs.join('\n')}\n`);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure);
  }

  private receive(chunk: Buffer): void {
    let offset = 0;
    if (this.buffered > 0) {
      // An object began in an earlier chunk: join only its own bytes, then go on in this chunk.
      const taken = this.finish(chunk);
      if (taken === undefined) return;
      offset = taken;
    }
    while (offset < chunk.length) {
      const newline = chunk.indexOf(0x0a, offset);
      if (newline < 0) break;
      const head = this.header(chunk.toString('latin1', offset, newline));
      if (head === null) return;
      if (head === undefined) {
        this.deliver(undefined, undefined);
        offset = newline + 1;
        continue;
      }
      const end = newline + 1 + head.size;
      if (chunk.length < end + 1) {
        this.pending = head;
        this.bodyStart = newline + 1 - offset;
        this.need = end + 1 - offset;
        break;
      }
      this.deliver({ oid: head.oid, type: head.type }, { buffer: chunk, start: newline + 1, end });
      offset = end + 1;
    }
    if (offset >= chunk.length) return;
    this.parts = [chunk.subarray(offset)];
    this.buffered = chunk.length - offset;
  }

  /** With the start of one object held in `parts`: the bytes of `chunk` that end it, or undefined while it is still incomplete. */
  private finish(chunk: Buffer): number | undefined {
    let offset = 0;
    if (this.need === 0) {
      // Its header is not complete yet: it ends at the chunk's first newline.
      const newline = chunk.indexOf(0x0a);
      if (newline < 0) {
        this.hold(chunk);
        return undefined;
      }
      const head = this.header(Buffer.concat([...this.parts, chunk.subarray(0, newline)]).toString('latin1'));
      if (head === null) return undefined;
      offset = newline + 1;
      if (head === undefined) {
        this.release();
        this.deliver(undefined, undefined);
        return offset;
      }
      this.pending = head;
      this.bodyStart = this.buffered + offset;
      this.need = this.bodyStart + head.size + 1;
      this.hold(chunk.subarray(0, offset));
    }
    const take = this.need - this.buffered;
    if (chunk.length - offset < take) {
      this.hold(chunk.subarray(offset));
      return undefined;
    }
    const whole = Buffer.concat([...this.parts, chunk.subarray(offset, offset + take)], this.need);
    const head = this.pending;
    const start = this.bodyStart;
    this.release();
    this.deliver(head === undefined ? undefined : { oid: head.oid, type: head.type }, { buffer: whole, start, end: whole.length - 1 });
    return offset + take;
  }

  private hold(piece: Buffer): void {
    this.parts.push(piece);
    this.buffered += piece.length;
  }

  private release(): void {
    this.parts = [];
    this.buffered = 0;
    this.need = 0;
    this.pending = undefined;
    this.bodyStart = 0;
  }

  /** A cat-file header: the object's id, type and size; undefined for a missing one; null (after failing the reader) for anything else. */
  private header(line: string): (Pick<GitObject, 'oid' | 'type'> & { size: number }) | undefined | null {
    if (line.endsWith(' missing') || line.endsWith(' ambiguous')) return undefined;
    const firstSpace = line.indexOf(' ');
    const lastSpace = line.lastIndexOf(' ');
    const size = Number(line.slice(lastSpace + 1));
    if (firstSpace <= 0 || lastSpace <= firstSpace || !Number.isInteger(size) || size < 0) {
      this.fail(new OrchError('GIT_FAILED', `unexpected cat-file header: ${line.slice(0, 200)}`));
      return null;
    }
    return { oid: line.slice(0, firstSpace), type: line.slice(firstSpace + 1, lastSpace) as GitObject['type'], size };
  }

  private deliver(head: Pick<GitObject, 'oid' | 'type'> | undefined, body: { buffer: Buffer; start: number; end: number } | undefined): void {
    const waiter = this.waiters[0];
    if (waiter === undefined) return;
    if (waiter.single !== undefined) {
      waiter.single(head === undefined || body === undefined ? undefined : { ...head, data: Buffer.from(body.buffer.subarray(body.start, body.end)) });
    } else {
      waiter.bodies?.push(body === undefined ? undefined : body.buffer.subarray(body.start, body.end));
    }
    waiter.remaining--;
    if (waiter.remaining > 0) return;
    this.waiters.shift();
    if (waiter.done !== undefined) waiter.done(waiter.bodies ?? []);
  }
}
