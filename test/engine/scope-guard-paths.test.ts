import { describe, expect, it } from 'vitest';
import { checkPath, checkSymlinkTarget, isGitComponent } from '../../src/engine/scope-paths.js';

describe('scope path rules', () => {
  it('does not mistake git-adjacent names for .git', () => {
    for (const path of ['.gitignore', '.github/workflows/ci.yml', '.gitattributes', 'vendor/foo.git/x', 'git/notes.md', '.git-blame-ignore-revs', 'src/.gitkeep']) {
      expect(checkPath(path)).toEqual([]);
    }
  });

  it('sees .git through case, trailing dots and spaces, HFS-ignorable code points and the NTFS short name', () => {
    for (const name of ['.git', '.GIT', '.Git', '.git.', '.git . .', '\ufeff.git', '.gi\u200dt', 'GIT~1', 'git~1']) expect(isGitComponent(name)).toBe(true);
    for (const name of ['git', '.gitx', 'x.git', '.git~1', 'git~2']) expect(isGitComponent(name)).toBe(false);
  });

  it('flags .shared only as the first component', () => {
    expect(checkPath('.shared').map((p) => p.rule)).toEqual(['shared']);
    expect(checkPath('.SHARED/web/a').map((p) => p.rule)).toEqual(['shared']);
    expect(checkPath('docs/.shared/a')).toEqual([]);
  });

  it('refuses NUL, backslash, trailing slash and dot components', () => {
    for (const path of ['a\0b', 'a\\b', 'a/', './a', 'a/..', '..']) expect(checkPath(path).map((p) => p.rule)).toContain('invalid-path');
  });

  it('judges symlink targets against the link\'s own directory', () => {
    expect(checkSymlinkTarget('a/b/link', '../../x')).toBeUndefined();
    expect(checkSymlinkTarget('a/b/link', '../../../x')).toMatch(/leaves the tree|climbs back/);
    expect(checkSymlinkTarget('a/link', 'b/../../../x')).toMatch(/leaves the tree|climbs back/);
    expect(checkSymlinkTarget('link', '/etc/passwd')).toContain('absolute');
    expect(checkSymlinkTarget('src/link', '../.GIT')).toContain('.git');
    expect(checkSymlinkTarget('link', './.shared/web/secret')).toContain('.shared');
    expect(checkSymlinkTarget('docs/link', '.shared/web')).toBeUndefined();
  });
});
