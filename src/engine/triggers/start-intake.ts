import { triggersDirOf } from './hook-notice.js';
import { TriggerIntake, type TriggerIntakeOptions } from './trigger-intake.js';
import { resolveWatchTargets } from './watch-targets.js';

/** A repo the watcher follows: a project, or the knowledge repo under a key of its own. */
export interface WatchedRepo {
  /** Project name (also the hook notice key; see notifyTargetOf). */
  name: string;
  /** The repo's path. */
  repo: string;
  /** The branch whose moves matter (the project's target branch). */
  branch: string;
}

export type StartIntakeOptions = Omit<TriggerIntakeOptions, 'projects' | 'triggersDir'> & {
  /** The workspace's `.orch/run`; hook notices arrive in its `triggers/`. */
  runDir: string;
  repos: readonly WatchedRepo[];
};

/** Resolves each repo's watch targets, then starts the intake (watches armed when this resolves). */
export async function startTriggerIntake(options: StartIntakeOptions): Promise<TriggerIntake> {
  const { runDir, repos, ...rest } = options;
  const projects = await Promise.all(repos.map(async (r) => ({ name: r.name, targets: await resolveWatchTargets(r.repo, r.branch) })));
  const intake = new TriggerIntake({ ...rest, projects, triggersDir: triggersDirOf(runDir) });
  await intake.start();
  return intake;
}
