import type { BeadOutcome } from '../engine/events.js';
import type { BeadInfo } from './source.js';
import type { ViewModel } from './view-model.js';

/**
 * Bead states as the person should see them now: the source's derived state,
 * corrected by engine events the source may not reflect yet. A running
 * sandbox always wins (the engine knows); an outcome wins only when it was
 * folded after the source query began (`fetchedSeq`), so a bead reopened
 * later is not painted with an old outcome.
 */
export function overlayBeadStates(beads: BeadInfo[], model: ViewModel, fetchedSeq: number): BeadInfo[] {
  const live = new Map<string, string>();
  for (const done of model.finished) {
    if (done.seq <= fetchedSeq) continue;
    const key = `${done.project}/${done.bead}`;
    const state = stateAfter(done.outcome);
    // finished is newest first: keep the newest outcome.
    if (state !== undefined && !live.has(key)) live.set(key, state);
  }
  for (const run of model.running) live.set(`${run.project}/${run.bead}`, run.phase === 'claimed' ? 'claimed' : 'running');
  if (live.size === 0) return beads;
  return beads.map((bead) => {
    const state = live.get(`${bead.project}/${bead.id}`);
    return state === undefined || state === bead.state ? bead : { ...bead, state };
  });
}

function stateAfter(outcome: BeadOutcome): string | undefined {
  switch (outcome) {
    case 'landed':
      return 'closed';
    case 'failed':
    case 'rejected':
    case 'conflict':
      return 'failed';
    default:
      return undefined;
  }
}
