import { describe, expect, it } from 'vitest';
import { CommitQueue } from '../../src/git/commit-queue.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('CommitQueue', () => {
  it('runs one job per repo at a time, in order, each with its own result or error', async () => {
    const queue = new CommitQueue({ concurrency: 4 });
    let inA = 0;
    let maxInA = 0;
    const order: number[] = [];
    const jobs = Array.from({ length: 6 }, (_, i) =>
      queue.run('a', async () => {
        inA++;
        maxInA = Math.max(maxInA, inA);
        await new Promise((r) => setTimeout(r, 2));
        order.push(i);
        inA--;
        if (i === 3) throw new Error('job 3 failed');
        return i * 10;
      }),
    );
    const results = await Promise.allSettled(jobs);
    expect(maxInA).toBe(1);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([0, 10, 20, 'job 3 failed', 40, 50]);
    await queue.idle();
    expect(queue.size).toBe(0);
  });

  it('serves repos round-robin, so a long backlog in one does not starve another', async () => {
    const queue = new CommitQueue({ concurrency: 1 });
    const gate = deferred();
    const order: string[] = [];
    const all: Promise<unknown>[] = [queue.run('busy', () => gate.promise)];
    for (let i = 0; i < 5; i++) all.push(queue.run('busy', async () => void order.push(`busy${i}`)));
    all.push(queue.run('quiet', async () => void order.push('quiet0')));
    all.push(queue.run('other', async () => void order.push('other0')));
    all.push(queue.run('quiet', async () => void order.push('quiet1')));
    gate.resolve();
    await Promise.all(all);
    expect(order).toEqual(['quiet0', 'other0', 'busy0', 'quiet1', 'busy1', 'busy2', 'busy3', 'busy4']);
  });

  it('runs different repos in parallel up to the concurrency limit', async () => {
    const queue = new CommitQueue({ concurrency: 2 });
    let running = 0;
    let peak = 0;
    const job = async (): Promise<void> => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    };
    await Promise.all(['a', 'b', 'c', 'd', 'a', 'b'].map((repo) => queue.run(repo, job)));
    expect(peak).toBe(2);
  });
});
