import { execFileSync } from 'node:child_process';

/**
 * Whether a real tool is here. A test that needs it may skip on a person's
 * machine, but under CI=true a missing tool is a failure, never a skip.
 */
export function hasCommand(command: string, args: string[] = ['--version']): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const IN_CI = process.env.CI === 'true';

/** Returns true when the test should be skipped; throws under CI. */
export function skipUnless(available: boolean, what: string): boolean {
  if (available) return false;
  if (IN_CI) throw new Error(`${what} is required under CI=true but is missing`);
  return true;
}

export const HAS_BWRAP = hasCommand('bwrap');
