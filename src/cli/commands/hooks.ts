import type { Command } from 'commander';
import { isOrchError } from '../../errors/index.js';
import { notifyTargetOf } from '../../engine/triggers/index.js';
import { runDirsOf } from '../../engine/run-dirs.js';
import { installHooks, uninstallHooks, type HookInstallReport, type HookUninstallReport } from '../../git/hooks.js';
import { KNOWLEDGE_HOOK_NAMES, PROJECT_HOOK_NAMES, shippedHookSpecs } from '../../git/hooks-shipped.js';
import type { WorkspaceConfig } from '../../workspace/index.js';
import { defineAction, withJson, type CommandHost } from '../command.js';
import { loadWorkspaceFor } from '../context.js';
import { describeError, type Output } from '../output.js';

/**
 * `orch hooks install | uninstall`: orch's hooks in every project (they tell
 * a running watcher about commits) and the knowledge repo (its guard on
 * `main`). Each repo gets this workspace's trigger path in `orch.notify`;
 * uninstall removes only that, and restores the hooks orch chained.
 */

/** The trigger key of the knowledge repo (a project name cannot start with `_`). */
export const KNOWLEDGE_TRIGGER_KEY = '_knowledge';

interface RepoTarget {
  /** A project name, or KNOWLEDGE_TRIGGER_KEY. */
  key: string;
  path: string;
  hooks: readonly string[];
}

export type RepoHooksReport<R> = { key: string; repo: string } & ({ ok: true; report: R } | { ok: false; error: unknown });

function notifyTarget(root: string, key: string): string {
  return notifyTargetOf(runDirsOf(root).root, key);
}

/** Installs the project hooks in one project; `orch add` calls this. */
export function installProjectHooks(root: string, project: { name: string; path: string }): Promise<HookInstallReport> {
  return installHooks(project.path, { hooks: shippedHookSpecs(PROJECT_HOOK_NAMES), notifyTarget: notifyTarget(root, project.name) });
}

/** Installs the guard hook in the knowledge repo; `orch init` calls this. */
export function installKnowledgeHooks(root: string, knowledgePath: string): Promise<HookInstallReport> {
  return installHooks(knowledgePath, { hooks: shippedHookSpecs(KNOWLEDGE_HOOK_NAMES), notifyTarget: notifyTarget(root, KNOWLEDGE_TRIGGER_KEY) });
}

function targetsOf(config: WorkspaceConfig): RepoTarget[] {
  return [
    ...config.projects.map((project) => ({ key: project.name, path: project.path, hooks: PROJECT_HOOK_NAMES })),
    { key: KNOWLEDGE_TRIGGER_KEY, path: config.knowledge, hooks: KNOWLEDGE_HOOK_NAMES },
  ];
}

/** Runs `fn` on every repo; a repo that fails (e.g. not a repo) is reported and the others still go. */
async function forEachRepo<R>(config: WorkspaceConfig, fn: (target: RepoTarget) => Promise<R>): Promise<RepoHooksReport<R>[]> {
  const reports: RepoHooksReport<R>[] = [];
  for (const target of targetsOf(config)) {
    try {
      reports.push({ key: target.key, repo: target.path, ok: true, report: await fn(target) });
    } catch (error) {
      if (!isOrchError(error)) throw error;
      reports.push({ key: target.key, repo: target.path, ok: false, error });
    }
  }
  return reports;
}

function labelOf(key: string): string {
  return key === KNOWLEDGE_TRIGGER_KEY ? 'knowledge' : key;
}

function list(names: readonly string[]): string {
  return names.length === 0 ? '-' : names.join(', ');
}

function describeInstall(report: HookInstallReport): string[] {
  const lines = [`    hooks dir: ${report.hooksDir}`, `    installed: ${list(report.installed)}`];
  if (report.chained.length > 0) lines.push(`    chained (the hook that was there runs first): ${list(report.chained)}`);
  if (report.unchanged.length > 0) lines.push(`    already current: ${list(report.unchanged)}`);
  if (report.skipped.length > 0) lines.push(`    skipped: ${list(report.skipped)}`);
  return lines;
}

function describeUninstall(report: HookUninstallReport): string[] {
  if (report.keptFor.length > 0) return [`    kept: other workspaces still use these hooks (${report.keptFor.join(', ')})`];
  return [`    hooks dir: ${report.hooksDir}`, `    removed: ${list(report.removed)}`, `    restored (the hook that was there before orch): ${list(report.restored)}`];
}

function render<R extends { warnings: string[] }>(reports: RepoHooksReport<R>[], describe: (report: R) => string[]): string {
  const lines: string[] = [];
  for (const entry of reports) {
    lines.push(`${labelOf(entry.key)} (${entry.repo})`);
    if (entry.ok) {
      lines.push(...describe(entry.report));
      for (const warning of entry.report.warnings) lines.push(`    warning: ${warning}`);
    } else {
      lines.push(`    FAILED: ${describeError(entry.error).replace(/^orch: /, '').replace(/\n/g, '\n    ')}`);
    }
  }
  return lines.join('\n');
}

function toJson<R>(reports: RepoHooksReport<R>[]): unknown {
  return reports.map((entry) =>
    entry.ok
      ? { repo: entry.repo, project: entry.key === KNOWLEDGE_TRIGGER_KEY ? null : entry.key, knowledge: entry.key === KNOWLEDGE_TRIGGER_KEY, ...entry.report }
      : { repo: entry.repo, project: entry.key === KNOWLEDGE_TRIGGER_KEY ? null : entry.key, knowledge: entry.key === KNOWLEDGE_TRIGGER_KEY, error: isOrchError(entry.error) ? entry.error.toJSON() : String(entry.error) },
  );
}

function finish<R extends { warnings: string[] }>(output: Output, reports: RepoHooksReport<R>[], describe: (report: R) => string[]): number {
  output.result({ repos: toJson(reports) }, () => render(reports, describe));
  return reports.every((entry) => entry.ok) ? 0 : 1;
}

export function registerHooks(program: Command, host: CommandHost): void {
  const hooks = program
    .command('hooks')
    .description('git hooks in every project and the knowledge repo')
    .addHelpText('after', '\nInstall chains to hooks that are there already and respects core.hooksPath; uninstall puts them back.');

  const install = withJson(hooks.command('install').description("install orch's hooks in every project (notify the watcher) and the knowledge repo (guard main)"));
  defineAction(install, host, async (options, output) => {
    const { config } = await loadWorkspaceFor(options, output);
    const root = config.root;
    const reports = await forEachRepo(config, (target) =>
      target.key === KNOWLEDGE_TRIGGER_KEY ? installKnowledgeHooks(root, target.path) : installProjectHooks(root, { name: target.key, path: target.path }),
    );
    return finish(output, reports, describeInstall);
  });

  const uninstall = withJson(hooks.command('uninstall').description("remove orch's hooks from every project and the knowledge repo, restoring the hooks that were there"));
  defineAction(uninstall, host, async (options, output) => {
    const { config } = await loadWorkspaceFor(options, output);
    const reports = await forEachRepo(config, (target) => uninstallHooks(target.path, { notifyTarget: notifyTarget(config.root, target.key) }));
    for (const entry of reports) {
      if (entry.ok && entry.key === KNOWLEDGE_TRIGGER_KEY && entry.report.removed.includes('reference-transaction')) {
        entry.report.warnings.push('main of the knowledge repo is no longer guarded against unreviewed commits (orch lessons verify still checks it)');
      }
    }
    return finish(output, reports, describeUninstall);
  });
}
