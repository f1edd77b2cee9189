import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listNotifyTargets } from './hooks-config.js';
import { resolveHooksDir } from './hooks-dir.js';
import type { HookSpec } from './hooks.js';
import { CHAINED_SUFFIX, isOrchHookWrapper, renderHookWrapper } from './hooks-wrapper.js';

/**
 * The state of orch's hooks in one repo, for `orch doctor` and `orch status`:
 * each hook is `current` (orch's wrapper around today's body), `outdated`
 * (orch's, from another version: `orch hooks install` refreshes it),
 * `missing`, or `replaced` (someone else's hook sits there, e.g. a hook
 * manager rewrote it: `orch hooks install` chains it again).
 */

export type HookState = 'current' | 'outdated' | 'missing' | 'replaced';

export interface HooksInspection {
  hooksDir: string;
  /** Why git runs no hooks in this repo, if it does not. */
  disabled?: string;
  hooks: { name: string; state: HookState; chained: boolean }[];
  notifyTargets: string[];
}

export async function inspectHooks(repo: string, specs: readonly HookSpec[]): Promise<HooksInspection> {
  const dir = await resolveHooksDir(repo);
  const hooks: HooksInspection['hooks'] = [];
  for (const spec of specs) {
    const path = join(dir.path, spec.name);
    const chained = (await lstat(path + CHAINED_SUFFIX).catch(() => undefined)) !== undefined;
    hooks.push({ name: spec.name, state: await stateOf(path, spec), chained });
  }
  return {
    hooksDir: dir.path,
    ...(dir.disabled === undefined ? {} : { disabled: dir.disabled }),
    hooks,
    notifyTargets: await listNotifyTargets(repo),
  };
}

async function stateOf(path: string, spec: HookSpec): Promise<HookState> {
  const info = await lstat(path).catch(() => undefined);
  if (info === undefined) return 'missing';
  if (!info.isFile()) return 'replaced';
  const text = await readFile(path, 'utf8');
  if (!isOrchHookWrapper(text)) return 'replaced';
  const wanted = renderHookWrapper(spec.name, await readFile(spec.scriptPath, 'utf8'));
  return text === wanted && (info.mode & 0o111) !== 0 ? 'current' : 'outdated';
}
