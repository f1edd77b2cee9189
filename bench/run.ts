import { formatRow, verdictOf, type Bench, type BenchRow } from './harness.js';

/**
 * `npm run bench [-- NAME... | --all]`: runs the benches and prints each
 * figure as a ratio against its baseline measured in the same run.
 */
const MODULES = [
  // Each module default-exports a Bench (or a list of them). Add new ones here.
  'ready.bench',
  'refs.bench',
  'landing.bench',
  'sandbox.bench',
  'snapshot.bench',
  'hooks.bench',
  'engine.bench',
  'ui.bench',
  'scaleout.bench',
  'watcher.bench',
] as const satisfies readonly string[];

async function loadBenches(): Promise<Bench[]> {
  const benches: Bench[] = [];
  for (const name of MODULES as readonly string[]) {
    let mod: { default: Bench | Bench[] };
    try {
      mod = (await import(`./${name}.js`)) as { default: Bench | Bench[] };
    } catch (error) {
      console.error(`# ${name}: not loaded (${error instanceof Error ? error.message : String(error)})`);
      continue;
    }
    benches.push(...(Array.isArray(mod.default) ? mod.default : [mod.default]));
  }
  return benches;
}

async function main(argv: string[]): Promise<number> {
  const all = argv.includes('--all');
  const names = argv.filter((a) => !a.startsWith('--'));
  const rows: BenchRow[] = [];
  for (const bench of await loadBenches()) {
    const picked = names.length > 0 ? names.some((n) => bench.name.includes(n)) : all || bench.long !== true;
    if (!picked) continue;
    console.log(`# ${bench.name}`);
    await bench.run((row) => {
      rows.push(row);
      console.log(formatRow(row));
    });
  }
  const missed = rows.filter((row) => verdictOf(row) === 'MISS');
  console.log(`\n${rows.length} figures, ${missed.length} targets missed`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
