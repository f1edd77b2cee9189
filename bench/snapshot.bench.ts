import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatFile } from '../src/git/cat-file.js';
import { git } from '../src/git/exec.js';
import { BUILTIN_DENY } from '../src/snapshot/filter.js';
import { takeCheckout, takeSnapshot } from '../src/snapshot/take-snapshot.js';
import { removeTree } from '../src/snapshot/update-in-place.js';
import { run } from '../src/sys/process.js';
import { median, timed, type Bench, type Report } from './harness.js';

/**
 * SPEC §4 "Filtered peer snapshot": cold at most 1.0x `rsync -a --no-links`
 * with the same excludes (20k files), at most 0.2x after a commit touching
 * under 1% of files, and an unchanged tree under 5 ms. Also the engine's
 * base checkouts (1k and 10k files) against `git worktree add`.
 */

const COMMITTER = 'committer Bench <bench@example.com> 1700000000 +0000\n';
const ROUNDS = 3;

function fileContent(i: number, round: number): string {
  return `// file ${i} round ${round}\n${'export const value = "lorem ipsum dolor sit amet";\n'.repeat(1 + (i % 40))}`;
}

/** A repo with `count` files on main, written by one `git fast-import`; some of them denied. */
async function generateRepo(count: number, withDenied: boolean): Promise<string> {
  const repo = mkdtempSync(join(tmpdir(), 'orch-bench-snap-'));
  await git(repo, ['init', '-q', '-b', 'main']);
  const parts: string[] = [`commit refs/heads/main\n${COMMITTER}data 4\ninit\n`];
  for (let i = 0; i < count; i++) {
    let path = `pkg${i % 20}/mod${Math.floor(i / 20) % 50}/file${i}.ts`;
    if (withDenied && i % 200 === 0) path = `pkg${i % 20}/.env`;
    else if (withDenied && i % 200 === 1) path = `pkg${i % 20}/mod${i % 50}/cert${i}.pem`;
    else if (withDenied && i % 40 === 2) path = `node_modules/dep${i % 30}/lib${i}.js`;
    const content = fileContent(i, 0);
    parts.push(`M 100644 inline ${path}\ndata ${Buffer.byteLength(content)}\n${content}\n`);
  }
  await git(repo, ['fast-import', '--quiet'], { input: parts.join('') });
  await git(repo, ['checkout', '-q', '-f', 'main']);
  return repo;
}

/** Commit a change to `changed` existing files (a fresh fast-import commit on main). */
async function commitChange(repo: string, count: number, changed: number, round: number): Promise<void> {
  const parts: string[] = [`commit refs/heads/main\n${COMMITTER}data 7\nchange\nfrom refs/heads/main^0\n`];
  for (let k = 0; k < changed; k++) {
    const i = (k * Math.floor(count / changed) + 3) % count;
    if (i % 200 === 0 || i % 200 === 1 || i % 40 === 2) continue;
    const content = fileContent(i, round);
    parts.push(`M 100644 inline pkg${i % 20}/mod${Math.floor(i / 20) % 50}/file${i}.ts\ndata ${Buffer.byteLength(content)}\n${content}\n`);
  }
  await git(repo, ['fast-import', '--quiet'], { input: parts.join('') });
  await git(repo, ['checkout', '-q', '-f', 'main']);
}

function rsyncExcludes(): string[] {
  return ['--exclude=/.git', ...BUILTIN_DENY.map((p) => `--exclude=${p}`)];
}

async function settle(): Promise<void> {
  await run('sync', []);
}

async function measureRsync(repo: string, scratch: string, label: string): Promise<number> {
  const dest = join(scratch, `rsync-${label}`);
  await settle();
  const ms = await timed(() => run('rsync', ['-a', '--no-links', ...rsyncExcludes(), `${repo}/`, `${dest}/`]));
  removeTree(dest);
  return ms;
}

async function benchPeerSnapshot(report: Report): Promise<void> {
  const count = 20_000;
  const repo = await generateRepo(count, true);
  const scratch = mkdtempSync(join(tmpdir(), 'orch-bench-out-'));
  try {
    const rsyncTimes: number[] = [];
    const coldTimes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      rsyncTimes.push(await measureRsync(repo, scratch, String(round)));
      const cacheDir = join(scratch, `cold-${round}`);
      await settle();
      coldTimes.push(await timed(async () => (await takeSnapshot({ repo, branch: 'main', cacheDir })).release()));
      removeTree(cacheDir);
    }
    const baseline = { name: 'rsync -a --no-links, same excludes', value: median(rsyncTimes) };
    report({ name: `peer snapshot, ${count} files, cold`, value: median(coldTimes), unit: 'ms', baseline, target: { ratioAtMost: 1.0 } });

    const cacheDir = join(scratch, 'chain');
    const changed = Math.floor(count * 0.005);
    const cat = new CatFile(repo);
    try {
      (await takeSnapshot({ repo, branch: 'main', cacheDir, cat })).release();
      const updated: number[] = [];
      const linked: number[] = [];
      for (let round = 1; round <= ROUNDS * 2; round++) {
        await commitChange(repo, count, changed, round);
        const held = round % 2 === 0 ? await takeSnapshot({ repo, branch: 'main', cacheDir, cat }) : undefined;
        if (held !== undefined) await commitChange(repo, count, changed, round + 100);
        await settle();
        let how = '';
        const ms = await timed(async () => {
          const snap = await takeSnapshot({ repo, branch: 'main', cacheDir, cat });
          how = snap.how;
          snap.release();
        });
        held?.release();
        (how === 'updated' ? updated : linked).push(ms);
      }
      report({ name: `peer snapshot, ${count} files, after a commit changing ${changed} (previous snapshot free: updated in place)`, value: median(updated), unit: 'ms', baseline, target: { ratioAtMost: 0.2 } });
      report({ name: `peer snapshot, ${count} files, after a commit changing ${changed} (previous snapshot in use: hardlinked)`, value: median(linked), unit: 'ms', baseline, target: { ratioAtMost: 0.2 } });

      const unchanged: number[] = [];
      (await takeSnapshot({ repo, branch: 'main', cacheDir, cat })).release();
      for (let i = 0; i < 30; i++) unchanged.push(await timed(async () => (await takeSnapshot({ repo, branch: 'main', cacheDir, cat })).release()));
      report({ name: 'peer snapshot, unchanged tree (long-lived cat-file)', value: median(unchanged), unit: 'ms', target: { valueAtMost: 5 } });
      const spawned: number[] = [];
      for (let i = 0; i < 10; i++) spawned.push(await timed(async () => (await takeSnapshot({ repo, branch: 'main', cacheDir })).release()));
      report({ name: 'peer snapshot, unchanged tree (cat-file started per call)', value: median(spawned), unit: 'ms' });
    } finally {
      await cat.close();
    }
  } finally {
    removeTree(scratch);
    removeTree(repo);
  }
}

async function benchCheckout(report: Report, count: number): Promise<void> {
  const repo = await generateRepo(count, false);
  const scratch = mkdtempSync(join(tmpdir(), 'orch-bench-out-'));
  try {
    const worktree: number[] = [];
    const cold: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const wt = join(scratch, `wt-${round}`);
      await settle();
      worktree.push(await timed(() => git(repo, ['worktree', 'add', '-q', '--detach', wt, 'main'])));
      await git(repo, ['worktree', 'remove', '--force', wt]);
      const cacheDir = join(scratch, `base-${round}`);
      mkdirSync(cacheDir);
      await settle();
      cold.push(await timed(async () => (await takeCheckout({ repo, rev: 'main', cacheDir })).release()));
      removeTree(cacheDir);
    }
    const baseline = { name: 'git worktree add', value: median(worktree) };
    report({ name: `base checkout, ${count} files, cold`, value: median(cold), unit: 'ms', baseline });
    const cacheDir = join(scratch, 'chain');
    (await takeCheckout({ repo, rev: 'main', cacheDir })).release();
    const next: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      await commitChange(repo, count, Math.max(1, Math.floor(count / 200)), round);
      await settle();
      next.push(await timed(async () => (await takeCheckout({ repo, rev: 'main', cacheDir })).release()));
    }
    report({ name: `base checkout, ${count} files, next tip (0.5% changed, updated in place)`, value: median(next), unit: 'ms', baseline });
  } finally {
    removeTree(scratch);
    removeTree(repo);
  }
}

const benches: Bench[] = [
  { name: 'snapshot: filtered peer snapshot (20k files)', run: benchPeerSnapshot },
  { name: 'snapshot: base checkout (1k and 10k files)', run: async (report) => { await benchCheckout(report, 1_000); await benchCheckout(report, 10_000); } },
];

export default benches;
