import { describe, expect, it } from 'vitest';
import { checkScope, compileScope, type CollectedChange, type ScopeInput } from '../../src/engine/scope-guard.js';

const write = (path: string, text = 'x\n', mode = 0o100644): CollectedChange => ({ path, kind: 'write', mode, content: Buffer.from(text) });
const del = (path: string): CollectedChange => ({ path, kind: 'delete' });
const link = (path: string, target: string): CollectedChange => ({ path, kind: 'symlink', target });

const BASE = new Set(['README.md', 'src/server.ts', 'docs/guide.md', '.agents/beads/api-k3f9.md', '.agents/beads/api-7b2q.md']);

/** `files: null` stands for a bead that declares none. */
function guard(changes: CollectedChange[], files: string[] | null = ['src/**', 'test/*.ts']): ReturnType<typeof checkScope> {
  const input: ScopeInput = { changes, bead: { id: 'api-k3f9', files: files ?? undefined }, project: 'api', baseHas: (path) => BASE.has(path) };
  return checkScope(input);
}

const rules = (result: ReturnType<typeof checkScope>): string[] => result.violations.map((v) => `${v.path} ${v.rule}`);

const NEW_BEAD = ['---', 'id: api-n3w1', 'title: Follow up', 'status: open   # ready to go', 'priority: 1', 'custom: kept', '---', 'Body stays.', ''].join('\n');

describe('scope guard: declared files', () => {
  it('accepts writes, deletes and inner symlinks inside the declared globs', () => {
    const changes = [write('src/server.ts'), write('src/routes/health.ts'), del('src/old.ts'), write('test/a.ts'), link('src/link.ts', 'server.ts')];
    const result = guard(changes);
    expect(result.verdict).toBe('ok');
    expect(result.violations).toEqual([]);
    expect(result.landChanges).toEqual(changes);
  });

  it('rejects a path outside the globs, keeping the accepted rest in landChanges', () => {
    const result = guard([write('src/ok.ts'), write('README.md'), del('docs/guide.md'), write('test/deep/a.ts')]);
    expect(result.verdict).toBe('rejected');
    expect(rules(result)).toEqual(['README.md out-of-scope', 'docs/guide.md out-of-scope', 'test/deep/a.ts out-of-scope']);
    expect(result.landChanges.map((c) => c.path)).toEqual(['src/ok.ts']);
  });

  it('matches dot files with the globs (dot: true)', () => {
    expect(guard([write('src/.eslintrc.json')]).verdict).toBe('ok');
  });

  it('treats a bead without files (or files: []) as scoped to the whole repo, except the always-forbidden paths', () => {
    for (const files of [null, []]) {
      const result = guard([write('README.md'), write('anything/at/all.txt'), write('.GIT/config')], files);
      expect(rules(result)).toEqual(['.GIT/config git']);
    }
  });

  it('reads ! globs as exclusions', () => {
    const inScope = compileScope(['src/**', '!src/generated/**']);
    expect(inScope('src/a.ts')).toBe(true);
    expect(inScope('src/generated/a.ts')).toBe(false);
    expect(compileScope(['!secret/**'])('src/a.ts')).toBe(true);
  });
});

describe('scope guard: always forbidden', () => {
  it('rejects .git in any case and position, and through .. components', () => {
    const result = guard([write('.GIT/config'), write('src/.git/hooks/pre-commit'), write('src/sub/.Git'), write('a/../.git/config')], null);
    expect(result.verdict).toBe('rejected');
    expect(rules(result)).toEqual(['.GIT/config git', 'src/.git/hooks/pre-commit git', 'src/sub/.Git git', 'a/../.git/config invalid-path', 'a/../.git/config git']);
    expect(result.landChanges).toEqual([]);
  });

  it('rejects .git disguised for HFS+ and NTFS checkouts (.git., ignorable code points, git~1)', () => {
    const result = guard([write('.git./config'), write('.g\u200cit/config'), write('GIT~1/config'), write('.git /x')], null);
    expect(result.violations.map((v) => v.rule)).toEqual(['git', 'git', 'git', 'git']);
  });

  it('rejects .shared as the first component, in any case; a nested .shared dir is an ordinary path', () => {
    const result = guard([write('.shared/web/x.ts'), write('.Shared/x'), del('.shared'), write('src/.shared/x.ts')], null);
    expect(rules(result)).toEqual(['.shared/web/x.ts shared', '.Shared/x shared', '.shared shared']);
    expect(result.landChanges.map((c) => c.path)).toEqual(['src/.shared/x.ts']);
  });

  it('rejects malformed paths: absolute, empty components, . and .., backslashes, duplicates', () => {
    const result = guard([write('/etc/passwd'), write('src//a.ts'), write('src/./a.ts'), write('src/a\\b.ts'), write(''), write('src/dup.ts'), write('src/dup.ts')], null);
    expect(result.violations.every((v) => v.rule === 'invalid-path')).toBe(true);
    expect(result.violations.map((v) => v.path)).toEqual(['/etc/passwd', 'src//a.ts', 'src/./a.ts', 'src/a\\b.ts', '', 'src/dup.ts']);
  });

  it('rejects symlinks that leave the repo or are absolute, and ones that point into .git or .shared', () => {
    const result = guard(
      [
        link('src/passwd', '../../etc/passwd'),
        link('src/etc', '/etc'),
        link('up', '..'),
        link('src/deep/up', '../../..'),
        link('src/gitcfg', '../.git/config'),
        link('src/peer', '../.shared/web'),
        link('src/empty', ''),
      ],
      null,
    );
    expect(rules(result)).toEqual([
      'src/passwd symlink-escape',
      'src/etc symlink-escape',
      'up symlink-escape',
      'src/deep/up symlink-escape',
      'src/gitcfg symlink-escape',
      'src/peer symlink-escape',
      'src/empty symlink-escape',
    ]);
    // Climbing up and back in is fine as long as it stays inside.
    expect(guard([link('src/a/b', '../../docs/guide.md'), link('src/root', '..')], undefined).verdict).toBe('ok');
  });

  it('rejects a write whose mode is not a regular file (a gitlink, say)', () => {
    const result = guard([write('src/sub', 'x', 0o160000), write('src/run.sh', '#!/bin/sh\n', 0o100755)]);
    expect(rules(result)).toEqual(['src/sub invalid-path']);
  });

  it('rejects a path that goes through a symlink added in the same change', () => {
    const result = guard([link('src/alias', 'routes'), write('src/alias/x.ts')]);
    expect(rules(result)).toEqual(['src/alias/x.ts invalid-path']);
  });

  it('rejects content holding a secret (an AWS key), naming the line but never the key', () => {
    const key = 'AKIAIOSFODNN7EXAMPLF';
    const result = guard([write('src/config.ts', `export const region = 'eu-west-1';\nexport const keyId = '${key}';\n`)]);
    expect(result.verdict).toBe('rejected');
    expect(rules(result)).toEqual(['src/config.ts secret']);
    expect(result.violations[0]?.detail).toContain('aws-access-key-id line 2');
    expect(JSON.stringify(result.violations)).not.toContain(key);
    expect(result.landChanges).toEqual([]);
  });

  it('finds a private key inside a binary file', () => {
    const content = Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from('-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n'), Buffer.from([0xff, 0])]);
    const result = guard([{ path: 'src/blob.bin', kind: 'write', content }]);
    expect(result.violations[0]?.detail).toContain('private-key in a binary file');
  });

  it('throws INTERNAL when a write comes without its content (a collector bug, never a pass)', () => {
    expect(() => guard([{ path: 'src/a.ts', kind: 'write' }])).toThrow(/without its content/);
  });
});

describe('scope guard: beads and lessons', () => {
  it('lands a new bead file with status forced to proposed, every other line kept', () => {
    const result = guard([write('.agents/beads/api-n3w1.md', NEW_BEAD)]);
    expect(result.verdict).toBe('ok');
    expect(result.newBeads.map((b) => b.path)).toEqual(['.agents/beads/api-n3w1.md']);
    const landed = result.newBeads[0]?.content.toString() ?? '';
    const before = NEW_BEAD.split('\n');
    const after = landed.split('\n');
    const statusLine = before.findIndex((line) => line.startsWith('status:'));
    expect(after[statusLine]).toMatch(/^status: proposed\b/);
    expect(after.filter((_, i) => i !== statusLine)).toEqual(before.filter((_, i) => i !== statusLine));
    expect(result.landChanges).toEqual([{ path: '.agents/beads/api-n3w1.md', kind: 'write', mode: 0o100644, content: Buffer.from(landed) }]);
  });

  it('keeps CRLF line endings, unknown keys, the body and a quoted status in the title', () => {
    const crlf = '---\r\nid: api-n3w2\r\ntitle: "status: open"\r\nstatus: closed\r\nextra: {a: 1}\r\n---\r\nstatus: open\r\n';
    const result = guard([write('.agents/beads/api-n3w2.md', crlf)]);
    expect(result.newBeads[0]?.content.toString()).toBe(crlf.replace('status: closed', 'status: proposed'));
  });

  it('rejects a new bead without frontmatter, with bad YAML, without a status, or whose id is not its file name', () => {
    const result = guard([
      write('.agents/beads/api-a1.md', 'Just text\n'),
      write('.agents/beads/api-a2.md', '---\nid: api-a2\ntitle: [unclosed\n---\n'),
      write('.agents/beads/api-a3.md', '---\nid: api-other\ntitle: T\nstatus: open\n---\n'),
      write('.agents/beads/api-a4.md', '---\nid: api-a4\ntitle: T\n---\n'),
      { path: '.agents/beads/api-a5.md', kind: 'write', content: Buffer.from([0x2d, 0x2d, 0x2d, 0x0a, 0xff, 0xfe, 0x0a]) },
    ]);
    expect(rules(result)).toEqual([
      '.agents/beads/api-a1.md bead-invalid',
      '.agents/beads/api-a2.md bead-invalid',
      '.agents/beads/api-a3.md bead-invalid',
      '.agents/beads/api-a4.md bead-invalid',
      '.agents/beads/api-a5.md bead-invalid',
    ]);
    expect(result.violations[2]?.detail).toContain('does not match the file name');
    expect(result.violations[3]?.detail).toContain('status is missing');
    expect(result.newBeads).toEqual([]);
  });

  it('rejects a new bead that would land invalid (parseBead), naming the line', () => {
    const result = guard([write('.agents/beads/api-n4.md', '---\nid: api-n4\ntitle: T\nstatus: open\npriority: 9\n---\nBody\n')]);
    expect(rules(result)).toEqual(['.agents/beads/api-n4.md bead-invalid']);
    expect(result.violations[0]?.detail).toBe('line 5: priority must be at most 4');
  });

  it('rejects editing or deleting another bead, and editing the bead\'s own file', () => {
    const result = guard([write('.agents/beads/api-7b2q.md', '---\nid: api-7b2q\n---\n')], null);
    expect(rules(result)).toEqual(['.agents/beads/api-7b2q.md bead-edit']);
    expect(rules(guard([del('.agents/beads/api-7b2q.md')], null))).toEqual(['.agents/beads/api-7b2q.md bead-edit']);
    const own = guard([write('.agents/beads/api-k3f9.md', '---\nid: api-k3f9\nstatus: closed\n---\n')], null);
    expect(rules(own)).toEqual(['.agents/beads/api-k3f9.md bead-edit']);
    expect(own.violations[0]?.detail).toContain('own file');
  });

  it('rejects other files under .agents/beads/ and a symlinked new bead, even when the bead declares the folder', () => {
    const result = guard([write('.agents/beads/notes.txt'), write('.agents/beads/sub/api-x.md'), link('.agents/beads/api-l1.md', '../../README.md')], ['.agents/**']);
    expect(rules(result)).toEqual(['.agents/beads/notes.txt bead-path', '.agents/beads/sub/api-x.md bead-path', '.agents/beads/api-l1.md bead-invalid']);
  });

  it('rejects a case variant of .agents/beads/ (another bead on a case-insensitive checkout)', () => {
    const result = guard([write('.AGENTS/Beads/api-7b2q.md', '---\nid: api-7b2q\ntitle: T\nstatus: open\n---\n')], null);
    expect(rules(result)).toEqual(['.AGENTS/Beads/api-7b2q.md bead-path']);
  });

  it('takes lesson files out of the change and returns them as lessons, in or out of scope', () => {
    const lesson = '---\nid: pin-lockfiles\ntitle: Pin\nscope: ["*"]\n---\nCommit the lockfile.\n';
    const result = guard([write('src/a.ts'), write('.agents/lessons/pin-lockfiles.md', lesson)]);
    expect(result.verdict).toBe('ok');
    expect(result.lessons).toEqual([{ path: '.agents/lessons/pin-lockfiles.md', content: Buffer.from(lesson) }]);
    expect(result.landChanges.map((c) => c.path)).toEqual(['src/a.ts']);
  });

  it('rejects a lesson holding a secret, and a symlinked lesson', () => {
    const result = guard([write('.agents/lessons/leak.md', 'Use ghp_0123456789abcdefghijABCDEFGHIJ012345 to push.\n'), link('.agents/lessons/l.md', '../../README.md')]);
    expect(rules(result)).toEqual(['.agents/lessons/leak.md secret', '.agents/lessons/l.md lesson-invalid']);
    expect(result.lessons).toEqual([]);
  });

  it('scopes other files under .agents/lessons/ like any path', () => {
    expect(rules(guard([write('.agents/lessons/img.png'), write('.agents/lessons/sub/x.md')]))).toEqual([
      '.agents/lessons/img.png out-of-scope',
      '.agents/lessons/sub/x.md out-of-scope',
    ]);
  });
});
