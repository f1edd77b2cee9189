import { link, lstat, mkdir, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { OrchError } from '../errors/index.js';
import { writeFileAtomic } from '../sys/atomic-file.js';
import { git } from './exec.js';
import { addNotifyTarget, removeNotifyTargets } from './hooks-config.js';
import { resolveHooksDir } from './hooks-dir.js';
import { CHAINED_SUFFIX, isOrchHookWrapper, isValidHookName, renderHookWrapper } from './hooks-wrapper.js';

/**
 * `orch hooks install|uninstall` for one repo. orch writes only its own
 * wrapper (recognised by a marker line) into the hooks directory git really
 * uses; a hook that was there is kept byte for byte as `<name>.orch-chained`
 * (a hard link, so the original path never goes missing) and the wrapper runs
 * it first. Uninstall renames it back: same inode, same content and mode.
 */

export interface HookSpec {
  /** Git's hook name, e.g. post-commit. */
  name: string;
  /** orch's hook body: a POSIX sh script (the shipped `hooks/<name>`). */
  scriptPath: string;
}

export interface InstallHooksOptions {
  hooks: readonly HookSpec[];
  /** Added to the repo's `orch.notify` (see hooks-config.ts); omit for hooks that notify nobody. */
  notifyTarget?: string;
}

export interface HookInstallReport {
  hooksDir: string;
  /** Hooks orch wrote or rewrote. */
  installed: string[];
  /** Of those, the ones that wrap a hook that was there before. */
  chained: string[];
  /** Already installed with the same content. */
  unchanged: string[];
  /** Not installed; `warnings` says why. */
  skipped: string[];
  warnings: string[];
}

export interface UninstallHooksOptions {
  /** Remove only this workspace's target; the wrappers stay while other targets remain. */
  notifyTarget?: string;
}

export interface HookUninstallReport {
  hooksDir: string;
  /** Wrappers deleted (nothing was there before orch). */
  removed: string[];
  /** Originals put back in place of the wrapper. */
  restored: string[];
  /** Other workspaces' targets still in `orch.notify` (the wrappers were left for them). */
  keptFor: string[];
  warnings: string[];
}

export async function installHooks(repo: string, options: InstallHooksOptions): Promise<HookInstallReport> {
  const dir = await resolveHooksDir(repo);
  const report: HookInstallReport = { hooksDir: dir.path, installed: [], chained: [], unchanged: [], skipped: [], warnings: [] };
  if (dir.disabled !== undefined) {
    report.skipped.push(...options.hooks.map((hook) => hook.name));
    report.warnings.push(`${dir.disabled}; orch sees this repo's commits by watching its refs instead`);
  } else {
    await mkdir(dir.path, { recursive: true });
    for (const hook of options.hooks) await installOne(dir.path, hook, report);
  }
  if (options.notifyTarget !== undefined) await addNotifyTarget(repo, options.notifyTarget);
  if (report.installed.length > 0) await warnIfVisible(repo, dir.path, report);
  return report;
}

/** A hooks dir inside the working tree that git does not ignore (e.g. a committed `.githooks/`) shows orch's files in `git status`. */
async function warnIfVisible(repo: string, hooksDir: string, report: HookInstallReport): Promise<void> {
  const status = await git(repo, ['status', '--porcelain', '--untracked-files=all', '--', hooksDir], { reject: false });
  if (status.exitCode !== 0 || status.stdout.trim() === '') return;
  report.warnings.push(
    `${hooksDir} is part of the working tree, so orch's hook files show in git status there; do not commit them (\`orch hooks uninstall\` puts the originals back)`,
  );
}

async function installOne(hooksDir: string, hook: HookSpec, report: HookInstallReport): Promise<void> {
  if (!isValidHookName(hook.name)) throw new OrchError('INTERNAL', `invalid hook name ${JSON.stringify(hook.name)}`);
  const path = join(hooksDir, hook.name);
  const chained = path + CHAINED_SUFFIX;
  const wrapper = renderHookWrapper(hook.name, await readFile(hook.scriptPath, 'utf8'));
  const current = await lstat(path).catch(() => undefined);
  if (current?.isDirectory() === true) {
    report.skipped.push(hook.name);
    report.warnings.push(`${path} is a directory; not touched`);
    return;
  }
  if (current !== undefined) {
    const text = current.isFile() ? await readFile(path, 'utf8') : undefined;
    if (text !== undefined && isOrchHookWrapper(text)) {
      if (text === wrapper && (current.mode & 0o111) !== 0) {
        report.unchanged.push(hook.name);
        return;
      }
    } else {
      await moveAside(path, chained, report);
      report.chained.push(hook.name);
    }
  } else if (await exists(chained)) {
    report.chained.push(hook.name);
  }
  await writeFileAtomic(path, wrapper, 0o755);
  report.installed.push(hook.name);
}

/** Keeps a foreign hook as `<name>.orch-chained` while `path` stays in place. */
async function moveAside(path: string, chained: string, report: HookInstallReport): Promise<void> {
  if (await exists(chained)) {
    // The wrapper was replaced (a hook manager rewrote it) while an older original was kept.
    if (await sameContent(path, chained)) {
      await unlink(chained);
    } else {
      const backup = `${chained}-${new Date().toISOString().replace(/[-:.]/g, '')}`;
      await rename(chained, backup);
      report.warnings.push(`${chained} held an older hook than ${path}; it is kept as ${backup}`);
    }
  }
  try {
    await link(path, chained);
  } catch (error) {
    throw new OrchError('INTERNAL', `could not keep ${path} as ${chained}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      cause: error,
      hint: 'the hooks directory must allow hard links; move the hook aside by hand and run orch hooks install again',
    });
  }
}

export async function uninstallHooks(repo: string, options: UninstallHooksOptions = {}): Promise<HookUninstallReport> {
  const dir = await resolveHooksDir(repo);
  const report: HookUninstallReport = { hooksDir: dir.path, removed: [], restored: [], keptFor: [], warnings: [] };
  const left = await removeNotifyTargets(repo, options.notifyTarget);
  if (options.notifyTarget !== undefined && left.length > 0) {
    report.keptFor.push(...left);
    return report;
  }
  if (dir.disabled !== undefined) return report;
  const names = new Set<string>();
  for (const entry of await readdir(dir.path).catch(() => [] as string[])) {
    names.add(entry.endsWith(CHAINED_SUFFIX) ? entry.slice(0, -CHAINED_SUFFIX.length) : entry);
  }
  for (const name of [...names].sort()) await uninstallOne(dir.path, name, report);
  return report;
}

async function uninstallOne(hooksDir: string, name: string, report: HookUninstallReport): Promise<void> {
  const path = join(hooksDir, name);
  const chained = path + CHAINED_SUFFIX;
  const current = await lstat(path).catch(() => undefined);
  const ours = current?.isFile() === true && isOrchHookWrapper(await readFile(path, 'utf8'));
  const hasChained = await exists(chained);
  if (current !== undefined && !ours) {
    if (!hasChained) return;
    if (await sameContent(path, chained)) {
      await unlink(chained);
      return;
    }
    report.warnings.push(`${path} is no longer orch's wrapper, so the hook orch kept as ${chained} was left there`);
    return;
  }
  if (hasChained) {
    await rename(chained, path);
    report.restored.push(name);
  } else if (ours) {
    await unlink(path);
    report.removed.push(name);
  }
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}

async function sameContent(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([lstat(a), lstat(b)]);
  if (sa.isSymbolicLink() || sb.isSymbolicLink() || sa.mode !== sb.mode) return false;
  const [ta, tb] = await Promise.all([readFile(a), readFile(b)]);
  return ta.equals(tb);
}
