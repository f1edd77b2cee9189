import { posix } from 'node:path';

/**
 * Why a symlink at repo-relative `path` pointing at `target` may lead out of
 * the tree, or undefined when it stays inside. Absolute targets leave. `..`
 * is accepted only as leading segments, climbing from the link's own
 * directory (whose components are real directories of the tree): in
 * `l/..` the `l` may itself be a symlink, so the lexical normal form would lie.
 * One rule for everything orch takes from a tree or a sandbox: snapshots,
 * checkouts, collected changes and the scope guard.
 */
export function describeSymlinkEscape(path: string, target: string): string | undefined {
  if (target === '') return 'empty symlink target';
  if (target.includes('\0')) return 'symlink target contains NUL';
  if (target.startsWith('/')) return `absolute target ${target}`;
  let climbs = 0;
  let descended = false;
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') {
      descended = true;
      continue;
    }
    if (descended) return `target ${target} climbs back after descending`;
    climbs += 1;
  }
  const parent = posix.dirname(path);
  const depth = parent === '.' ? 0 : parent.split('/').length;
  return climbs > depth ? `target ${target} leaves the tree` : undefined;
}
