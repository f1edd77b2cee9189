/** The watcher's trigger intake: what `orch watch` wires up (see trigger-intake.ts). */
export { TriggerIntake, type IntakeProject, type TriggerEvent, type TriggerIntakeOptions, type TriggerReason } from './trigger-intake.js';
export { startTriggerIntake, type StartIntakeOptions, type WatchedRepo } from './start-intake.js';
export { notifyTargetOf, parseHookNotice, triggersDirOf, type HookNotice } from './hook-notice.js';
export { readRepoLayout, resolveWatchTargets, watchTargetsFor, type RepoLayout, type WatchTarget } from './watch-targets.js';
export { fsWatchSource, type DirWatch, type WatchSource } from './dir-watch.js';
export { Coalescer, type CoalescerOptions } from './coalescer.js';
export { listenForShutdown, type ShutdownSignals } from './shutdown-signals.js';
