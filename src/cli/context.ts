import { resolve } from 'node:path';
import { Session, type SessionOptions } from '../engine/session.js';
import { findWorkspaceRoot, loadWorkspace, type LoadedWorkspace } from '../workspace/index.js';
import type { GlobalOptions } from './command.js';
import type { Output } from './output.js';

/** The workspace a command works on: `--workspace DIR`, else the nearest parent holding `.orch/`. */
export async function workspaceRootOf(options: GlobalOptions): Promise<string> {
  if (options.workspace !== undefined) return resolve(options.workspace);
  return findWorkspaceRoot(process.cwd());
}

export async function loadWorkspaceFor(options: GlobalOptions, output: Output): Promise<LoadedWorkspace> {
  const loaded = await loadWorkspace(await workspaceRootOf(options));
  for (const warning of loaded.warnings) output.warn(`${warning.file}:${warning.line}: ${warning.message}`);
  return loaded;
}

/** Open a session for the command; always close it (ends git children). */
export async function withSession<T>(options: GlobalOptions, output: Output, fn: (session: Session) => Promise<T>, sessionOptions: SessionOptions = {}): Promise<T> {
  const { config } = await loadWorkspaceFor(options, output);
  const session = new Session(config, sessionOptions);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}
