import { describe, expect, it } from 'vitest';
import { describeEscape, resolveCaps, DEFAULT_CAPS } from '../../src/snapshot/limits.js';

describe('describeEscape: symlinks that stay inside the tree', () => {
  it.each([
    ['link', 'src/a.ts'],
    ['d/up', '../README.md'],
    ['a/b/c', '../../x'],
    ['d/self', '.'],
    ['d/dot', './x/./y'],
    ['d/parent', '..'],
  ])('%s -> %s stays inside', (path, target) => {
    expect(describeEscape(path, target)).toBeUndefined();
  });

  it.each([
    ['abs', '/etc/passwd'],
    ['root', '/'],
    ['top', '..'],
    ['d/far', '../../outside'],
    ['d/m', 'l/..'], // l may itself be a symlink: the lexical normal form would lie
    ['d/n', 'x/../../y'],
    ['e', ''],
    ['nul', 'a\0b'],
  ])('%s -> %j leaves', (path, target) => {
    expect(describeEscape(path, target)).toBeTypeOf('string');
  });
});

describe('resolveCaps', () => {
  it('fills in the defaults', () => {
    expect(resolveCaps(undefined)).toEqual(DEFAULT_CAPS);
    expect(resolveCaps({ maxFileBytes: 10 })).toEqual({ ...DEFAULT_CAPS, maxFileBytes: 10 });
  });
});
