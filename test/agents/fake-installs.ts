import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tempDir } from '../support/tmp.js';

/** Fake agent installs on the host, shaped like the real ones, for host-install and preset tests. */

async function put(path: string, content: string, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  await chmod(path, mode);
}

/**
 * An npm-global CLI under an nvm-like prefix: `<prefix>/bin/<name>` links to
 * `../lib/node_modules/<pkg>/cli.js` (`#!/usr/bin/env node`), and
 * `<prefix>/bin/node` is the interpreter (a wrapper around /usr/bin/node, so
 * it lives outside /usr like nvm's node). The CLI records what it was given
 * in /project/<name>-ran.json.
 */
export async function makeNpmInstall(name: string, pkg: string): Promise<{ prefix: string; pkgDir: string; pathEnv: string }> {
  const prefix = join(await tempDir('orch-nvm-'), 'versions', 'node', 'v20.0.0');
  const pkgDir = join(prefix, 'lib', 'node_modules', pkg);
  await put(join(pkgDir, 'package.json'), JSON.stringify({ name: pkg, bin: { [name]: 'cli.js' } }));
  await put(join(pkgDir, 'lib', 'helper.js'), "exports.name = 'helper';\n");
  await put(
    join(pkgDir, 'cli.js'),
    [
      '#!/usr/bin/env node',
      "const fs = require('node:fs');",
      "let stdin = '';",
      "try { stdin = fs.readFileSync(0, 'utf8'); } catch {}",
      "const helper = require('./lib/helper.js');",
      `fs.writeFileSync('/project/${name}-ran.json', JSON.stringify({ argv: process.argv.slice(2), stdin, cwd: process.cwd(), helper: helper.name, path: process.env.PATH }));`,
      '',
    ].join('\n'),
    0o755,
  );
  await mkdir(join(prefix, 'bin'), { recursive: true });
  await symlink(`../lib/node_modules/${pkg}/cli.js`, join(prefix, 'bin', name));
  await put(join(prefix, 'bin', 'node'), '#!/bin/sh\nexec /usr/bin/node "$@"\n', 0o755);
  return { prefix, pkgDir, pathEnv: `${join(prefix, 'bin')}:/usr/bin:/bin` };
}

/**
 * A pipx-like venv: `<root>/venvs/<name>/bin/<name>` with `#!<venv>/bin/python`,
 * `bin/python` a link to an interpreter in another prefix outside /usr, and
 * `<root>/bin/<name>` linking to the venv script.
 */
export async function makeVenvInstall(name: string): Promise<{ venv: string; pyPrefix: string; pathEnv: string }> {
  const root = await tempDir('orch-pipx-');
  const venv = join(root, 'venvs', name);
  const pyPrefix = join(root, 'python', 'cpython-3.12');
  await put(join(pyPrefix, 'bin', 'python3.12'), '#!/bin/sh\nexec /bin/sh "$@"\n', 0o755);
  await put(join(venv, 'pyvenv.cfg'), `home = ${join(pyPrefix, 'bin')}\n`);
  await mkdir(join(venv, 'bin'), { recursive: true });
  await symlink(join(pyPrefix, 'bin', 'python3.12'), join(venv, 'bin', 'python'));
  await put(join(venv, 'bin', name), `#!${join(venv, 'bin', 'python')}\necho "${name} ran: $*" > /project/${name}-ran.txt\n`, 0o755);
  await mkdir(join(root, 'bin'), { recursive: true });
  await symlink(join(venv, 'bin', name), join(root, 'bin', name));
  return { venv, pyPrefix, pathEnv: `${join(root, 'bin')}:/usr/bin:/bin` };
}

/** A single-file program (like a native CLI binary) outside /usr. */
export async function makeSingleFileInstall(name: string, script: string): Promise<{ file: string; pathEnv: string }> {
  const root = await tempDir('orch-local-');
  const file = join(root, 'share', name, 'versions', '1.0.0');
  await put(file, script, 0o755);
  await mkdir(join(root, 'bin'), { recursive: true });
  await symlink(file, join(root, 'bin', name));
  return { file, pathEnv: `${join(root, 'bin')}:/usr/bin:/bin` };
}
