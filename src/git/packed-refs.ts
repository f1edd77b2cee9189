import { readFileSync, statSync } from 'node:fs';
import { OrchError } from '../errors/index.js';

/**
 * `packed-refs`: read only. orch never rewrites this file; deleting a packed
 * ref is left to `git update-ref -d`, which rewrites it under git's own lock.
 */

/** Parse packed-refs text into ref -> oid (peeled `^` lines are skipped). */
export function parsePackedRefs(text: string): Map<string, string> {
  const refs = new Map<string, string>();
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    if (line.length === 0 || line.startsWith('#') || line.startsWith('^')) continue;
    const space = line.indexOf(' ');
    const oid = line.slice(0, space);
    const name = line.slice(space + 1);
    if (space !== 40 || !/^[0-9a-f]{40}$/.test(oid) || name.length === 0) {
      throw new OrchError('GIT_FAILED', `malformed packed-refs line ${lineNo}: expected "<oid> <ref>", got "${line.slice(0, 120)}"`);
    }
    refs.set(name, oid);
  }
  return refs;
}

interface Cached {
  key: string;
  refs: Map<string, string>;
}

/** Reads `<commonDir>/packed-refs` (synchronously: it is read under ref locks), re-parsing only when its inode, size or mtime changed. */
export class PackedRefsReader {
  private cached: Cached | undefined;

  constructor(readonly path: string) {}

  read(): Map<string, string> {
    for (let attempt = 0; ; attempt++) {
      let key: string;
      try {
        const info = statSync(this.path, { bigint: true });
        key = `${info.ino}:${info.size}:${info.mtimeNs}`;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
        throw error;
      }
      if (this.cached?.key === key) return this.cached.refs;
      let text: string;
      try {
        text = readFileSync(this.path, 'utf8');
      } catch (error) {
        // Replaced between stat and read: git renames a new file over it.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && attempt < 5) continue;
        throw error;
      }
      const refs = parsePackedRefs(text);
      this.cached = { key, refs };
      return refs;
    }
  }
}
