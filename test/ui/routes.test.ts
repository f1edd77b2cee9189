import { describe, expect, it } from 'vitest';
import { APP_SCRIPT } from '../../src/ui/app-script.js';
import { authenticate, cookieName, isAllowedHost, isAllowedOrigin, readCookie, tokensEqual } from '../../src/ui/auth.js';
import { PAGE_HTML } from '../../src/ui/page.js';
import { matchRoute, splitTarget } from '../../src/ui/routes.js';

describe('routes', () => {
  it('matches the fixed table exactly and nothing else', () => {
    expect(matchRoute('/')).toEqual({ kind: 'page' });
    expect(matchRoute('/api/events')).toEqual({ kind: 'events' });
    for (const path of ['', '/constructor', '/__proto__', '/api/state/', '/app.js/', '/%2e%2e/', '/..', '/api/runs/a']) expect(matchRoute(path).kind).toBe('not-found');
  });

  it('decodes and checks parameters one segment at a time', () => {
    expect(matchRoute('/api/runs/web-2/web-x81c')).toEqual({ kind: 'runs', project: 'web-2', bead: 'web-x81c' });
    expect(matchRoute(`/api/run-diff/api/${'a'.repeat(40)}`)).toEqual({ kind: 'run-diff', project: 'api', commit: 'a'.repeat(40) });
    expect(matchRoute('/api/runs/api/a%2Fb').kind).toBe('bad-request');
    expect(matchRoute('/api/runs/api/%2e%2e').kind).toBe('bad-request');
    expect(matchRoute('/api/runs/api/%ZZ').kind).toBe('bad-request');
    expect(matchRoute('/api/runs/1api/x').kind).toBe('bad-request');
  });

  it('splits the target without normalising it', () => {
    const { path, query } = splitTarget('/../x?token=abc&y=1');
    expect(path).toBe('/../x');
    expect(query.get('token')).toBe('abc');
  });
});

describe('auth', () => {
  const token = 'a'.repeat(64);

  it('accepts only this server as Host and Origin', () => {
    expect(isAllowedHost('127.0.0.1:8080', 8080)).toBe(true);
    expect(isAllowedHost('LOCALHOST:8080', 8080)).toBe(true);
    for (const host of [undefined, '127.0.0.1', '127.0.0.1:80', 'evil.example:8080', '127.0.0.1.evil:8080', '[::1]:8080']) expect(isAllowedHost(host, 8080)).toBe(false);
    expect(isAllowedOrigin(undefined, 8080)).toBe(true);
    expect(isAllowedOrigin('http://localhost:8080', 8080)).toBe(true);
    for (const origin of ['null', 'https://127.0.0.1:8080', 'http://evil.example', 'http://127.0.0.1:8081']) expect(isAllowedOrigin(origin, 8080)).toBe(false);
  });

  it('takes the token from the query, a Bearer header or this port\'s cookie', () => {
    expect(authenticate({}, token, token, 1)).toBe('query');
    expect(authenticate({}, 'b'.repeat(64), token, 1)).toBe('denied');
    expect(authenticate({ authorization: `Bearer ${token}` }, undefined, token, 1)).toBe('ok');
    expect(authenticate({ cookie: `x=1; ${cookieName(1)}=${token}` }, undefined, token, 1)).toBe('ok');
    expect(authenticate({ cookie: `${cookieName(2)}=${token}` }, undefined, token, 1)).toBe('denied');
    expect(authenticate({}, undefined, token, 1)).toBe('denied');
    expect(readCookie('a=1; b = 2', 'b')).toBe('2');
    expect(tokensEqual(token, token)).toBe(true);
    expect(tokensEqual(token.slice(1), token)).toBe(false);
  });
});

describe('page assets', () => {
  it('the script is valid JavaScript and the page has no inline script or style', () => {
    expect(() => new Function(APP_SCRIPT)).not.toThrow();
    expect(PAGE_HTML).not.toMatch(/<script(?![^>]*\ssrc=)/);
    expect(PAGE_HTML).not.toMatch(/<style|\sstyle=|\son[a-z]+=/);
  });
});
