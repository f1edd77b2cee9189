import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { OrchError } from '../errors/index.js';
import { parseWorkspaceConfig, type ConfigProblem } from './parse.js';
import type { WorkspaceConfig } from './schema.js';

/** Finding and reading `.orch/workspace.yaml`. */

export const WORKSPACE_DIR = '.orch';
export const WORKSPACE_FILE = 'workspace.yaml';

export function workspaceFile(root: string): string {
  return join(root, WORKSPACE_DIR, WORKSPACE_FILE);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The nearest directory at or above `startDir` holding `.orch/workspace.yaml`. */
export async function findWorkspaceRoot(startDir: string): Promise<string> {
  let dir = resolve(startDir);
  for (;;) {
    if (await isFile(workspaceFile(dir))) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new OrchError('CONFIG_NOT_FOUND', `no orch workspace at or above ${resolve(startDir)}`, {
    hint: 'run `orch init` to create one, or pass --workspace DIR',
    data: { startDir: resolve(startDir) },
  });
}

export interface LoadedWorkspace {
  config: WorkspaceConfig;
  warnings: ConfigProblem[];
}

/** Read, validate and normalise the workspace at `root`; CONFIG_INVALID lists every problem. */
export async function loadWorkspace(root: string): Promise<LoadedWorkspace> {
  const file = workspaceFile(resolve(root));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new OrchError('CONFIG_NOT_FOUND', `${file} does not exist`, {
        hint: 'run `orch init` to create a workspace there, or pass --workspace DIR',
        location: { file },
        cause: error,
      });
    }
    throw error;
  }
  const parsed = parseWorkspaceConfig(text, { file, root: resolve(root) });
  const first = parsed.errors[0];
  if (parsed.config === undefined || first !== undefined) {
    const more = parsed.errors.length > 1 ? ` (and ${parsed.errors.length - 1} more)` : '';
    throw new OrchError('CONFIG_INVALID', `${first?.message ?? 'invalid workspace'}${more}`, {
      location: { file, line: first?.line ?? 1 },
      hint: first?.hint ?? `fix ${file} and run the command again`,
      data: { problems: parsed.errors, warnings: parsed.warnings },
    });
  }
  return { config: parsed.config, warnings: parsed.warnings };
}
