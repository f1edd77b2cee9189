import { describe, expect, it } from 'vitest';
import { isOrchError } from '../../src/errors/index.js';
import { assertPeerAllowed, explainPeerDenial, grantedPeers, peerAllowed } from '../../src/snapshot/consent.js';

const api = { name: 'api', peers: ['web', 'lib'], share: ['web'] };
const web = { name: 'web', peers: ['api'], share: ['api'] };
const lib = { name: 'lib', share: ['*'] };
const vault = { name: 'vault', share: [] };
const shy = { name: 'shy' };

describe('peerAllowed: both sides must consent', () => {
  it('allows when the reader asks and the owner shares by name or with "*"', () => {
    expect(peerAllowed(api, web)).toBe(true);
    expect(peerAllowed(web, api)).toBe(true);
    expect(peerAllowed(api, lib)).toBe(true);
  });

  it('refuses when either side is silent', () => {
    expect(peerAllowed({ name: 'web', peers: [] }, api)).toBe(false); // owner shares, reader never asked
    expect(peerAllowed({ name: 'api', peers: ['vault'] }, vault)).toBe(false); // reader asks, owner shares with no one
    expect(peerAllowed({ name: 'api', peers: ['shy'] }, shy)).toBe(false); // no share key at all
    expect(peerAllowed({ name: 'other', peers: ['web'] }, web)).toBe(false); // web shares with api only
  });

  it('never lets a project be its own peer, even with "*"', () => {
    expect(peerAllowed({ name: 'lib', peers: ['lib'], share: ['*'] }, { name: 'lib', peers: ['lib'], share: ['*'] })).toBe(false);
  });

  it('says which side is missing and throws SNAPSHOT_DENIED', () => {
    expect(explainPeerDenial({ name: 'x', peers: ['web'] }, web)).toMatch(/web does not share with x/);
    expect(explainPeerDenial({ name: 'api' }, lib)).toMatch(/api does not list lib in peers/);
    expect(() => assertPeerAllowed({ name: 'x', peers: ['web'] }, web)).toThrow(expect.objectContaining({ code: 'SNAPSHOT_DENIED' }) as Error);
    let caught: unknown;
    try {
      assertPeerAllowed(api, vault);
    } catch (error) {
      caught = error;
    }
    expect(isOrchError(caught, 'SNAPSHOT_DENIED')).toBe(true);
  });

  it('grants exactly the asked-for peers that share back', () => {
    expect(grantedPeers(api, [api, web, lib, vault, shy]).map((p) => p.name)).toEqual(['web', 'lib']);
  });
});
