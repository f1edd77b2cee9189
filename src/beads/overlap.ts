import picomatch from 'picomatch';

/**
 * Whether two declared write scopes could touch the same file. The answer
 * must be conservative: "no" only when no path can match both. The rule:
 *
 * 1. Equal patterns, or one matches the other's literal text: overlap.
 * 2. Patterns without braces, extglobs or negation are compared segment by
 *    segment (`/`-separated), where `**` takes any number of segments and two
 *    ordinary segments are compatible unless provably disjoint: two literals
 *    that differ, a literal the other's segment glob does not match, or two
 *    `*`-only globs whose fixed prefixes (or suffixes) disagree (`*.md` vs
 *    `*.ts`). A literal pattern also stands for the directory it may name
 *    (`src` covers `src/**`).
 * 3. Anything else: overlap unless the static bases (picomatch.scan) are
 *    unrelated directories (neither is a path prefix of the other).
 */

export interface ScopeGlob {
  source: string;
  /** Normalised pattern. */
  pattern: string;
  /** Segments, or undefined when the pattern cannot be split safely (braces, extglobs). */
  segments: string[] | undefined;
  literal: boolean;
  negated: boolean;
  base: string;
  /** Whether a repo-relative path falls in this scope (a literal also covers what is below it). */
  matches(path: string): boolean;
}

const compiled = new Map<string, ScopeGlob>();
const segmentMatchers = new Map<string, (text: string) => boolean>();

function normalize(pattern: string): string {
  let out = pattern.trim().replace(/\/{2,}/g, '/');
  while (out.startsWith('./')) out = out.slice(2);
  if (out.endsWith('/')) out = `${out}**`;
  return out;
}

export function compileScopeGlob(source: string): ScopeGlob {
  const cached = compiled.get(source);
  if (cached !== undefined) return cached;
  const pattern = normalize(source);
  const scan = picomatch.scan(pattern);
  const negated = pattern.startsWith('!');
  const literal = !scan.isGlob && !negated;
  const splittable = !negated && !scan.isBrace && !scan.isExtglob && !/\[[^\]]*\//.test(pattern);
  const matcher = picomatch(pattern, { dot: true });
  const glob: ScopeGlob = {
    source,
    pattern,
    segments: splittable ? pattern.split('/') : undefined,
    literal,
    negated,
    base: scan.base,
    matches: (path) => matcher(path) || (literal && path.startsWith(`${pattern}/`)),
  };
  if (compiled.size > 10_000) compiled.clear();
  compiled.set(source, glob);
  return glob;
}

export function globsOverlap(left: string | ScopeGlob, right: string | ScopeGlob): boolean {
  const a = typeof left === 'string' ? compileScopeGlob(left) : left;
  const b = typeof right === 'string' ? compileScopeGlob(right) : right;
  if (a.negated || b.negated) return true;
  if (a.pattern === b.pattern || a.matches(b.pattern) || b.matches(a.pattern)) return true;
  if (a.segments === undefined || b.segments === undefined) return related(a.base, b.base);
  const sa = a.literal ? [...a.segments, '**'] : a.segments;
  const sb = b.literal ? [...b.segments, '**'] : b.segments;
  return segmentsIntersect(sa, sb);
}

/** The pairs of patterns (left, right) that overlap. */
export function scopeOverlaps(left: readonly string[], right: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (const a of left) for (const b of right) if (globsOverlap(a, b)) pairs.push([a, b]);
  return pairs;
}

function related(x: string, y: string): boolean {
  return x === '' || y === '' || x === y || x.startsWith(`${y}/`) || y.startsWith(`${x}/`);
}

function segmentsIntersect(a: readonly string[], b: readonly string[]): boolean {
  const memo = new Map<number, boolean>();
  const width = b.length + 1;
  const visit = (i: number, j: number): boolean => {
    const id = i * width + j;
    const known = memo.get(id);
    if (known !== undefined) return known;
    memo.set(id, false);
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    else if (a[i] === '**') result = visit(i + 1, j) || (j < b.length && visit(i, j + 1));
    else if (b[j] === '**') result = visit(i, j + 1) || (i < a.length && visit(i + 1, j));
    else if (i < a.length && j < b.length) result = segmentsCompatible(a[i] ?? '', b[j] ?? '') && visit(i + 1, j + 1);
    else result = false;
    memo.set(id, result);
    return result;
  };
  return visit(0, 0);
}

const GLOB_CHARS = /[*?[]/;

function segmentsCompatible(x: string, y: string): boolean {
  if (x === y) return true;
  const xGlob = GLOB_CHARS.test(x);
  const yGlob = GLOB_CHARS.test(y);
  if (!xGlob && !yGlob) return false;
  if (!xGlob) return segmentMatcher(y)(x);
  if (!yGlob) return segmentMatcher(x)(y);
  if (/[?[]/.test(x) || /[?[]/.test(y)) return true;
  const [px, sx] = fixedEnds(x);
  const [py, sy] = fixedEnds(y);
  return (px.startsWith(py) || py.startsWith(px)) && (sx.endsWith(sy) || sy.endsWith(sx));
}

function fixedEnds(segment: string): [string, string] {
  return [segment.slice(0, segment.indexOf('*')), segment.slice(segment.lastIndexOf('*') + 1)];
}

function segmentMatcher(segment: string): (text: string) => boolean {
  let matcher = segmentMatchers.get(segment);
  if (matcher === undefined) {
    matcher = picomatch(segment, { dot: true });
    if (segmentMatchers.size > 10_000) segmentMatchers.clear();
    segmentMatchers.set(segment, matcher);
  }
  return matcher;
}
