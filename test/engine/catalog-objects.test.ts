import { describe, expect, it } from 'vitest';
import { ObjectReader } from '../../src/engine/catalog-objects.js';
import type { GitObject } from '../../src/git/cat-file.js';
import { git } from '../../src/git/exec.js';
import { makeRepo } from '../support/git-repo.js';

async function blobOid(repo: string, text: string): Promise<string> {
  return (await git(repo, ['hash-object', '-w', '--stdin'], { input: text })).stdout.trim();
}

describe('ObjectReader', () => {
  it('reads many blobs as text in request order, undefined for a missing one', async () => {
    const repo = await makeRepo();
    const texts = Array.from({ length: 300 }, (_, i) => `bead ${i} ✓\n${'x'.repeat(i * 7)}`);
    const oids = await Promise.all(texts.map((text) => blobOid(repo, text)));
    const reader = new ObjectReader(repo);
    try {
      const missing = '0123456789012345678901234567890123456789';
      const got = await reader.readTexts([...oids.slice(0, 150), missing, ...oids.slice(150)]);
      expect(got).toEqual([...texts.slice(0, 150), undefined, ...texts.slice(150)]);
    } finally {
      await reader.close();
    }
  });

  it('interleaves single reads and bulk reads, and keeps a large blob intact', async () => {
    const repo = await makeRepo({ 'big.txt': 'y'.repeat(3_000_000) + 'end', 'small.txt': 'small' });
    const reader = new ObjectReader(repo);
    try {
      const [tree, big, texts, none] = await Promise.all([
        reader.read('HEAD^{tree}'),
        reader.read('HEAD:big.txt'),
        reader.readTexts([(await git(repo, ['rev-parse', 'HEAD:small.txt'])).stdout.trim()]),
        reader.read('HEAD:nothing-here'),
      ]);
      expect(tree?.type).toBe('tree');
      expect(big?.type).toBe('blob');
      expect(big?.data.length).toBe(3_000_003);
      expect(big?.data.subarray(-3).toString()).toBe('end');
      expect(texts).toEqual(['small']);
      expect(none).toBeUndefined();
    } finally {
      await reader.close();
    }
    await expect(reader.read('HEAD')).rejects.toMatchObject({ code: 'GIT_FAILED' });
  });

  it('refuses a request with a newline instead of desynchronising the stream', async () => {
    const repo = await makeRepo();
    const reader = new ObjectReader(repo);
    try {
      await expect(reader.read('HEAD\nHEAD')).rejects.toMatchObject({ code: 'REF_INVALID' });
      expect((await reader.read('HEAD'))?.type).toBe('commit');
    } finally {
      await reader.close();
    }
  });
  it('joins objects that pipe chunks split anywhere (header, body, a missing object), each at every place', async () => {
    const repo = await makeRepo();
    const reader = new ObjectReader(repo);
    // Fed straight to the reader, as if cat-file had answered: nothing is asked of the real child.
    const inside = reader as unknown as { waiters: unknown[]; receive(chunk: Buffer): void };
    const bodies = ['a', '', 'x'.repeat(70), 'é✓ text\nwith a newline', undefined, 'last'];
    const oid = (i: number) => `o${i}`;
    const output = Buffer.concat(
      bodies.map((body, i) => {
        if (body === undefined) return Buffer.from(`${oid(i)} missing\n`);
        const data = Buffer.from(body);
        return Buffer.concat([Buffer.from(`${oid(i)} blob ${data.length}\n`), data, Buffer.from('\n')]);
      }),
    );
    try {
      let checked = 0;
      for (let first = 0; first <= output.length; first++) {
        for (let second = first; second <= output.length; second++) {
          // Once as a bulk read, once as one single read per object (those also carry each object's id and type).
          const bulk = new Promise<(Buffer | undefined)[]>((resolve, reject) => inside.waiters.push({ remaining: bodies.length, bodies: [], single: undefined, done: resolve, reject }));
          const singles = bodies.map(() => new Promise<GitObject | undefined>((resolve, reject) => inside.waiters.push({ remaining: 1, bodies: undefined, single: resolve, done: undefined, reject })));
          for (let round = 0; round < 2; round++) {
            for (const [start, end] of [[0, first], [first, second], [second, output.length]] as const) if (end > start) inside.receive(output.subarray(start, end));
          }
          expect((await bulk).map((body) => body?.toString('utf8'))).toEqual(bodies);
          expect((await Promise.all(singles)).map((object) => (object === undefined ? undefined : `${object.oid} ${object.type} ${object.data.toString('utf8')}`))).toEqual(
            bodies.map((body, i) => (body === undefined ? undefined : `${oid(i)} blob ${body}`)),
          );
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(1000);
    } finally {
      await reader.close();
    }
  });
});
