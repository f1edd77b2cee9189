import { isOrchError, type ErrorCategory } from '../errors/index.js';

/** The only place where errors become exit codes (SPEC §2: 0 ok, 1 work failed, 2 bad usage or input). */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const BY_CATEGORY: Record<ErrorCategory, number> = {
  usage: EXIT.usage,
  input: EXIT.usage,
  work: EXIT.failed,
  internal: EXIT.failed,
};

export function exitCodeFor(error: unknown): number {
  return isOrchError(error) ? BY_CATEGORY[error.category] : EXIT.failed;
}
