import { watch, statSync, type FSWatcher } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';

/**
 * Watching one directory, depth 0, with one inotify watch: the change of any
 * entry is reported by name, unthrottled. A directory that does not exist yet
 * is waited for by watching its nearest existing ancestor; one that is
 * deleted or replaced is followed. `refresh()` re-checks that (the periodic
 * rescan calls it, since inotify can drop events when its queue overflows).
 *
 * This is node's fs.watch, not chokidar: chokidar 5 puts a watch on every
 * file of a watched directory, throttles `change` to one per 50 ms with no
 * trailing event, and re-reads and stats the whole directory on each event
 * (see docs/decisions/hooks.md).
 */

export interface DirWatch {
  /** Re-arms if the directory appeared, vanished or was replaced since; reports '' then. */
  refresh(): void;
  close(): void;
}

export interface WatchSource {
  /** `onChange(name)`: an entry changed; '' when the directory itself appeared or went away. */
  watchDir(dir: string, onChange: (name: string) => void, onError: (error: unknown) => void): DirWatch;
}

export const fsWatchSource: WatchSource = {
  watchDir: (dir, onChange, onError) => new FsDirWatch(dir, onChange, onError),
};

class FsDirWatch implements DirWatch {
  private watcher: FSWatcher | undefined;
  /** The directory watched: `dir` itself, or the ancestor it is awaited from. */
  private watching: string | undefined;
  private ino: number | undefined;
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly onChange: (name: string) => void,
    private readonly onError: (error: unknown) => void,
  ) {
    this.arm();
  }

  refresh(): void {
    if (this.closed) return;
    if (this.watching !== this.dir || inodeOf(this.dir) !== this.ino) this.rearm();
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    this.watcher = undefined;
  }

  private rearm(): void {
    const wasWatchingDir = this.watching === this.dir;
    this.arm();
    if (wasWatchingDir || this.watching === this.dir) this.onChange('');
  }

  private arm(): void {
    // A directory created between the ancestor's stat and its watch would be
    // missed, so look again once the ancestor is watched.
    for (let attempt = 0; attempt < 16; attempt++) {
      this.armOnce();
      const watching = this.watching;
      if (watching === undefined || watching === this.dir) return;
      if (inodeOf(join(watching, nextComponent(watching, this.dir))) === undefined) return;
    }
  }

  private armOnce(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.watching = undefined;
    let target = this.dir;
    for (;;) {
      const ino = inodeOf(target);
      if (ino !== undefined) {
        try {
          const watched = target;
          const watcher = watch(watched, { persistent: true }, (_event, name) => this.onEvent(watched, name ?? ''));
          watcher.on('error', (error) => {
            this.onError(error);
            if (!this.closed) this.rearm();
          });
          this.watcher = watcher;
          this.watching = watched;
          this.ino = watched === this.dir ? ino : undefined;
          return;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== 'ENOENT' && code !== 'ENOTDIR') {
            this.onError(error);
            return;
          }
        }
      }
      const parent = dirname(target);
      if (parent === target) return;
      target = parent;
    }
  }

  private onEvent(watched: string, name: string): void {
    if (this.closed || watched !== this.watching) return;
    if (watched === this.dir) {
      // Events on the directory itself (deleted, moved) carry its own name.
      if ((name === '' || name === basename(this.dir)) && inodeOf(this.dir) !== this.ino) {
        this.rearm();
        return;
      }
      this.onChange(name);
      return;
    }
    if (name === '' || name === nextComponent(watched, this.dir)) this.rearm();
  }
}

function nextComponent(ancestor: string, dir: string): string {
  return relative(ancestor, dir).split(sep)[0] ?? '';
}

function inodeOf(path: string): number | undefined {
  try {
    const info = statSync(path);
    return info.isDirectory() ? info.ino : undefined;
  } catch {
    return undefined;
  }
}
