import { describe, expect, it } from 'vitest';
import { orch } from './cli-harness.js';

/** Every command of this area answers --help with exit 0 and its usage line, without needing a workspace. */
const COMMANDS = [
  ['lessons'],
  ['lessons', 'list'],
  ['lessons', 'propose'],
  ['lessons', 'show'],
  ['lessons', 'approve'],
  ['lessons', 'reject'],
  ['lessons', 'verify'],
  ['hooks'],
  ['hooks', 'install'],
  ['hooks', 'uninstall'],
  ['lock'],
  ['lock', 'acquire'],
  ['lock', 'release'],
  ['lock', 'list'],
  ['snapshot'],
  ['sandbox'],
  ['sandbox', 'exec'],
];

describe.concurrent('--help', () => {
  it.each(COMMANDS.map((c) => [c.join(' '), c] as const))('orch %s --help exits 0 with its usage', async (name, command) => {
    const result = await orch([...command, '--help'], { cwd: '/' });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Usage: orch ${name}`);
  });

  it('an unknown subcommand is bad usage (exit 2)', async () => {
    const result = await orch(['lock', 'grab', 'x'], { cwd: '/' });
    expect(result.exitCode).toBe(2);
  });

  it('outside a workspace a command says how to make one (exit 2)', async () => {
    const result = await orch(['lock', 'list'], { cwd: '/' });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('orch init');
  });
});
