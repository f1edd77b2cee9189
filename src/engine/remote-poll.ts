import type { Session } from './session.js';
import { isStale } from '../git/lease-record.js';

/**
 * The watcher's look at its remotes between triggers (issue 10): every
 * project's `poll` interval, fetch its branch and claims and wake the runner
 * when something changed there, or when a foreign claim has sat expired (a
 * takeover is due, though no ref moved). Hooks fire only for commits made on
 * this machine; this is how beads pushed from elsewhere are seen.
 */
export function startRemotePolling(session: Session, wake: (project: string) => void): () => void {
  const timers: NodeJS.Timeout[] = [];
  for (const project of session.config.projects) {
    if (project.remote === undefined) continue;
    let busy = false;
    let answered = true;
    const tick = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      try {
        const link = await session.remote(project.name);
        if (link === undefined) return;
        const fetched = await link.refresh();
        const back = fetched.ok && !answered;
        answered = fetched.ok;
        if (!fetched.ok) return;
        const due = (await link.claims()).some((claim) => isStale(claim.status) && claim.record?.holder !== session.holder);
        // Back after an outage: beads skipped meanwhile are tried again.
        if (fetched.changed || due || back) wake(project.name);
      } catch {
        // A failed poll is retried at the next tick; the link reports unreachability itself.
      } finally {
        busy = false;
      }
    };
    const timer = setInterval(() => void tick(), project.remote.pollMs);
    timer.unref();
    timers.push(timer);
  }
  return () => {
    for (const timer of timers) clearInterval(timer);
  };
}
