import { join } from 'node:path';

/**
 * The layout of `<workspace>/.orch/run/`: git-ignored, disposable runtime
 * files. Everything here can be deleted while no watcher runs.
 */
export interface RunDirs {
  root: string;
  /** One private directory per running sandbox, named by run id. */
  sandboxes: string;
  /** Peer snapshots and base checkouts, cached by tree id. */
  snapshots: string;
  /** The bead catalog's disk cache. */
  cache: string;
  /** Where hooks drop their notices for the watcher. */
  triggers: string;
  logs: string;
}

export function runDirsOf(workspaceRoot: string): RunDirs {
  const root = join(workspaceRoot, '.orch', 'run');
  return {
    root,
    sandboxes: join(root, 'sandboxes'),
    snapshots: join(root, 'snapshots'),
    cache: join(root, 'cache'),
    triggers: join(root, 'triggers'),
    logs: join(root, 'logs'),
  };
}
