import type { Bead } from '../beads/index.js';

/**
 * Beads as the catalog keeps them, for a watcher that holds 50,000 of them:
 * each text copied out of its file's text (V8 slices strings of 13
 * characters and more, and a kept slice keeps the whole ~500-byte file),
 * the values beads repeat (status, type, labels, declared files, deps, line
 * numbers, empty lists) shared, and every key in the object itself rather
 * than in a side table (a key added after the literal, like `created`, costs
 * one). Same values, same key order as a parsed bead. Shared values are
 * frozen: beads are read-only.
 */

const EMPTY: string[] = Object.freeze([]) as unknown as string[];
/** Past this many distinct values the tables start over (values handed out stay valid). */
const MAX_SHARED = 100_000;
const LINE_LIMIT = 1 << 16;
/** V8's JSON.parse hands out one shared string for equal values of up to 10 characters (measured on Node 20). */
const JSON_SHARES = 10;

export class BeadCompactor {
  private readonly texts = new Map<string, string>();
  private readonly lines = new Map<number, Bead['lines']>();
  private readonly labelLists = new Map<string, string[]>();
  private readonly singleLabels = new Map<string, string[]>();

  /** A parsed bead: its texts are cut from the file's text, so they are copied, and all of its repeated values shared. */
  compact(bead: Bead): Bead {
    const { project, file, priority } = bead;
    const id = ownCopy(bead.id);
    const title = ownCopy(bead.title);
    const status = this.shared(bead.status);
    const type = this.shared(bead.type);
    const deps = this.sharedList(bead.deps, 0);
    const files = this.sharedList(bead.files, 0);
    const labels = this.sharedLabels(this.sharedList(bead.labels, 0));
    const lines = this.sharedLines(bead.lines);
    const out: Bead =
      bead.created === undefined
        ? { project, file, id, title, status, priority, type, deps, files, labels, lines }
        : { project, file, id, title, status, priority, type, deps, files, labels, lines, created: ownCopy(bead.created) };
    if (bead.reason !== undefined) out.reason = ownCopy(bead.reason);
    return out;
  }

  /**
   * A bead from the disk cache, read field by field (so restored and parsed
   * beads have one shape and the graph code stays monomorphic). JSON.parse
   * makes strings of their own, and already shares values of up to 10
   * characters (V8 does, measured on Node 20): only longer values are
   * looked up.
   */
  restore(stored: Omit<Bead, 'project' | 'file'>, project: string, file: string): Bead {
    const { id, title, status, priority, type } = stored;
    const deps = this.sharedList(stored.deps, JSON_SHARES);
    const files = this.sharedList(stored.files, JSON_SHARES);
    const labels = this.sharedLabels(this.sharedList(stored.labels, JSON_SHARES));
    const lines = this.sharedLines(stored.lines);
    const bead: Bead =
      stored.created === undefined
        ? { project, file, id, title, status, priority, type, deps, files, labels, lines }
        : { project, file, id, title, status, priority, type, deps, files, labels, lines, created: stored.created };
    if (stored.reason !== undefined) bead.reason = stored.reason;
    return bead;
  }

  private shared<T extends string>(text: T): T {
    const known = this.texts.get(text);
    if (known !== undefined) return known as T;
    if (this.texts.size >= MAX_SHARED) this.texts.clear();
    const copy = ownCopy(text);
    this.texts.set(copy, copy);
    return copy as T;
  }

  /** The list with its texts longer than `sharedUpTo` shared, in place: lists come fresh from a parser and belong to the catalog. */
  private sharedList(list: string[], sharedUpTo: number): string[] {
    if (list.length === 0) return EMPTY;
    for (let index = 0; index < list.length; index++) {
      const text = list[index] ?? '';
      if (text.length > sharedUpTo) list[index] = this.shared(text);
    }
    return list;
  }

  /** Label lists repeat across beads (a few labels, used by many): equal lists are one frozen list. */
  private sharedLabels(labels: string[]): string[] {
    if (labels.length === 0) return labels;
    // The common single label is its own key (no key to build); longer lists are keyed by their JSON.
    const [only] = labels;
    const table = labels.length === 1 ? this.singleLabels : this.labelLists;
    const key = labels.length === 1 && only !== undefined ? only : JSON.stringify(labels);
    const known = table.get(key);
    if (known !== undefined) return known;
    if (table.size >= MAX_SHARED) table.clear();
    const list = Object.freeze(labels) as string[];
    table.set(key, list);
    return list;
  }

  private sharedLines(lines: Bead['lines']): Bead['lines'] {
    const { id, status, deps } = lines;
    // Line numbers of a frontmatter are small: three of them make one number key.
    if (id >= LINE_LIMIT || status >= LINE_LIMIT || deps >= LINE_LIMIT) return lines;
    const key = (id * LINE_LIMIT + status) * LINE_LIMIT + deps;
    const known = this.lines.get(key);
    if (known !== undefined) return known;
    if (this.lines.size >= MAX_SHARED) this.lines.clear();
    const copy = Object.freeze({ id, status, deps });
    this.lines.set(key, copy);
    return copy;
  }
}

/** A copy of `text` that does not point into a larger string. */
function ownCopy(text: string): string {
  return text.length < 13 ? text : Buffer.from(text, 'utf8').toString('utf8');
}
