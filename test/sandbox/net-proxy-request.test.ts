import { describe, expect, it } from 'vitest';
import { buildUpstreamHead, findHeadEnd, parseRequestHead } from '../../src/sandbox/net-proxy-request.js';

describe('parseRequestHead', () => {
  it('reads CONNECT host:port and bracketed v6', () => {
    expect(parseRequestHead('CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\n\r\n').request).toEqual({ kind: 'connect', host: 'api.example.com', port: 443 });
    expect(parseRequestHead('CONNECT [::1]:8443 HTTP/1.1\r\n\r\n').request).toEqual({ kind: 'connect', host: '::1', port: 8443 });
  });

  it('reads an absolute http URI and rewrites it to origin form', () => {
    const parsed = parseRequestHead('GET http://Plain.test:8080/a?b=1 HTTP/1.1\r\nHost: other\r\nProxy-Connection: keep-alive\r\nAccept: */*\r\n\r\n');
    expect(parsed.request).toMatchObject({ kind: 'http', method: 'GET', host: 'Plain.test', port: 8080, path: '/a?b=1' });
    if (parsed.request?.kind !== 'http') throw new Error('expected http');
    expect(buildUpstreamHead(parsed.request)).toBe('GET /a?b=1 HTTP/1.1\r\nHost: Plain.test:8080\r\nAccept: */*\r\nConnection: close\r\n\r\n');
    expect(parseRequestHead('GET http://x.test HTTP/1.0\r\n\r\n').request).toMatchObject({ host: 'x.test', port: 80, path: '/' });
  });

  it('refuses malformed heads with a reason', () => {
    for (const bad of [
      'CONNECT api.example.com HTTP/1.1\r\n\r\n',
      'CONNECT :443 HTTP/1.1\r\n\r\n',
      'CONNECT a.test:99999 HTTP/1.1\r\n\r\n',
      'GET /relative HTTP/1.1\r\n\r\n',
      'GET https://a.test/ HTTP/1.1\r\n\r\n',
      'GET http://user@a.test/ HTTP/1.1\r\n\r\n',
      'GET http:///x HTTP/1.1\r\n\r\n',
      'GARBAGE\r\n\r\n',
      'CONNECT a.test:443 HTTP/2\r\n\r\n',
      'CONNECT a.test:443 HTTP/1.1 extra\r\n\r\n',
      'CONNECT a.test:443 HTTP/1.1\r\nno colon here\r\n\r\n',
      '\u0000\u0001\u0002 x y\r\n\r\n',
    ]) {
      expect(parseRequestHead(bad).error, JSON.stringify(bad)).toBeTypeOf('string');
    }
  });

  it('finds the end of the head', () => {
    expect(findHeadEnd(Buffer.from('GET x HTTP/1.1\r\n\r\nbody'))).toBe(18);
    expect(findHeadEnd(Buffer.from('GET x HTTP/1.1\r\n'))).toBe(-1);
  });
});
