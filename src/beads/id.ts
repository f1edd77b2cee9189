import { createHash, randomBytes } from 'node:crypto';
import { OrchError } from '../errors/index.js';
import { isBeadId } from './schema.js';

/**
 * New bead ids, `<prefix>-<base36>`: a hash of random bytes (and an optional
 * seed such as the title), never a counter, so two agents or branches making
 * beads at once do not collide. The hash part starts at 4 characters (1.7
 * million values) and grows by one after repeated collisions, as beads'
 * adaptive ids do.
 */

export interface NewIdOptions {
  /** Mixed into the hash (e.g. title and time); randomness still decides. */
  seed?: string;
  /** Shortest hash part (default 4). */
  minLength?: number;
  /** Tries per length before growing (default 8). */
  triesPerLength?: number;
}

const MAX_LENGTH = 16;

export type RandomSource = (bytes: number) => Uint8Array;

export function newBeadId(
  prefix: string,
  exists: (id: string) => boolean,
  random: RandomSource = randomBytes,
  options: NewIdOptions = {},
): string {
  if (!isBeadId(`${prefix}-x`)) {
    throw new OrchError('USAGE', `"${prefix}" cannot prefix a bead id`, { hint: 'use the project name, like api' });
  }
  const tries = options.triesPerLength ?? 8;
  for (let length = Math.max(1, options.minLength ?? 4); length <= MAX_LENGTH; length++) {
    for (let attempt = 0; attempt < tries; attempt++) {
      const id = `${prefix}-${hashPart(random(16), options.seed ?? '', length)}`;
      if (!exists(id)) return id;
    }
  }
  throw new OrchError('ID_EXHAUSTED', `no free bead id with prefix ${prefix} after ${tries * MAX_LENGTH} tries`, {
    hint: 'the random source or the exists() check is broken',
  });
}

function hashPart(nonce: Uint8Array, seed: string, length: number): string {
  const digest = createHash('sha256').update(nonce).update(seed).digest();
  const digits = BigInt(`0x${digest.subarray(0, 16).toString('hex')}`).toString(36);
  return digits.padStart(length, '0').slice(-length);
}
