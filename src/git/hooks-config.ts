import { OrchError } from '../errors/index.js';
import { git } from './exec.js';

/**
 * `orch.notify` in a repo's own config: where its hooks tell a watcher about
 * a change. One value per workspace that watches the repo. The shipped hooks
 * accept only paths of this shape (checked again in sh before they write).
 */
export const NOTIFY_KEY = 'orch.notify';

const NOTIFY_TARGET = /^\/(?:.*\/)?\.orch\/run\/triggers\/[A-Za-z0-9_-]+$/;

export function isNotifyTarget(path: string): boolean {
  return NOTIFY_TARGET.test(path) && !path.split('/').includes('..');
}

export async function listNotifyTargets(repo: string): Promise<string[]> {
  const result = await git(repo, ['config', '--local', '--get-all', NOTIFY_KEY], { reject: false });
  if (result.exitCode === 1) return [];
  if (result.exitCode !== 0) {
    throw new OrchError('GIT_FAILED', `could not read ${NOTIFY_KEY} in ${repo}: ${result.stderr.trim()}`, { data: { repo } });
  }
  return result.stdout.split('\n').filter((line) => line.length > 0);
}

/** Adds `target` unless it is there already. Returns whether it was added. */
export async function addNotifyTarget(repo: string, target: string): Promise<boolean> {
  if (!isNotifyTarget(target)) {
    throw new OrchError('INTERNAL', `not a trigger path: ${target}`, {
      hint: 'the notify target must be <absolute workspace>/.orch/run/triggers/<key>',
    });
  }
  if ((await listNotifyTargets(repo)).includes(target)) return false;
  await git(repo, ['config', '--local', '--add', NOTIFY_KEY, target]);
  return true;
}

/** Removes one target, or all of them; returns the targets left. */
export async function removeNotifyTargets(repo: string, target?: string): Promise<string[]> {
  const args = target === undefined ? ['--unset-all', NOTIFY_KEY] : ['--fixed-value', '--unset-all', NOTIFY_KEY, target];
  const result = await git(repo, ['config', '--local', ...args], { reject: false });
  // 5: nothing matched, which is fine.
  if (result.exitCode !== 0 && result.exitCode !== 5) {
    throw new OrchError('GIT_FAILED', `could not remove ${NOTIFY_KEY} in ${repo}: ${result.stderr.trim()}`, { data: { repo } });
  }
  const left = await listNotifyTargets(repo);
  if (left.length === 0) await removeEmptyOrchSection(repo);
  return left;
}

async function removeEmptyOrchSection(repo: string): Promise<void> {
  const rest = await git(repo, ['config', '--local', '--get-regexp', '^orch\\.'], { reject: false });
  if (rest.exitCode === 1) await git(repo, ['config', '--local', '--remove-section', 'orch'], { reject: false });
}
