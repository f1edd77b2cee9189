/**
 * Finding the frontmatter block of a bead file without parsing YAML: the
 * opening `---` on line 1, the next line that is exactly `---`, conflict
 * markers, and where each top-level key is. One pass with indexOf and no
 * per-line objects (this runs for every bead of every project); `splitLines`
 * gives rewrites the offsets they splice.
 */

export interface FrontmatterBlock {
  /** The YAML between the delimiters, with `\r\n` read as `\n`; its first line is line 2 of the file. */
  yaml: string;
  /** 1-based line of the closing `---`. */
  closeLine: number;
  /** Offset where the body starts. */
  bodyStart: number;
}

export type SplitResult = { ok: true; block: FrontmatterBlock } | { ok: false; line: number; reason: string };

const BOM = 0xfeff;
const DASH = 45;
const SPACE = 32;
const TAB = 9;
const CR = 13;

/** Whether text[start, end) is `---` followed only by spaces, tabs or a CR. */
function isDelimiter(text: string, start: number, end: number): boolean {
  if (end - start < 3 || text.charCodeAt(start) !== DASH || text.charCodeAt(start + 1) !== DASH || text.charCodeAt(start + 2) !== DASH) return false;
  for (let i = start + 3; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code !== SPACE && code !== TAB && code !== CR) return false;
  }
  return true;
}


export function splitFrontmatter(text: string): SplitResult {
  const start = text.charCodeAt(0) === BOM ? 1 : 0;
  const firstEnd = lineEnd(text, start);
  if (!isDelimiter(text, start, firstEnd)) {
    return { ok: false, line: 1, reason: "a bead file starts with a line '---', then YAML frontmatter, then '---' and the body" };
  }
  const unclosed: SplitResult = { ok: false, line: 1, reason: "the frontmatter opened on line 1 is never closed by a line '---'" };
  if (firstEnd >= text.length) return unclosed;
  const yamlStart = firstEnd + 1;
  for (let lineStart = yamlStart, line = 2; ; line++) {
    const end = lineEnd(text, lineStart);
    if (isDelimiter(text, lineStart, end)) {
      let yaml = lineStart > yamlStart ? text.slice(yamlStart, lineStart - 1) : '';
      if (yaml.includes('\r')) yaml = yaml.replace(/\r\n/g, '\n').replace(/\r$/, '');
      return { ok: true, block: { yaml, closeLine: line, bodyStart: Math.min(end + 1, text.length) } };
    }
    if (end >= text.length) return unclosed;
    lineStart = end + 1;
  }
}

function lineEnd(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  return newline < 0 ? text.length : newline;
}

const keyPatterns = new Map<string, RegExp>();

/**
 * The 1-based file line of a top-level `key:` (plain or quoted key) in the
 * frontmatter, found on demand so that parsing 50,000 beads builds no
 * per-bead key table.
 */
export function lineOfKey(block: FrontmatterBlock, key: string): number | undefined {
  let pattern = keyPatterns.get(key);
  if (pattern === undefined) {
    const name = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    pattern = new RegExp(`^(?:${name}|"${name}"|'${name}')[ \\t]*:(?:[ \\t]|$)`, 'm');
    if (keyPatterns.size < 1000) keyPatterns.set(key, pattern);
  }
  const match = pattern.exec(block.yaml);
  if (match === null) return undefined;
  let line = 2;
  for (let at = block.yaml.indexOf('\n'); at >= 0 && at < match.index; at = block.yaml.indexOf('\n', at + 1)) line++;
  return line;
}

export interface TextLine {
  /** 1-based. */
  number: number;
  start: number;
  /** Offset of the end of the content (before `\r\n` or `\n`). */
  end: number;
  /** Offset just after the line break (== end at the end of the text). */
  next: number;
  content: string;
}

/** The first `limit` lines of a text with their offsets; line 1 starts after a BOM. */
export function splitLines(text: string, limit = Infinity): TextLine[] {
  const lines: TextLine[] = [];
  let start = text.charCodeAt(0) === BOM ? 1 : 0;
  while (start <= text.length && lines.length < limit) {
    const newline = text.indexOf('\n', start);
    const next = newline < 0 ? text.length : newline + 1;
    let end = newline < 0 ? text.length : newline;
    if (end > start && text.charCodeAt(end - 1) === CR) end--;
    lines.push({ number: lines.length + 1, start, end, next, content: text.slice(start, end) });
    if (newline < 0) break;
    start = next;
  }
  return lines;
}

const STRONG_MARKER = /^(?:<{7}|>{7}|\|{7})(?:[ \t\r]|$)/m;
const ANY_MARKER = /^(?:<{7}|>{7}|\|{7}|={7})(?:[ \t\r]|$)/m;
const MIDDLE_MARKER = /^={7}[ \t]*$/;

/**
 * Lines holding merge conflict markers. `<<<<<<<`, `|||||||` and `>>>>>>>`
 * count anywhere; a lone `=======` (also a markdown heading underline) counts
 * when another marker is present or when it sits inside the frontmatter.
 */
export function findConflictMarkers(text: string, frontmatterEnd = 0): number[] {
  if (!ANY_MARKER.test(text)) return [];
  const strong = STRONG_MARKER.test(text);
  const found: number[] = [];
  for (const line of splitLines(text)) {
    if (/^(?:<{7}|>{7}|\|{7})(?:[ \t]|$)/.test(line.content)) found.push(line.number);
    else if (MIDDLE_MARKER.test(line.content) && (strong || line.start < frontmatterEnd)) found.push(line.number);
  }
  return found;
}
