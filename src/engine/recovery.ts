import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isOrchError } from '../errors/index.js';
import { listClaims, recoverClaim } from '../git/claims-and-locks.js';
import { isStale } from '../git/lease-record.js';
import { recoverLandings } from '../git/landing-recovery.js';
import { releaseLease } from '../git/leases.js';
import type { Session } from './session.js';

/**
 * Restart after a crash (SPEC §3.3): landings a dead orch left half done are
 * finished or undone, claims of dead or expired holders are taken over and
 * released (each a compare-and-swap), and sandbox directories no live claim
 * owns are removed. Afterwards every bead is closed or ready again.
 */
export async function recoverWorkspace(session: Session): Promise<void> {
  const liveRuns = new Set<string>();
  for (const project of session.config.projects) {
    let repo;
    try {
      repo = await session.repo(project.name);
    } catch {
      continue;
    }
    try {
      for (const done of await recoverLandings(repo)) {
        session.bus.emit({ type: 'recovered', at: session.clock.now(), project: project.name, bead: '-', detail: `interrupted landing in ${done.worktree}: ${done.outcome}` });
      }
    } catch (error) {
      session.bus.emit({ type: 'warning', at: session.clock.now(), project: project.name, message: `landing recovery failed: ${isOrchError(error) ? error.message : String(error)}` });
    }
    const link = await session.remote(project.name);
    // Run records a previous run could not push are pushed once the remote answers.
    if (link !== undefined) await link.findUnpublished().catch(() => undefined);
    for (const claim of await listClaims(repo)) {
      if (!isStale(claim.status)) {
        if (claim.record?.runId !== undefined) liveRuns.add(claim.record.runId);
        continue;
      }
      // One claim that cannot be taken over (e.g. its ref lock is still held) must not stop the others.
      try {
        const taken = await recoverClaim(repo, claim.name, { holder: session.holder, ttlMs: 60_000, note: 'recovery' });
        if (!taken.won) continue;
        await releaseLease(repo, taken.lease);
        session.bus.emit({ type: 'recovered', at: session.clock.now(), project: project.name, bead: claim.name, detail: `claim of ${claim.record?.holder ?? 'an unknown holder'} (${claim.status}) released; the bead is ready again` });
      } catch (error) {
        if (!isOrchError(error)) throw error;
        session.bus.emit({ type: 'warning', at: session.clock.now(), project: project.name, message: `claim ${claim.name} not recovered: ${error.message}${error.hint === undefined ? '' : ` (${error.hint})`}` });
      }
    }
  }
  let entries: string[] = [];
  try {
    entries = await readdir(session.dirs.sandboxes);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (liveRuns.has(entry)) continue;
    await rm(join(session.dirs.sandboxes, entry), { recursive: true, force: true }).catch(() => undefined);
  }
}
