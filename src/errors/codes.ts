/**
 * Stable error codes. A code never changes meaning once shipped; tests and
 * `--json` consumers match on it. `category` decides the exit code in cli/:
 *   usage, input -> 2 (the person asked for something malformed)
 *   work         -> 1 (the work itself failed)
 *   internal     -> 1 (a bug or an environment problem)
 */
export const ERROR_CODES = {
  USAGE: 'usage',
  CONFIG_NOT_FOUND: 'input',
  CONFIG_INVALID: 'input',
  WORKSPACE_EXISTS: 'input',
  PROJECT_UNKNOWN: 'input',
  PROJECT_EXISTS: 'input',
  NOT_A_REPO: 'input',
  BRANCH_NOT_FOUND: 'input',
  BEAD_INVALID: 'input',
  BEAD_NOT_FOUND: 'input',
  BEAD_EXISTS: 'input',
  ID_EXHAUSTED: 'internal',
  GIT_FAILED: 'work',
  GIT_MISSING: 'internal',
  REF_CONFLICT: 'work',
  REF_INVALID: 'input',
  LOCK_HELD: 'work',
  LOCK_NOT_HELD: 'work',
  CLAIM_LOST: 'work',
  LANDING_CONFLICT: 'work',
  PROCESS_FAILED: 'work',
  PROCESS_TIMEOUT: 'work',
  SANDBOX_UNAVAILABLE: 'internal',
  SANDBOX_UNSAFE: 'work',
  SANDBOX_FAILED: 'work',
  SNAPSHOT_DENIED: 'input',
  SNAPSHOT_FAILED: 'work',
  SCOPE_VIOLATION: 'work',
  LESSON_INVALID: 'input',
  LESSON_REFUSED: 'input',
  LESSON_NOT_FOUND: 'input',
  REVIEWER_UNKNOWN: 'input',
  KNOWLEDGE_UNVERIFIED: 'work',
  KNOWLEDGE_INVALID: 'input',
  WATCHER_RUNNING: 'work',
  AGENT_UNKNOWN: 'input',
  AGENT_NO_SCRIPT: 'input',
  AGENT_MISSING: 'internal',
  UI_PORT_IN_USE: 'input',
  REMOTE_UNREACHABLE: 'work',
  REMOTE_REJECTED: 'work',
  INTERNAL: 'internal',
} as const satisfies Record<string, ErrorCategory>;

export type ErrorCategory = 'usage' | 'input' | 'work' | 'internal';
export type ErrorCode = keyof typeof ERROR_CODES;

export function categoryOf(code: ErrorCode): ErrorCategory {
  return ERROR_CODES[code];
}
