import { writeProjectCache, type ProjectCache } from './catalog-cache.js';

/**
 * The catalog's disk-cache writes, off the path of the read that caused
 * them: a project's new cache is written a moment later (or at flush), a
 * few at a time, and only the newest of a project's pending caches is
 * written. A watcher thus answers a commit before it serializes the
 * project (~3 ms at 1,000 beads), a burst of commits writes once, and a cold
 * read of 50 projects never holds every project's JSON text at once. A
 * failed write is dropped: the cache is disposable.
 */
/** Writes at once (libuv's thread pool has 4 threads for the fsyncs). */
const PARALLEL_WRITES = 4;

export class CacheWriter {
  private readonly pending = new Map<string, ProjectCache>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly delayMs = 250,
  ) {}

  schedule(project: string, cache: ProjectCache): void {
    this.pending.set(project, cache);
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, this.delayMs);
    this.timer.unref();
  }

  /** Write everything pending now; resolves when every write has ended. */
  async flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.drain();
  }

  private drain(): Promise<void> {
    this.writing = this.writing.then(async () => {
      // A few at a time: each waits on its fsync, and each holds its file's bytes until written.
      const next = async (): Promise<void> => {
        for (const [project, cache] of this.pending) {
          this.pending.delete(project);
          await writeProjectCache(this.dir, project, cache).catch(() => undefined);
        }
      };
      await Promise.all(Array.from({ length: PARALLEL_WRITES }, next));
    });
    return this.writing;
  }
}
