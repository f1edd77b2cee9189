/**
 * The in-process commit queue: one writer per repository at a time, and
 * repositories served round-robin, so a project with a long backlog cannot
 * starve the others. Each job gets a promise of its own result.
 */

interface Job {
  run: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface CommitQueueOptions {
  /** Writers running at once across all repositories (default 2; each repo still has one). */
  concurrency?: number;
}

export class CommitQueue {
  private readonly queues = new Map<string, Job[]>();
  /** Repos with work, least recently served first. */
  private readonly ring: string[] = [];
  private readonly running = new Set<string>();
  private readonly concurrency: number;
  private idleWaiters: (() => void)[] = [];

  constructor(options: CommitQueueOptions = {}) {
    this.concurrency = Math.max(1, options.concurrency ?? 2);
  }

  /** Run `job` as the writer of `repo` (any stable key, e.g. the repo's path), after the jobs queued before it for that repo. */
  run<T>(repo: string, job: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let queue = this.queues.get(repo);
      if (queue === undefined) {
        queue = [];
        this.queues.set(repo, queue);
        this.ring.push(repo);
      }
      queue.push({ run: job, resolve: resolve as (value: unknown) => void, reject });
      this.pump();
    });
  }

  /** Jobs waiting or running. */
  get size(): number {
    let waiting = 0;
    for (const queue of this.queues.values()) waiting += queue.length;
    return waiting + this.running.size;
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The least recently served repo that has a job and no running writer. */
  private next(): string | undefined {
    return this.ring.find((key) => !this.running.has(key) && (this.queues.get(key)?.length ?? 0) > 0);
  }

  private pump(): void {
    while (this.running.size < this.concurrency) {
      const key = this.next();
      if (key === undefined) break;
      const job = this.queues.get(key)?.shift();
      if (job === undefined) break;
      this.running.add(key);
      void (async () => {
        try {
          job.resolve(await job.run());
        } catch (error) {
          job.reject(error);
        } finally {
          this.running.delete(key);
          this.requeue(key);
          this.pump();
          if (this.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
        }
      })();
    }
  }

  /** After a job: the repo goes to the back of the ring, or leaves it when it has nothing left. */
  private requeue(key: string): void {
    const index = this.ring.indexOf(key);
    if (index >= 0) this.ring.splice(index, 1);
    if ((this.queues.get(key)?.length ?? 0) > 0) this.ring.push(key);
    else this.queues.delete(key);
  }
}
