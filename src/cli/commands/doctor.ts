import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { lsRemote } from '../../git/remote-transport.js';
import type { ProjectConfig } from '../../workspace/index.js';
import { git } from '../../git/exec.js';
import { inspectHooks } from '../../git/hooks-inspect.js';
import { KNOWLEDGE_HOOK_NAMES, PROJECT_HOOK_NAMES, shippedHookSpecs } from '../../git/hooks-shipped.js';
import { probeSandbox } from '../../sandbox/index.js';
import { findWorkspaceRoot, loadWorkspace } from '../../workspace/index.js';
import { defineAction, withJson, type CommandHost } from '../command.js';
import { isOrchError } from '../../errors/index.js';

/** `orch doctor`: every prerequisite, checked for real, each with how to fix it. */

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

async function checkGit(): Promise<Check> {
  try {
    const version = (await git(process.cwd(), ['--version'])).stdout.trim();
    const match = /(\d+)\.(\d+)/.exec(version);
    const ok = match !== null && (Number(match[1]) > 2 || (Number(match[1]) === 2 && Number(match[2]) >= 38));
    return { name: 'git', ok, detail: version, ...(ok ? {} : { fix: 'install git 2.38 or newer (orch merges with `git merge-tree --write-tree`)' }) };
  } catch (error) {
    return { name: 'git', ok: false, detail: isOrchError(error) ? error.message : String(error), fix: 'install git: apt-get install git' };
  }
}

async function readNumber(path: string): Promise<number | undefined> {
  try {
    return Number((await readFile(path, 'utf8')).trim());
  } catch {
    return undefined;
  }
}

async function checkInotify(): Promise<Check> {
  const watches = await readNumber('/proc/sys/fs/inotify/max_user_watches');
  const instances = await readNumber('/proc/sys/fs/inotify/max_user_instances');
  const ok = (watches ?? 0) >= 1024 && (instances ?? 0) >= 16;
  return {
    name: 'inotify',
    ok,
    detail: `max_user_watches ${watches ?? '?'}, max_user_instances ${instances ?? '?'} (orch uses about 4 watches per project)`,
    ...(ok ? {} : { fix: 'sysctl -w fs.inotify.max_user_watches=65536 fs.inotify.max_user_instances=256' }),
  };
}

async function checkSandbox(): Promise<Check[]> {
  const probe = await probeSandbox();
  const checks: Check[] = [
    { name: 'bubblewrap', ok: probe.bwrap !== undefined, detail: probe.bwrap === undefined ? 'not found' : `${probe.bwrap.path} ${probe.bwrap.version}`, fix: 'apt-get install bubblewrap (or dnf install bubblewrap)' },
    { name: 'user namespaces', ok: probe.userns, detail: probe.userns ? 'a sandbox started' : 'a sandbox could not start', fix: 'sysctl -w kernel.unprivileged_userns_clone=1 (Debian) or set user.max_user_namespaces > 0; on Ubuntu 24.04+ allow bwrap in AppArmor' },
    { name: 'seccomp', ok: probe.seccomp, detail: probe.seccomp ? 'filter in force' : 'filter not in force', fix: 'a kernel with CONFIG_SECCOMP_FILTER' },
    { name: 'overlayfs', ok: probe.overlay, detail: probe.overlay ? 'unprivileged overlay works (copy-on-write checkouts)' : 'not available: checkouts are copied (slower)', fix: 'Linux 5.11+ allows overlayfs in user namespaces' },
    { name: 'limits', ok: probe.limits, detail: probe.limits ? 'prlimit available' : 'prlimit missing: no process/file limits', fix: 'apt-get install util-linux' },
  ];
  if (probe.identity !== undefined) checks.push({ name: 'sandbox user', ok: true, detail: `running as root: sandboxes run as uid ${probe.identity.uid}` });
  for (const problem of probe.problems) checks.push({ name: problem.what, ok: false, detail: problem.detail, fix: problem.hint });
  return dedupe(checks);
}

function dedupe(checks: Check[]): Check[] {
  const seen = new Set<string>();
  return checks.filter((c) => {
    const key = `${c.name}:${c.detail}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }).map((c) => (c.ok ? { name: c.name, ok: true, detail: c.detail } : c));
}

/** A project's shared remote answers and has its target branch. */
async function checkRemote(project: ProjectConfig): Promise<Check> {
  const url = project.remote?.url ?? '';
  const name = `remote ${project.name}`;
  try {
    const listed = await lsRemote(project.path, url, [`refs/heads/${project.branch}`], { timeoutMs: 15_000 });
    if (listed.kind !== 'ok') return { name, ok: false, detail: `${url} does not answer: ${listed.message}`, fix: `check the URL and your access (git ls-remote ${url})` };
    if (!listed.refs.has(`refs/heads/${project.branch}`)) return { name, ok: false, detail: `${url} has no branch ${project.branch}`, fix: `push it once: git -C ${project.path} push ${url} ${project.branch}` };
    return { name, ok: true, detail: `${url} answers; ${project.branch} at ${listed.refs.get(`refs/heads/${project.branch}`)?.slice(0, 10) ?? '?'}` };
  } catch (error) {
    return { name, ok: false, detail: isOrchError(error) ? error.message : String(error), fix: 'fix the remote in workspace.yaml' };
  }
}

async function checkHooks(workspace: string | undefined): Promise<Check[]> {
  let root: string;
  try {
    root = workspace ?? (await findWorkspaceRoot(process.cwd()));
  } catch {
    return [{ name: 'workspace', ok: true, detail: 'no workspace here (hooks not checked); create one with orch init' }];
  }
  try {
    const { config } = await loadWorkspace(root);
    const checks: Check[] = [{ name: 'workspace', ok: true, detail: `${config.file}: ${config.projects.length} project(s)` }];
    const repos = [...config.projects.map((p) => ({ name: `hooks ${p.name}`, path: p.path, specs: shippedHookSpecs(PROJECT_HOOK_NAMES) })), { name: 'hooks knowledge', path: config.knowledge, specs: shippedHookSpecs(KNOWLEDGE_HOOK_NAMES) }];
    for (const repo of repos) {
      try {
        const inspection = await inspectHooks(repo.path, repo.specs);
        const bad = inspection.hooks.filter((h) => h.state !== 'current');
        const ok = bad.length === 0 && inspection.disabled === undefined;
        checks.push({ name: repo.name, ok, detail: inspection.disabled ?? (ok ? `installed in ${inspection.hooksDir}` : bad.map((h) => `${h.name} ${h.state}`).join(', ')), fix: 'orch hooks install' });
      } catch (error) {
        checks.push({ name: repo.name, ok: false, detail: isOrchError(error) ? error.message : String(error), fix: 'check the path in workspace.yaml' });
      }
    }
    checks.push(...(await Promise.all(config.projects.filter((p) => p.remote !== undefined).map((p) => checkRemote(p)))));
    return dedupe(checks);
  } catch (error) {
    return [{ name: 'workspace', ok: false, detail: isOrchError(error) ? error.message : String(error), fix: isOrchError(error) ? (error.hint ?? 'fix workspace.yaml') : 'fix workspace.yaml' }];
  }
}

export function registerDoctor(program: Command, host: CommandHost): void {
  const doctor = withJson(program.command('doctor').description('check git, bubblewrap, user namespaces, overlayfs, inotify limits and hooks; say how to fix each'));
  defineAction(doctor, host, async (options, output) => {
    const checks = [await checkGit(), ...(await checkSandbox()), await checkInotify(), ...(await checkHooks(options.workspace))];
    const failed = checks.filter((c) => !c.ok);
    output.result({ ok: failed.length === 0, checks }, () =>
      [...checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}${c.ok || c.fix === undefined ? '' : `\n        fix: ${c.fix}`}`), '', failed.length === 0 ? 'all checks passed' : `${failed.length} check(s) failed`].join('\n'),
    );
    return failed.length === 0 ? 0 : 1;
  });
}
