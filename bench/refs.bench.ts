import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, spawnGit } from '../src/git/exec.js';
import { acquireLease, releaseLease } from '../src/git/leases.js';
import { openRepo } from '../src/git/repo.js';
import type { Bench } from './harness.js';

/**
 * Ref compare-and-swap (SPEC §4): lease acquire+release per second against a
 * loop of `git update-ref` create + delete from the CLI, target >= 8x. Also
 * shown, for docs/decisions/git.md: the raw CAS pair, and a long-lived
 * `git update-ref --stdin` transaction pair (the alternative not chosen).
 */

async function makeRepo(): Promise<{ dir: string; head: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'orch-bench-refs-'));
  await git(dir, ['init', '-q', '-b', 'main']);
  await git(dir, ['commit', '-q', '--allow-empty', '-m', 'init'], {
    env: { GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' },
  });
  return { dir, head: (await git(dir, ['rev-parse', 'HEAD'])).stdout.trim() };
}

async function perSecond(pairs: number, fn: (i: number) => Promise<void>): Promise<number> {
  for (let i = 0; i < Math.min(20, pairs); i++) await fn(-1 - i); // warm up
  const start = performance.now();
  for (let i = 0; i < pairs; i++) await fn(i);
  return (pairs * 1000) / (performance.now() - start);
}

/** A long-lived `git update-ref --stdin`, one transaction per call. */
function updateRefStdin(dir: string): { run(commands: string): Promise<void>; close(): Promise<void> } {
  const child = spawnGit(dir, ['update-ref', '--stdin'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let buffer = '';
  const waiting: (() => void)[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.startsWith('commit:')) waiting.shift()?.();
    }
  });
  return {
    run: (commands) =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        child.stdin?.write(`start\n${commands}prepare\ncommit\n`);
      }),
    close: async () => {
      child.stdin?.end();
      await child;
    },
  };
}

const bench: Bench = {
  name: 'refs: compare-and-swap',
  async run(report) {
    const { dir, head } = await makeRepo();
    const repo = await openRepo(dir);
    try {
      const cli = await perSecond(60, async (i) => {
        const ref = `refs/orch/locks/cli-${i}`;
        await git(dir, ['update-ref', ref, head, '']);
        await git(dir, ['update-ref', '-d', ref, head]);
      });
      const baseline = { name: 'git update-ref CLI create+delete', value: cli };

      const leases = await perSecond(2000, async () => {
        const won = await acquireLease(repo, 'refs/orch/locks/bench', { holder: 'bench', ttlMs: 60_000 });
        if (!won.won) throw new Error('lease not won');
        const released = await releaseLease(repo, won.lease);
        if (!released.ok) throw new Error('lease not released');
      });
      report({ name: 'lease acquire+release (blob record + 2 CAS)', value: leases, unit: 'ops/s', baseline, target: { ratioAtLeast: 8 } });

      const raw = await perSecond(3000, async () => {
        if (!(await repo.refs.cas('refs/orch/locks/raw', null, head)).ok) throw new Error('create failed');
        if (!(await repo.refs.cas('refs/orch/locks/raw', head, null)).ok) throw new Error('delete failed');
      });
      report({ name: 'RefStore.cas create+delete', value: raw, unit: 'ops/s', baseline });

      const stdin = updateRefStdin(dir);
      const viaStdin = await perSecond(1000, async () => {
        await stdin.run(`create refs/orch/locks/stdin ${head}\n`);
        await stdin.run(`delete refs/orch/locks/stdin ${head}\n`);
      });
      await stdin.close();
      report({ name: 'long-lived update-ref --stdin create+delete (not chosen)', value: viaStdin, unit: 'ops/s', baseline });
    } finally {
      await repo.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
