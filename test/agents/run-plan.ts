import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AgentPlan } from '../../src/agents/types.js';
import { tempDir } from '../support/tmp.js';

/**
 * Runs an AgentPlan the way the engine will, in a minimal bubblewrap sandbox
 * built here (the real profile lives in src/sandbox/): /usr read-only, the
 * project read-write at /project, the plan's files at /orch, its binds.
 */
export async function runPlanInBwrap(plan: AgentPlan, project: string): Promise<{ status: number; stdout: string; stderr: string }> {
  const orch = await tempDir('orch-plan-');
  for (const file of plan.files) {
    if (!file.sandboxPath.startsWith('/orch/')) throw new Error(`plan file outside /orch: ${file.sandboxPath}`);
    const host = join(orch, file.sandboxPath.slice('/orch/'.length));
    await mkdir(dirname(host), { recursive: true });
    await writeFile(host, file.content);
    await chmod(host, file.mode);
  }
  const args = ['--unshare-all', '--die-with-parent', '--new-session', '--clearenv', '--ro-bind', '/usr', '/usr'];
  for (const link of ['bin', 'lib', 'lib64', 'sbin']) if (existsSync(`/${link}`)) args.push('--symlink', `usr/${link}`, `/${link}`);
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--bind', project, '/project', '--ro-bind', orch, '/orch');
  for (const bind of plan.roBinds ?? []) args.push('--ro-bind', bind.host, bind.sandbox);
  const env = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/tmp', ...plan.env };
  for (const [key, value] of Object.entries(env)) args.push('--setenv', key, value);
  args.push('--chdir', '/project', '--', ...plan.command);
  const result = spawnSync('bwrap', args, { encoding: 'utf8', env: {}, timeout: 30_000 });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
