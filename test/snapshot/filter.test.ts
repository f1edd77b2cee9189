import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { BUILTIN_DENY, checkComponent, checkPath, checkPeerMode, compileFilter, spellingsOf } from '../../src/snapshot/filter.js';

function reasonOf(path: string, extra: string[] = []): string {
  const verdict = checkPath(path, extra);
  return verdict.ok ? 'ok' : verdict.reason;
}

describe('checkPath: the SPEC §3.5 deny-list, case-insensitive on every component', () => {
  const denied = [
    '.env', '.ENV', '.Env.local', '.env.production', 'app/.env', '.envrc', 'x/.ENVRC',
    'ID_RSA', 'ID_RSA.pub', 'home/id_rsa', 'id_ed25519', 'Id_Ed25519.PUB',
    'server.PEM', 'certs/tls.key', 'a/b/.ssh/config', '.SSH/known_hosts', '.AWS/credentials',
    'Credentials.JSON', 'deploy/service-account-prod.json', 'SERVICE-ACCOUNT.JSON',
    '.npmrc', '.PyPIrc', '.netrc', '.htpasswd', '.pgpass',
    'node_modules/x/index.js', 'pkg/NODE_MODULES/x', '.vscode/settings.json', '.idea/workspace.xml',
    '.docker/config.json', '.config/gh/hosts.yml', '.claude/settings.json', '.codex/auth.json',
    '.cursor/mcp.json', '.gnupg/pubring.kbx',
  ];
  it.each(denied)('denies %s', (path) => {
    expect(reasonOf(path)).toBe('denied');
  });

  const lookalikes = [
    '\uff0e\uff45\uff4e\uff56', // fullwidth ".env", NFKC folds it
    '.e\u200bnv', // zero-width space inside
    '\u0131d_rsa', // dotless i upper-cases to I
    '\uff29\uff24_\uff32\uff33\uff21', // fullwidth ID_RSA
    '.env.', // Windows drops trailing dots
    'credentials.json.',
    'id_rsa ',
    'credentials.json. . ',
    '.npmrc\u200d',
  ];
  it.each(lookalikes)('denies the look-alike %j', (path) => {
    expect(reasonOf(path)).not.toBe('ok');
  });

  const unsafe = [
    '..', '.', 'a/../b', 'a/./b', 'a//b', '', '/abs', 'a/', 'a\\b', '..\\x', 'a/.git/b', '.GIT', '.Git/config',
    'sub/.gIt', '.git.', '.git ', 'GIT~1', 'x/git~1/config', '.g\u200cit', '\uff0egit', '...', ' ', 'a/\0b',
  ];
  it.each(unsafe)('refuses the unsafe path %j', (path) => {
    expect(reasonOf(path)).toBe('unsafe-name');
  });

  const allowed = [
    'src/index.ts', 'environment.ts', 'env/x.txt', 'my.env.example', 'README.md', 'keys/public.txt',
    'keynote.txt', 'pem.txt', '.gitignore', '.github/workflows/ci.yml', '.gitattributes', 'config/settings.json',
    'na\u00efve.txt', '\u65e5\u672c\u8a9e/\u30d5\u30a1\u30a4\u30eb.md', 'credentials.json.md', 'ssh/notes.md', 'a.b.c',
  ];
  it.each(allowed)('allows %s', (path) => {
    expect(reasonOf(path)).toBe('ok');
  });

  it("applies the workspace's own globs, case-insensitively, to components or to paths", () => {
    const extra = ['*.p12', 'secrets/**', '/private', 'docs/*', 'build/'];
    expect(reasonOf('certs/client.P12', extra)).toBe('denied');
    expect(reasonOf('Secrets/db/password.txt', extra)).toBe('denied');
    expect(reasonOf('private', extra)).toBe('denied');
    expect(reasonOf('private/keyring', extra)).toBe('denied');
    expect(reasonOf('other/private', extra)).toBe('ok');
    expect(reasonOf('docs/internal/plan.md', extra)).toBe('denied');
    expect(reasonOf('DOCS/readme.md', extra)).toBe('denied');
    expect(reasonOf('src/docs/readme.md', extra)).toBe('ok');
    expect(reasonOf('app/BUILD/out.js', extra)).toBe('denied');
    expect(reasonOf('app/src/main.ts', extra)).toBe('ok');
  });

  it('names the pattern that matched', () => {
    const verdict = compileFilter(['*.sqlite']).checkEntry('data', 'Prod.SQLITE');
    expect(verdict).toEqual({ ok: false, reason: 'denied', detail: expect.stringContaining('*.sqlite') as unknown });
  });

  it('agrees with picomatch rule by rule (the combined expression is exactly the union)', () => {
    const filter = compileFilter([]);
    const names = ['.env', 'a.pem', '.pem', 'x.key.txt', 'id_rsa2', 'service-account.json', 'service-accountX.json', 'node_modules', 'env', 'key', '.git2', 'credentials.jsonx'];
    for (const name of names) {
      const byRule = BUILTIN_DENY.some((p) => picomatch(p.replace(/\/$/, ''), { nocase: true, dot: true })(name));
      expect(filter.checkEntry('', name).ok, name).toBe(!byRule);
    }
  });
});

describe('component rules and spellings', () => {
  it('folds case, width and invisible characters, and drops trailing dots and spaces', () => {
    expect(spellingsOf('.ENV')).toContain('.env');
    expect(spellingsOf('\uff0e\uff45\uff4e\uff56')).toContain('.env');
    expect(spellingsOf('a. .')).toContain('a');
    expect(spellingsOf('plain')).toEqual(['plain']);
  });

  it('refuses names that can never be written safely whatever the deny-list', () => {
    expect(checkComponent('..').ok).toBe(false);
    expect(checkComponent('a/b').ok).toBe(false);
    expect(checkComponent('.GiT').ok).toBe(false);
    expect(checkComponent('.gitmodules').ok).toBe(true);
  });
});

describe('checkPeerMode', () => {
  it('keeps regular files and directories, drops symlinks, submodules and odd modes', () => {
    expect(checkPeerMode('100644').ok).toBe(true);
    expect(checkPeerMode('100755').ok).toBe(true);
    expect(checkPeerMode('040000').ok).toBe(true);
    expect(checkPeerMode('120000')).toMatchObject({ ok: false, reason: 'symlink' });
    expect(checkPeerMode('160000')).toMatchObject({ ok: false, reason: 'submodule' });
    expect(checkPeerMode('100664')).toMatchObject({ ok: false, reason: 'bad-mode' });
  });
});
