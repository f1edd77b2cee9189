import { describe, expect, it } from 'vitest';
import { CatFile, parseTree } from '../../src/git/cat-file.js';
import { git } from '../../src/git/exec.js';
import { makeRepo } from '../support/git-repo.js';

describe('CatFile', () => {
  it('streams many objects through one process, in order, and reports missing ones', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`f/${i}.txt`] = `content ${i}\n`.repeat(i % 7);
    const repo = await makeRepo(files);
    const cat = new CatFile(repo);
    try {
      const revs = Array.from({ length: 300 }, (_, i) => `HEAD:f/${i}.txt`);
      const objects = await cat.readMany([...revs, 'HEAD:does-not-exist']);
      for (let i = 0; i < 300; i++) expect(objects[i]?.data.toString()).toBe(`content ${i}\n`.repeat(i % 7));
      expect(objects[300]).toBeUndefined();
      const tree = await cat.read('HEAD^{tree}');
      expect(tree?.type).toBe('tree');
      const entries = parseTree(tree!.data);
      const listed = (await git(repo, ['ls-tree', 'HEAD'])).stdout.trim().split('\n');
      expect(entries.map((e) => `${e.mode} ${e.type} ${e.oid}\t${e.name}`)).toEqual(listed);
    } finally {
      await cat.close();
    }
  });
});
