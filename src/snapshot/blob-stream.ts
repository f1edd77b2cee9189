import { closeSync, writeSync } from 'node:fs';
import { OrchError } from '../errors/index.js';
import { spawnGit } from '../git/exec.js';

/**
 * One pass over many blobs: `git cat-file --batch --buffer` gets every oid on
 * its stdin at once and answers in order without flushing per object; each
 * object's header (its size) reaches the handler before any of its content,
 * so the handler decides then whether to skip it (over a cap: the bytes are
 * drained, never held), take it whole in memory, or have it written straight
 * into a file descriptor chunk by chunk (large blobs).
 *
 * This is the bulk sibling of git/cat-file.ts's CatFile (request/response,
 * used for tree walking): callbacks run synchronously inside the stream's data
 * handler, with no promise per object.
 */

/** 'skip' drains the bytes, 'memory' hands them to end(), a number is an fd to write them to. */
export type BlobTarget = 'skip' | 'memory' | number;

export interface BlobHandler {
  begin(index: number, size: number): BlobTarget;
  /** data is set for 'memory' objects; an fd target has been closed by then (and is closed on failure too). */
  end(index: number, data: Buffer | undefined): void;
}

interface Current {
  index: number;
  remaining: number;
  target: BlobTarget;
  parts: Buffer[];
}

export async function streamBlobs(repo: string, oids: readonly string[], handler: BlobHandler): Promise<void> {
  if (oids.length === 0) return;
  const child = spawnGit(repo, ['cat-file', '--batch', '--buffer'], { stdio: ['pipe', 'pipe', 'ignore'] });
  let failure: unknown;
  let index = 0;
  let header: Buffer | undefined;
  let current: Current | undefined;
  let skipNewline = false;

  function fail(error: unknown): void {
    if (failure !== undefined) return;
    failure = error;
    if (typeof current?.target === 'number') closeSync(current.target);
    current = undefined;
    child.kill();
  }

  function onData(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length && failure === undefined) {
      if (skipNewline) {
        offset += 1;
        skipNewline = false;
        continue;
      }
      if (current === undefined) {
        const newline = chunk.indexOf(0x0a, offset);
        if (newline < 0) {
          header = header === undefined ? chunk.subarray(offset) : Buffer.concat([header, chunk.subarray(offset)]);
          return;
        }
        const line = (header === undefined ? chunk.subarray(offset, newline) : Buffer.concat([header, chunk.subarray(offset, newline)])).toString('latin1');
        header = undefined;
        offset = newline + 1;
        current = startObject(line);
        if (current === undefined) return;
        if (current.remaining === 0) finishObject();
        continue;
      }
      const take = Math.min(current.remaining, chunk.length - offset);
      const piece = chunk.subarray(offset, offset + take);
      if (current.target === 'memory') current.parts.push(piece);
      else if (typeof current.target === 'number') writeAll(current.target, piece);
      current.remaining -= take;
      offset += take;
      if (current.remaining === 0) finishObject();
    }
  }

  function startObject(line: string): Current | undefined {
    const i = index;
    const [oid, type, sizeText] = line.split(' ');
    if (type !== 'blob' || sizeText === undefined || !/^\d+$/.test(sizeText)) {
      fail(new OrchError('SNAPSHOT_FAILED', `blob ${oids[i] ?? oid ?? '?'} is missing from ${repo} (${line.slice(0, 120)})`, {
        hint: 'run `git fsck` in that repository',
      }));
      return undefined;
    }
    const size = Number(sizeText);
    return { index: i, remaining: size, target: handler.begin(i, size), parts: [] };
  }

  function finishObject(): void {
    const done = current;
    if (done === undefined) return;
    current = undefined;
    skipNewline = true;
    index += 1;
    if (typeof done.target === 'number') closeSync(done.target);
    const data = done.target === 'memory' ? (done.parts.length === 1 ? done.parts[0] : Buffer.concat(done.parts)) : undefined;
    handler.end(done.index, data ?? (done.target === 'memory' ? Buffer.alloc(0) : undefined));
  }

  child.stdout?.on('data', (chunk: Buffer) => {
    try {
      onData(chunk);
    } catch (error) {
      fail(error);
    }
  });
  child.stdin?.on('error', (error: Error) => fail(error));
  child.stdin?.end(`${oids.join('\n')}\n`);
  const result = await child;
  if (failure !== undefined) throw failure;
  if (result.exitCode !== 0 || index !== oids.length) {
    throw new OrchError('SNAPSHOT_FAILED', `git cat-file --batch in ${repo} stopped after ${index} of ${oids.length} objects (exit ${result.exitCode ?? result.signal})`);
  }
}

function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
}
