import { OrchError } from '../errors/index.js';

/**
 * Names of orch's refs. A claim, lock or run name is one ref component
 * (no '/'), so two names can never be a file and a directory of each other.
 * Pure: no I/O.
 */

export const CLAIMS_PREFIX = 'refs/orch/claims/';
export const LOCKS_PREFIX = 'refs/orch/locks/';
export const RUNS_PREFIX = 'refs/orch/runs/';

const COMPONENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$/;

/** Why `name` cannot be one ref component, or undefined when it can. */
export function explainBadComponent(name: string): string | undefined {
  if (!COMPONENT.test(name)) return 'use 1-200 characters from A-Z a-z 0-9 . _ -, starting with a letter, digit or _';
  if (name.includes('..')) return 'must not contain ".."';
  if (name.endsWith('.lock')) return 'must not end with ".lock"';
  if (name.endsWith('.')) return 'must not end with "."';
  return undefined;
}

export function checkComponent(name: string, what: string): string {
  const problem = explainBadComponent(name);
  if (problem !== undefined) {
    throw new OrchError('REF_INVALID', `invalid ${what} name "${name.slice(0, 80)}": ${problem}`, {
      data: { name },
      hint: `pick a ${what} name like "deploy" or "api-k3f9"`,
    });
  }
  return name;
}

export function claimRef(id: string): string {
  return CLAIMS_PREFIX + checkComponent(id, 'claim');
}

export function lockRef(name: string): string {
  return LOCKS_PREFIX + checkComponent(name, 'lock');
}

export function runRef(id: string): string {
  return RUNS_PREFIX + checkComponent(id, 'run');
}

/** Whether `ref` is a full ref name under refs/ that git's check-ref-format accepts. */
export function isWritableRefName(ref: string): boolean {
  if (!ref.startsWith('refs/') || ref.endsWith('/') || ref.endsWith('.') || ref.includes('//')) return false;
  if (ref.includes('..') || ref.includes('@{') || /[\x00-\x20\x7f~^:?*[\\]/.test(ref)) return false;
  return ref.split('/').every((part) => part.length > 0 && !part.startsWith('.') && !part.endsWith('.lock') && part !== '@');
}

export function checkRefName(ref: string): string {
  if (!isWritableRefName(ref)) {
    throw new OrchError('REF_INVALID', `invalid ref name "${ref.slice(0, 120)}"`, {
      data: { ref },
      hint: 'use refs/<a>/<b> with components of A-Z a-z 0-9 . _ -',
    });
  }
  return ref;
}

export const ZERO_OID = '0000000000000000000000000000000000000000';
const OID = /^[0-9a-f]{40}$/;

export function isOid(value: string): boolean {
  return OID.test(value);
}
