import { describe, expect, it } from 'vitest';
import { isOrchError } from '../../src/errors/index.js';
import { checkResolved, checkTarget, parseAllowEntry, parseAllowList, splitHostPort } from '../../src/sandbox/net-allow.js';
import { canonicalAddress, classifyAddress, parseIPv6 } from '../../src/sandbox/net-proxy-address.js';

describe('parseAllowEntry', () => {
  it('reads names, wildcards and addresses, with 443 and 80 unless a port is given', () => {
    expect(parseAllowEntry('API.Example.com.')).toEqual({ kind: 'name', host: 'api.example.com', ports: [443, 80] });
    expect(parseAllowEntry('*.example.com:8443')).toEqual({ kind: 'wildcard', host: '.example.com', ports: [8443] });
    expect(parseAllowEntry('127.0.0.1:4567')).toEqual({ kind: 'address', host: '127.0.0.1', ports: [4567] });
    expect(parseAllowEntry('[::1]:80')).toEqual({ kind: 'address', host: '0:0:0:0:0:0:0:1', ports: [80] });
    expect(parseAllowEntry('::ffff:10.0.0.1')).toEqual({ kind: 'address', host: '10.0.0.1', ports: [443, 80] });
  });

  it('refuses malformed entries with CONFIG_INVALID', () => {
    for (const bad of ['', 'host:0', 'host:70000', 'host:', 'a b', 'ex*ample.com', '*', '127.1', 'host:12x', '[::1']) {
      let code = '';
      try {
        parseAllowEntry(bad);
      } catch (error) {
        code = isOrchError(error) ? error.code : 'not-orch';
      }
      expect(code, bad).toBe('CONFIG_INVALID');
    }
  });
});

describe('checkTarget', () => {
  const list = parseAllowList(['api.example.com', '*.pkg.dev', 'plain.test:8080', '127.0.0.1:4567']);

  it('allows exactly the listed names on their ports', () => {
    expect(checkTarget(list, { host: 'api.example.com', port: 443 }).allowed).toBe(true);
    expect(checkTarget(list, { host: 'API.EXAMPLE.COM.', port: 80 }).allowed).toBe(true);
    expect(checkTarget(list, { host: 'api.example.com', port: 22 }).allowed).toBe(false);
    expect(checkTarget(list, { host: 'evil-api.example.com', port: 443 }).allowed).toBe(false);
    expect(checkTarget(list, { host: 'example.com', port: 443 }).allowed).toBe(false);
    expect(checkTarget(list, { host: 'plain.test', port: 8080 }).allowed).toBe(true);
    expect(checkTarget(list, { host: 'plain.test', port: 443 }).allowed).toBe(false);
  });

  it('matches wildcards below the domain only', () => {
    expect(checkTarget(list, { host: 'a.pkg.dev', port: 443 }).allowed).toBe(true);
    expect(checkTarget(list, { host: 'a.b.pkg.dev', port: 443 }).allowed).toBe(true);
    expect(checkTarget(list, { host: 'pkg.dev', port: 443 }).allowed).toBe(false);
    expect(checkTarget(list, { host: 'evilpkg.dev', port: 443 }).allowed).toBe(false);
    expect(checkTarget(list, { host: 'pkg.dev.evil.com', port: 443 }).allowed).toBe(false);
  });

  it('refuses address literals unless listed, whatever their spelling', () => {
    expect(checkTarget(list, { host: '127.0.0.1', port: 4567 }).allowed).toBe(true);
    expect(checkTarget(list, { host: '::ffff:127.0.0.1', port: 4567 }).allowed).toBe(true);
    expect(checkTarget(list, { host: '127.0.0.1', port: 4568 }).allowed).toBe(false);
    expect(checkTarget(list, { host: '93.184.216.34', port: 443 }).allowed).toBe(false);
    for (const sneaky of ['127.1', '2130706433', '0x7f.0.0.1', '0177.0.0.1.', 'fe80::1%eth0', 'a..b', 'x y']) {
      expect(checkTarget(list, { host: sneaky, port: 4567 }).allowed, sneaky).toBe(false);
    }
  });
});

describe('checkResolved', () => {
  const list = parseAllowList(['api.example.com', 'inside.test:4567', '127.0.0.1:4567']);

  it('allows a name whose every address is public', () => {
    expect(checkResolved(list, { host: 'api.example.com', port: 443 }, ['93.184.216.34', '2606:2800:220:1::1'])).toMatchObject({ allowed: true, addresses: ['93.184.216.34', '2606:2800:220:1::1'] });
  });

  it('refuses a listed name resolving to a private, loopback or mapped address (rebinding)', () => {
    for (const address of ['10.1.2.3', '127.0.0.1', '169.254.169.254', '100.64.0.1', '::1', 'fd00::1', 'fe80::1', '::ffff:192.168.0.1', '64:ff9b::a00:1', '224.0.0.1', '0.0.0.0']) {
      const verdict = checkResolved(list, { host: 'api.example.com', port: 443 }, ['93.184.216.34', address]);
      expect(verdict.allowed, address).toBe(false);
    }
    expect(checkResolved(list, { host: 'api.example.com', port: 443 }, []).allowed).toBe(false);
  });

  it('allows a private address that is itself listed on that port', () => {
    expect(checkResolved(list, { host: 'inside.test', port: 4567 }, ['127.0.0.1']).allowed).toBe(true);
    expect(checkResolved(list, { host: 'inside.test', port: 4567 }, ['::ffff:127.0.0.1']).allowed).toBe(true);
    expect(checkResolved(list, { host: 'inside.test', port: 4567 }, ['127.0.0.2']).allowed).toBe(false);
  });
});

describe('address classification', () => {
  it('sorts v4 and v6 addresses into their ranges', () => {
    const cases: Record<string, string> = {
      '8.8.8.8': 'public',
      '10.0.0.1': 'private',
      '172.16.0.1': 'private',
      '172.32.0.1': 'public',
      '192.168.1.1': 'private',
      '100.64.0.1': 'shared',
      '127.0.0.53': 'loopback',
      '169.254.169.254': 'link-local',
      '224.0.0.251': 'multicast',
      '255.255.255.255': 'reserved',
      '0.0.0.0': 'unspecified',
      '::': 'unspecified',
      '::1': 'loopback',
      '::ffff:10.0.0.1': 'private',
      '::ffff:8.8.8.8': 'public',
      'fc00::1': 'unique-local',
      'fd12:3456::1': 'unique-local',
      'fe80::1': 'link-local',
      'ff02::1': 'multicast',
      '2002:a00:1::': 'private',
      '2001:db8::1': 'reserved',
      '2001:4860:4860::8888': 'public',
    };
    for (const [address, kind] of Object.entries(cases)) expect(classifyAddress(address), address).toBe(kind);
    expect(classifyAddress('example.com')).toBeUndefined();
  });

  it('expands IPv6 forms to eight groups', () => {
    expect(parseIPv6('1::')).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
    expect(parseIPv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(canonicalAddress('0:0::1')).toBe(canonicalAddress('::1'));
  });

  it('splits host and port', () => {
    expect(splitHostPort('[::1]:443')).toEqual({ host: '::1', port: 443 });
    expect(splitHostPort('::1')).toEqual({ host: '::1', port: undefined });
    expect(splitHostPort('a.b:80')).toEqual({ host: 'a.b', port: 80 });
    expect(splitHostPort('a.b:x')).toBeUndefined();
  });
});
