import { systemClock } from '../src/sys/clock.js';
import type { BeadInfo, DashboardSource } from '../src/ui/source.js';
import { StateStore } from '../src/ui/state-store.js';
import { median, type Bench, type Report } from './harness.js';

/**
 * The dashboard's cost per engine state change with 1,000 beads: fold the
 * event, overlay states, recompute the layout and serialise every part (what
 * a new client gets). Baseline: JSON.stringify of the same beads, the least
 * any push of that state costs.
 */

function makeBeads(count: number): BeadInfo[] {
  const out: BeadInfo[] = [];
  for (let i = 0; i < count; i++) {
    const project = i < count / 2 ? 'api' : 'web';
    const id = `${project}-${i.toString(36)}`;
    const deps = i % 10 === 0 ? [] : [out[i - 1]!.id];
    const state = i < count * 0.6 ? 'closed' : i % 10 === 0 ? 'ready' : 'blocked';
    out.push({ project, id, title: `Task number ${i} with a longish title`, status: state === 'closed' ? 'closed' : 'open', state, priority: i % 5, deps, files: [`src/f${i}.ts`], blockedBy: [], ...(state === 'ready' ? { wave: 1 + (i % 3) } : {}) });
  }
  return out;
}

const bench: Bench = {
  name: 'ui',
  async run(report: Report): Promise<void> {
    const beads = makeBeads(1000);
    const source: DashboardSource = {
      projects: async () => [
        { name: 'api', path: '/api', branch: 'main', network: 'none', warnings: [] },
        { name: 'web', path: '/web', branch: 'main', network: 'none', warnings: [] },
      ],
      beads: async () => beads,
      claims: async () => [],
      runs: async () => [],
      runDiff: async () => '',
      proposals: async () => [],
      problems: async () => [],
    };
    const store = new StateStore(source, systemClock, () => undefined);
    await store.refresh();
    const ready = beads.filter((b) => b.state === 'ready');
    const rounds = 60;
    const ours: number[] = [];
    const base: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const bead = ready[r % ready.length]!;
      const start = performance.now();
      store.apply({ type: 'bead-claimed', at: r, wave: 1, project: bead.project, bead: bead.id, runId: `r${r}` });
      store.fullJson();
      ours.push(performance.now() - start);
      store.apply({ type: 'bead-finished', at: r, wave: 1, project: bead.project, bead: bead.id, runId: `r${r}`, outcome: 'skipped' });
      const b0 = performance.now();
      JSON.stringify(beads);
      base.push(performance.now() - b0);
    }
    store.close();
    report({
      name: 'dashboard state change, 1,000 beads (fold + overlay + layout + all parts as JSON)',
      value: median(ours),
      unit: 'ms',
      baseline: { name: 'JSON.stringify of the 1,000 beads', value: median(base) },
    });
  },
};

export default bench;
