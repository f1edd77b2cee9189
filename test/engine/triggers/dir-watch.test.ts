import { readdirSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fsWatchSource, type DirWatch } from '../../../src/engine/triggers/dir-watch.js';
import { tempDir } from '../../support/tmp.js';

/** Names reported so far, and a way to wait for one. */
function recorder() {
  const names: string[] = [];
  const waiters: { name: string; resolve: () => void }[] = [];
  return {
    names,
    onChange: (name: string) => {
      names.push(name);
      for (const w of waiters.filter((w) => w.name === name)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
    seen: (name: string) =>
      names.includes(name)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no event for "${name}"; saw ${JSON.stringify(names)}`)), 5000);
            waiters.push({ name, resolve: () => (clearTimeout(timer), resolve()) });
          }),
    reset: () => void names.splice(0),
  };
}

function inotifyWatches(): number {
  let total = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      total += (readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').match(/^inotify wd:/gm) ?? []).length;
    } catch {
      // closed meanwhile
    }
  }
  return total;
}

const open: DirWatch[] = [];
afterEach(() => open.splice(0).forEach((w) => w.close()));

function watchDir(dir: string, onChange: (name: string) => void): DirWatch {
  const errors: unknown[] = [];
  const watch = fsWatchSource.watchDir(dir, onChange, (e) => errors.push(e));
  open.push(watch);
  return watch;
}

describe('fsWatchSource', () => {
  it('reports each changed entry by name with one inotify watch, however many files the dir holds', async () => {
    const dir = await tempDir('orch-watch-');
    for (let i = 0; i < 500; i++) await writeFile(join(dir, `f${i}.md`), 'x');
    const before = inotifyWatches();
    const rec = recorder();
    watchDir(dir, rec.onChange);
    expect(inotifyWatches() - before).toBe(1);
    await appendFile(join(dir, 'f7.md'), 'more');
    await rec.seen('f7.md');
    await writeFile(join(dir, 'main.lock'), 'abc');
    await rename(join(dir, 'main.lock'), join(dir, 'main'));
    await rec.seen('main');
  });

  it('waits for a directory that does not exist yet, through several missing levels', async () => {
    const root = await tempDir('orch-watch-');
    const dir = join(root, 'a', 'b', 'c');
    const rec = recorder();
    watchDir(dir, rec.onChange);
    await mkdir(join(root, 'a'));
    await mkdir(join(root, 'a', 'b', 'c'), { recursive: true });
    await rec.seen('');
    await writeFile(join(dir, 'x.md'), 'x');
    await rec.seen('x.md');
  });

  it('follows a directory that is deleted and created again', async () => {
    const root = await tempDir('orch-watch-');
    const dir = join(root, 'beads');
    await mkdir(dir);
    const rec = recorder();
    const watch = watchDir(dir, rec.onChange);
    await rm(dir, { recursive: true });
    await rec.seen('');
    rec.reset();
    await mkdir(dir);
    await rec.seen('');
    await writeFile(join(dir, 'y.md'), 'y');
    await rec.seen('y.md');

    // Replaced by a rename: refresh() notices even if the event was lost.
    rec.reset();
    await mkdir(join(root, 'next'));
    await rename(join(root, 'next'), dir).catch(async () => {
      await rm(dir, { recursive: true });
      await rename(join(root, 'next'), dir);
    });
    watch.refresh();
    await writeFile(join(dir, 'z.md'), 'z');
    await rec.seen('z.md');
  });

  it('close stops events and frees the watch', async () => {
    const dir = await tempDir('orch-watch-');
    const before = inotifyWatches();
    const rec = recorder();
    const watch = watchDir(dir, rec.onChange);
    watch.close();
    expect(inotifyWatches()).toBe(before);
    await writeFile(join(dir, 'late.md'), 'x');
    // A second, live watch sees the write, so the closed one had the chance to report it too.
    const other = recorder();
    watchDir(dir, other.onChange);
    await writeFile(join(dir, 'late.md'), 'y');
    await other.seen('late.md');
    expect(rec.names).toEqual([]);
  });
});
