import { globsOverlap } from './overlap.js';

/**
 * globsOverlap's answers for a planner that asks the same pattern pairs
 * again and again, within a plan and across plans (the watcher plans after
 * every commit). Patterns get small numbers, so a pair is one number-keyed
 * lookup. Bounded: answers are dropped when there are too many, and the
 * numbering starts over between plans when too many patterns were seen.
 */

/** Pattern numbers stay below this, so a pair fits one safe integer key. */
const MAX_PATTERNS = 1 << 20;

export class OverlapMemo {
  private readonly ids = new Map<string, number>();
  private patterns: string[] = [];
  private readonly answers = new Map<number, boolean>();

  constructor(
    private readonly maxAnswers = 500_000,
    private readonly maxPatterns = 50_000,
  ) {}

  /**
   * Call before numbering a plan's patterns: numbers given since the last
   * call stay valid until the next. True when the numbering started over
   * (numbers kept from earlier plans are then meaningless).
   */
  startPlan(): boolean {
    if (this.patterns.length < this.maxPatterns) return false;
    this.ids.clear();
    this.patterns = [];
    this.answers.clear();
    return true;
  }

  idOf(pattern: string): number {
    let id = this.ids.get(pattern);
    if (id === undefined) {
      id = this.patterns.length;
      if (id >= MAX_PATTERNS) throw new RangeError('too many scope patterns in one plan');
      this.ids.set(pattern, id);
      this.patterns.push(pattern);
    }
    return id;
  }

  /** globsOverlap of the patterns numbered a and b. */
  overlap(a: number, b: number): boolean {
    const key = a * MAX_PATTERNS + b;
    const known = this.answers.get(key);
    if (known !== undefined) return known;
    const answer = globsOverlap(this.patterns[a] ?? '', this.patterns[b] ?? '');
    if (this.answers.size >= this.maxAnswers) this.answers.clear();
    this.answers.set(key, answer);
    return answer;
  }
}
