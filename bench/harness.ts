/**
 * The bench harness. Each bench measures orch against a baseline taken in the
 * same run (native git, rsync, a bare spawn) and reports the ratio; targets
 * come from SPEC §4. Wall-clock numbers are printed here, never asserted in
 * tests.
 */

export interface BenchRow {
  /** What was measured, e.g. "orch ready, 50 repos x 1000 beads, cold". */
  name: string;
  /** orch's figure. */
  value: number;
  unit: 'ms' | 'ops/s' | 'MB';
  /** The baseline's figure in the same unit, when there is one. */
  baseline?: { name: string; value: number };
  /** The target, as SPEC §4 states it: a ratio bound or an absolute bound. */
  target?: { ratioAtMost?: number; ratioAtLeast?: number; valueAtMost?: number };
}

export type Report = (row: BenchRow) => void;

export interface Bench {
  name: string;
  /** Short benches run by default; long ones only with --all or by name. */
  long?: boolean;
  run(report: Report): Promise<void>;
}

export function ratioOf(row: BenchRow): number | undefined {
  if (row.baseline === undefined || row.baseline.value === 0) return undefined;
  return row.value / row.baseline.value;
}

export function verdictOf(row: BenchRow): 'ok' | 'MISS' | '' {
  const target = row.target;
  if (target === undefined) return '';
  const ratio = ratioOf(row);
  if (target.ratioAtMost !== undefined && (ratio === undefined || ratio > target.ratioAtMost)) return 'MISS';
  if (target.ratioAtLeast !== undefined && (ratio === undefined || ratio < target.ratioAtLeast)) return 'MISS';
  if (target.valueAtMost !== undefined && row.value > target.valueAtMost) return 'MISS';
  return 'ok';
}

export function formatRow(row: BenchRow): string {
  const ratio = ratioOf(row);
  const parts = [`${row.name}: ${row.value.toFixed(row.value < 10 ? 2 : 1)} ${row.unit}`];
  if (row.baseline !== undefined) parts.push(`baseline ${row.baseline.name} ${row.baseline.value.toFixed(2)} ${row.unit}`);
  if (ratio !== undefined) parts.push(`ratio ${ratio.toFixed(3)}x`);
  const target = row.target;
  if (target !== undefined) {
    const bounds: string[] = [];
    if (target.ratioAtMost !== undefined) bounds.push(`<= ${target.ratioAtMost}x`);
    if (target.ratioAtLeast !== undefined) bounds.push(`>= ${target.ratioAtLeast}x`);
    if (target.valueAtMost !== undefined) bounds.push(`<= ${target.valueAtMost} ${row.unit}`);
    parts.push(`target ${bounds.join(', ')} [${verdictOf(row)}]`);
  }
  return parts.join(' | ');
}

/** Median of a sample. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Milliseconds taken by fn. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}
