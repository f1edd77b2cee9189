import { describe, expect, it } from 'vitest';
import { isOrchError } from '../../src/errors/index.js';
import { isBeadId, newBeadId } from '../../src/beads/index.js';

describe('newBeadId', () => {
  it('makes <prefix>-<4 base36 chars> ids that are valid and not sequential', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) seen.add(newBeadId('api', (id) => seen.has(id)));
    expect(seen.size).toBe(500);
    for (const id of seen) {
      expect(id).toMatch(/^api-[0-9a-z]{4}$/);
      expect(isBeadId(id)).toBe(true);
    }
    const sorted = [...seen].sort();
    expect(sorted).not.toEqual([...seen]);
  });

  it('retries on a collision and grows the hash part when a length is crowded', () => {
    const taken = new Set<string>();
    let calls = 0;
    const id = newBeadId('api', (candidate) => {
      calls++;
      taken.add(candidate);
      return candidate.length < 'api-'.length + 6;
    });
    expect(id).toMatch(/^api-[0-9a-z]{6}$/);
    expect(calls).toBe(17);
  });

  it('is deterministic for a given random source, and differs between sources', () => {
    const zeros = (n: number) => new Uint8Array(n);
    const ones = (n: number) => new Uint8Array(n).fill(1);
    expect(newBeadId('api', () => false, zeros)).toBe(newBeadId('api', () => false, zeros));
    expect(newBeadId('api', () => false, zeros)).not.toBe(newBeadId('api', () => false, ones));
  });

  it('fails loudly when every id is taken, and refuses a bad prefix', () => {
    expect(() => newBeadId('api', () => true)).toThrow(expect.objectContaining({ code: 'ID_EXHAUSTED' }));
    try {
      newBeadId('a b', () => false);
      expect.unreachable();
    } catch (error) {
      expect(isOrchError(error, 'USAGE')).toBe(true);
    }
  });
});
