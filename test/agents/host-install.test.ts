import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { locateProgram, mergeBinds, nodePackageRoot, parseShebang } from '../../src/agents/host-install.js';
import { makeNpmInstall, makeSingleFileInstall, makeVenvInstall } from './fake-installs.js';

describe('host install lookup (pure parts)', () => {
  it('finds the top package dir of a file under node_modules, scoped or not', () => {
    expect(nodePackageRoot('/n/lib/node_modules/@anthropic-ai/claude-code/cli.js')).toBe('/n/lib/node_modules/@anthropic-ai/claude-code');
    expect(nodePackageRoot('/n/lib/node_modules/aider-x/bin/run.js')).toBe('/n/lib/node_modules/aider-x');
    expect(nodePackageRoot('/n/lib/node_modules/top/node_modules/dep/bin.js')).toBe('/n/lib/node_modules/top');
    expect(nodePackageRoot('/home/me/.local/bin/claude')).toBeUndefined();
    expect(nodePackageRoot('/n/node_modules/@scope')).toBeUndefined();
  });

  it('reads the interpreter of a #! line, through env and its flags', () => {
    expect(parseShebang('#!/usr/bin/env node\nx')).toEqual({ name: 'node' });
    expect(parseShebang('#!/usr/bin/env -S node --no-warnings\n')).toEqual({ name: 'node' });
    expect(parseShebang('#! /opt/py/bin/python3 -u\n')).toEqual({ path: '/opt/py/bin/python3' });
    expect(parseShebang('\x7fELF...')).toBeUndefined();
  });

  it('merges binds: duplicates and paths inside a same-path directory bind go, parents come first', () => {
    expect(
      mergeBinds([
        { host: '/a/pkg/x', sandbox: '/a/pkg/x' },
        { host: '/a/pkg', sandbox: '/a/pkg' },
        { host: '/t/node', sandbox: '/a/pkg/bin/node' },
        { host: '/b/node', sandbox: '/b/node' },
        { host: '/b/node', sandbox: '/b/node' },
      ]),
    ).toEqual([
      { host: '/a/pkg', sandbox: '/a/pkg' },
      { host: '/b/node', sandbox: '/b/node' },
    ]);
  });
});

describe('locateProgram', () => {
  it('runs a program found under /usr by its absolute path, with nothing bound', async () => {
    const sh = await locateProgram('sh', { pathEnv: '/bin:/usr/bin' });
    // /bin is a link to /usr/bin here: the directory link is resolved, the name kept.
    expect(sh?.program).toBe(join(await realpath('/bin'), 'sh'));
    expect(sh?.roBinds).toEqual([]);
    expect(sh?.pathDirs).toEqual([]);
  });

  it('returns undefined for a program that is not on PATH, and skips relative PATH entries', async () => {
    expect(await locateProgram('surely-not-installed-orch-agent', { pathEnv: '/usr/bin:/bin' })).toBeUndefined();
    expect(await locateProgram('sh', { pathEnv: '.:bin' })).toBeUndefined();
    expect(await locateProgram('./relative/agent', { pathEnv: '/usr/bin' })).toBeUndefined();
  });

  it('binds an npm-global CLI\'s package dir and its node interpreter, and puts node\'s dir on PATH', async () => {
    const npm = await makeNpmInstall('claude', '@anthropic-ai/claude-code');
    const install = await locateProgram('claude', { pathEnv: npm.pathEnv });
    const pkgDir = await realpath(npm.pkgDir);
    const nodeFile = await realpath(join(npm.prefix, 'bin', 'node'));
    expect(install).toEqual({
      program: join(pkgDir, 'cli.js'),
      roBinds: [
        { host: nodeFile, sandbox: nodeFile },
        { host: pkgDir, sandbox: pkgDir },
      ].sort((a, b) => a.sandbox.length - b.sandbox.length),
      pathDirs: [join(npm.prefix, 'bin')],
    });
    // The prefix itself (other globally installed packages, nvm's cache) is not bound.
    expect(install?.roBinds.some((b) => b.host === npm.prefix)).toBe(false);
  });

  it('binds a pipx-like venv and the interpreter prefix its python links to', async () => {
    const venv = await makeVenvInstall('aider');
    const install = await locateProgram('aider', { pathEnv: venv.pathEnv });
    expect(install?.program).toBe(join(venv.venv, 'bin', 'aider'));
    expect(install?.roBinds).toEqual([
      { host: venv.pyPrefix, sandbox: venv.pyPrefix },
      { host: venv.venv, sandbox: venv.venv },
    ].sort((a, b) => a.sandbox.length - b.sandbox.length));
  });

  it('binds a single-file program alone (not its directory)', async () => {
    const single = await makeSingleFileInstall('codex', '#!/bin/sh\necho hi\n');
    const install = await locateProgram('codex', { pathEnv: single.pathEnv });
    expect(install).toEqual({ program: single.file, roBinds: [{ host: single.file, sandbox: single.file }], pathDirs: [] });
  });

  it('locates an absolute host path the same way', async () => {
    const single = await makeSingleFileInstall('tool', '#!/bin/sh\n');
    const install = await locateProgram(single.file, { pathEnv: '/usr/bin' });
    expect(install?.roBinds).toEqual([{ host: single.file, sandbox: single.file }]);
  });
});
