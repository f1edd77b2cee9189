import { describe, expect, it } from 'vitest';
import { ObjectReader } from '../../src/engine/catalog-objects.js';
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
});
