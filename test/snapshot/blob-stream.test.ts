import { mkdtempSync, readFileSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOrchError } from '../../src/errors/index.js';
import { streamBlobs } from '../../src/snapshot/blob-stream.js';
import { makeRepo } from '../support/git-repo.js';
import { writeBlob } from './trees.js';

describe('streamBlobs', () => {
  it('announces each size before the content and honours skip, memory and file targets', async () => {
    const repo = await makeRepo();
    const contents = ['', 'small\n', 'x'.repeat(200_000), 'middle\n', 'y'.repeat(70_000)];
    const oids = await Promise.all(contents.map((c) => writeBlob(repo, c)));
    const dir = mkdtempSync(join(tmpdir(), 'orch-blobs-'));
    const sizes: number[] = [];
    const got = new Map<number, string>();
    await streamBlobs(repo, oids, {
      begin(index, size) {
        sizes.push(size);
        if (index === 2) return 'skip';
        if (index === 4) return openSync(join(dir, 'four'), 'wx');
        return 'memory';
      },
      end(index, data) {
        got.set(index, data === undefined ? '<none>' : data.toString());
      },
    });
    expect(sizes).toEqual(contents.map((c) => c.length));
    expect([...got.entries()]).toEqual([[0, ''], [1, 'small\n'], [2, '<none>'], [3, 'middle\n'], [4, '<none>']]);
    expect(readFileSync(join(dir, 'four'), 'utf8')).toBe(contents[4]);
  });

  it('fails with SNAPSHOT_FAILED on a missing object and on a non-blob', async () => {
    const repo = await makeRepo();
    const blob = await writeBlob(repo, 'a');
    const handler = { begin: () => 'memory' as const, end: () => undefined };
    await expect(streamBlobs(repo, [blob, '0123456789012345678901234567890123456789'], handler)).rejects.toSatisfy((e: unknown) => isOrchError(e, 'SNAPSHOT_FAILED'));
    await expect(streamBlobs(repo, ['HEAD^{tree}'], handler)).rejects.toSatisfy((e: unknown) => isOrchError(e, 'SNAPSHOT_FAILED'));
  });

  it('stops at the first error a handler throws', async () => {
    const repo = await makeRepo();
    const oids = await Promise.all(['a', 'b', 'c'].map((c) => writeBlob(repo, c)));
    let ended = 0;
    const run = streamBlobs(repo, oids, {
      begin(index) {
        if (index === 1) throw new Error('cap reached');
        return 'memory';
      },
      end() {
        ended += 1;
      },
    });
    await expect(run).rejects.toThrow('cap reached');
    expect(ended).toBe(1);
  });
});
