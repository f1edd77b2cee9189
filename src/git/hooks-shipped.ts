import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HookSpec } from './hooks.js';

/** The hooks orch installs in every project repo: each notifies a running watcher. */
export const PROJECT_HOOK_NAMES = ['post-commit', 'post-merge', 'post-checkout', 'post-rewrite'] as const;

/** The hook orch installs in the knowledge repo: it guards `main`. */
export const KNOWLEDGE_HOOK_NAMES = ['reference-transaction'] as const;

let cached: string | undefined;

/**
 * The package's `hooks/` folder. Found by walking up from this module, so it
 * works from `src/git/` (tests) and from `dist/src/git/` (the built package).
 */
export function shippedHooksDir(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'hooks', 'post-commit'))) {
      cached = join(dir, 'hooks');
      return cached;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`orch's hooks/ folder was not found above ${fileURLToPath(import.meta.url)}`);
}

/** Install specs for shipped hooks by name. */
export function shippedHookSpecs(names: readonly string[]): HookSpec[] {
  const dir = shippedHooksDir();
  return names.map((name) => ({ name, scriptPath: join(dir, name) }));
}
