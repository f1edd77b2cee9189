import { constants } from 'node:fs';
import { access, open, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { ReadOnlyBind } from './types.js';

/**
 * Where an agent program lives on the host, and what must be bound read-only
 * into the sandbox for it to run there. The sandbox sees /usr; anything else
 * (an npm-global CLI under ~/.nvm, a pipx venv, a single-file binary under
 * ~/.local) is bound at its own path. Recognised shapes:
 * - a file inside `node_modules/<pkg>` (or `@scope/<pkg>`): the package dir;
 * - a script in `<venv>/bin` next to `pyvenv.cfg`: the venv, plus the
 *   interpreter's install prefix when that is outside /usr too;
 * - anything else: the file alone.
 * A `#!` interpreter outside /usr (e.g. `#!/usr/bin/env node` with node from
 * nvm) is bound as a single file and its directory put first on PATH.
 * Not covered: a script whose libraries live elsewhere (e.g. `pip --user`
 * packages under ~/.local/lib); use a venv (pipx, uv tool) for those.
 */

export interface AgentInstall {
  /** The program to run inside the sandbox: an absolute path (bound at the same path when outside /usr). */
  program: string;
  roBinds: ReadOnlyBind[];
  /** Directories to put first on PATH inside the sandbox. */
  pathDirs: string[];
}

export interface LocateOptions {
  /** The host PATH to search (default: this process's PATH). */
  pathEnv?: string;
}

/** Paths the sandbox already sees. */
export function isSystemPath(path: string): boolean {
  return path === '/usr' || path.startsWith('/usr/');
}

/** `/x/lib/node_modules/@scope/pkg/bin/cli.js` -> `/x/lib/node_modules/@scope/pkg` (first node_modules, so a nested dep stays inside its top package). */
export function nodePackageRoot(path: string): string | undefined {
  const parts = path.split('/');
  const at = parts.indexOf('node_modules');
  if (at < 0) return undefined;
  const first = parts[at + 1];
  if (first === undefined || first === '') return undefined;
  const take = first.startsWith('@') ? at + 3 : at + 2;
  if (parts.length < take || (parts[take - 1] ?? '') === '') return undefined;
  return parts.slice(0, take).join('/');
}

/** The interpreter a `#!` line names: `{path}` for `#!/abs/x`, `{name}` for `#!/usr/bin/env [-S] x`. */
export function parseShebang(head: string): { path: string } | { name: string } | undefined {
  if (!head.startsWith('#!')) return undefined;
  const words = (head.slice(2).split('\n', 1)[0] ?? '').trim().split(/[ \t]+/);
  const first = words[0];
  if (first === undefined || first === '') return undefined;
  if (basename(first) !== 'env') return { path: first };
  const name = words.slice(1).find((word) => !word.startsWith('-') && !word.includes('='));
  return name === undefined ? undefined : { name };
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The first executable `name` on an absolute PATH entry (relative entries like `.` are skipped). */
export async function findOnPath(name: string, pathEnv: string): Promise<string | undefined> {
  for (const dir of pathEnv.split(':')) {
    if (!isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

async function readHead(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(256);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('latin1');
  } finally {
    await handle.close();
  }
}

/** The binds for a program file outside /usr. */
async function bindsForProgram(real: string): Promise<ReadOnlyBind[]> {
  const pkg = nodePackageRoot(real);
  if (pkg !== undefined) return [{ host: pkg, sandbox: pkg }];
  const binDir = dirname(real);
  const venv = dirname(binDir);
  if (basename(binDir) === 'bin' && (await exists(join(venv, 'pyvenv.cfg')))) {
    const binds: ReadOnlyBind[] = [{ host: venv, sandbox: venv }];
    const python = await realpath(join(binDir, 'python')).catch(() => undefined);
    if (python !== undefined && !isSystemPath(python) && !python.startsWith(`${venv}/`) && basename(dirname(python)) === 'bin') {
      const prefix = dirname(dirname(python));
      binds.push({ host: prefix, sandbox: prefix });
    }
    return binds;
  }
  return [{ host: real, sandbox: real }];
}

/**
 * A file outside /usr reachable at `path` in the sandbox: bound at its real
 * location, and at `path` too when that is a link (mergeBinds drops whichever
 * lies inside a directory bound anyway).
 */
async function bindsForFile(path: string): Promise<ReadOnlyBind[] | undefined> {
  const target = await realpath(path).catch(() => undefined);
  if (target === undefined || isSystemPath(target)) return undefined;
  return target === path ? [{ host: target, sandbox: target }] : [{ host: target, sandbox: target }, { host: target, sandbox: path }];
}

/** Binds and PATH entries for the `#!` interpreter of a script, when it lives outside /usr. */
async function interpreterNeeds(real: string, pathEnv: string): Promise<Pick<AgentInstall, 'roBinds' | 'pathDirs'>> {
  const none = { roBinds: [], pathDirs: [] };
  const shebang = parseShebang(await readHead(real).catch(() => ''));
  if (shebang === undefined) return none;
  if ('path' in shebang) {
    if (isSystemPath(shebang.path)) return none;
    const binds = await bindsForFile(shebang.path);
    return binds === undefined ? none : { roBinds: binds, pathDirs: [] };
  }
  const found = await findOnPath(shebang.name, pathEnv);
  if (found === undefined || isSystemPath(found)) return none;
  const binds = await bindsForFile(found);
  return binds === undefined ? none : { roBinds: binds, pathDirs: [dirname(found)] };
}

/**
 * Drop duplicates and binds at or below a same-path bind (there the sandbox
 * shows the host's own file anyway); parents first, as bwrap needs them.
 */
export function mergeBinds(binds: readonly ReadOnlyBind[]): ReadOnlyBind[] {
  const out: ReadOnlyBind[] = [];
  for (const bind of [...binds].sort((a, b) => a.sandbox.length - b.sandbox.length)) {
    const covered = out.some(
      (kept) => bind.sandbox === kept.sandbox || (kept.host === kept.sandbox && bind.sandbox.startsWith(`${kept.sandbox}/`)),
    );
    if (!covered) out.push(bind);
  }
  return out;
}

/**
 * Find `program` (a bare name on the host PATH, or an absolute host path) and
 * say how to run it in the sandbox. Undefined when it is not on the host.
 */
export async function locateProgram(program: string, options: LocateOptions = {}): Promise<AgentInstall | undefined> {
  const pathEnv = options.pathEnv ?? process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
  const bare = !program.includes('/');
  if (!bare && !isAbsolute(program)) return undefined;
  const found = bare ? await findOnPath(program, pathEnv) : (await isExecutableFile(program)) ? program : undefined;
  if (found === undefined) return undefined;
  const real = await realpath(found);
  const interpreter = await interpreterNeeds(real, pathEnv);
  // Resolve directory links only (/bin -> /usr/bin keeps the name a multi-call binary looks at).
  const inRealDir = join(await realpath(dirname(found)), basename(found));
  if (isSystemPath(inRealDir) || isSystemPath(real)) {
    return { program: isSystemPath(inRealDir) ? inRealDir : real, roBinds: mergeBinds(interpreter.roBinds), pathDirs: interpreter.pathDirs };
  }
  const binds = await bindsForProgram(real);
  return { program: real, roBinds: mergeBinds([...binds, ...interpreter.roBinds]), pathDirs: interpreter.pathDirs };
}
