import { join, resolve } from 'node:path';

/**
 * The hook channel's layout (pure). A running watcher owns
 * `<workspace>/.orch/run/triggers/`; a repo's `orch.notify` holds
 * `<that dir>/<key>`, and its hooks truncate `<key>.<hook name>` there.
 * The key is a project name, or another name the watcher chose for a repo
 * (e.g. `_knowledge`; `_` cannot start a project name).
 */

export const TRIGGERS_DIR_NAME = 'triggers';

const KEY = /^[A-Za-z0-9_-]{1,64}$/;
const NOTICE = /^([A-Za-z0-9_-]{1,64})\.([a-z][a-z-]{0,40})$/;

export interface HookNotice {
  key: string;
  hook: string;
}

/** `<runDir>/triggers`; runDir is the workspace's `.orch/run`. */
export function triggersDirOf(runDir: string): string {
  return join(resolve(runDir), TRIGGERS_DIR_NAME);
}

/** The value `orch hooks install` puts into a repo's `orch.notify`. */
export function notifyTargetOf(runDir: string, key: string): string {
  if (!KEY.test(key)) throw new Error(`invalid trigger key ${JSON.stringify(key)}`);
  return join(triggersDirOf(runDir), key);
}

/** `api.post-commit` -> {key: 'api', hook: 'post-commit'}; anything else (temp files, junk) -> undefined. */
export function parseHookNotice(fileName: string): HookNotice | undefined {
  const match = NOTICE.exec(fileName);
  if (match === null) return undefined;
  return { key: match[1] ?? '', hook: match[2] ?? '' };
}
