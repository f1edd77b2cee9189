import { isDeepStrictEqual } from 'node:util';
import { OrchError } from '../errors/index.js';
import { lineOfKey, splitFrontmatter, splitLines, type FrontmatterBlock, type TextLine } from './frontmatter.js';
import { formatBeadProblem } from './problem.js';
import { parseBead, type BeadParseResult } from './parse.js';
import type { BeadStatus } from './schema.js';
import { formatScalar } from './yaml-scalar.js';

/**
 * Change a bead's status (and reason) by replacing only those frontmatter
 * lines. Every other byte (unknown keys, comments, key order, quoting, line
 * endings, the body) stays as it was. The result is parsed again and checked
 * before it is returned, so a file this cannot edit safely is refused, never
 * mangled.
 */

export interface BeadFieldChanges {
  status: BeadStatus;
  /** A string sets `reason`, null removes it, undefined leaves it as it is. */
  reason?: string | null;
}

/** The frontmatter's lines up to and including the closing one (index `close`). */
interface Frontmatter {
  source: FrontmatterBlock;
  lines: TextLine[];
  close: number;
}

interface Splice {
  start: number;
  end: number;
  text: string;
}

/**
 * `file` names the bead in errors and checks the id against it; by default
 * the check uses the bead's own id.
 */
export function setBeadFields(text: string, changes: BeadFieldChanges, file?: string): string {
  const before = parseForRewrite(text, file);
  if (!before.ok) {
    const first = before.problems[0];
    throw new OrchError('BEAD_INVALID', `cannot rewrite an invalid bead: ${first === undefined ? 'invalid' : formatBeadProblem(first)}`, {
      data: { problems: before.problems },
      hint: 'fix the problems in the bead file first',
      ...(first === undefined ? {} : { location: { file: first.file, line: first.line } }),
    });
  }
  const split = splitFrontmatter(text);
  if (!split.ok) throw new OrchError('INTERNAL', 'bead frontmatter vanished between parses');
  const block: Frontmatter = { source: split.block, lines: splitLines(text, split.block.closeLine), close: split.block.closeLine - 1 };

  const splices: Splice[] = [editKey(text, block, 'status', changes.status)];
  if (typeof changes.reason === 'string') splices.push(editKey(text, block, 'reason', formatScalar(changes.reason)));
  if (changes.reason === null) {
    const removal = removeKey(block, 'reason');
    if (removal !== undefined) splices.push(removal);
  }
  const out = applySplices(text, splices);
  verifyRewrite(text, out, before, changes, file);
  return out;
}

function parseForRewrite(text: string, file: string | undefined): BeadParseResult {
  if (file !== undefined) return parseBead(text, { file, project: '' });
  const probe = parseBead(text, { file: 'bead.md', project: '' });
  if (probe.ok) return probe;
  const id = probe.problems.find((problem) => problem.kind === 'id')?.id;
  return id === undefined ? probe : parseBead(text, { file: `${id}.md`, project: '' });
}

/** The key's line and the indented lines that continue its value. */
function entryOf(block: Frontmatter, key: string): { first: TextLine; last: TextLine } | undefined {
  const number = lineOfKey(block.source, key);
  if (number === undefined) return undefined;
  const first = block.lines[number - 1];
  if (first === undefined) return undefined;
  let last = first;
  for (let index = number; index < block.close; index++) {
    const line = block.lines[index];
    if (line === undefined) break;
    if (/^[ \t]/.test(line.content)) last = line;
    else if (line.content.trim() !== '') break;
  }
  return { first, last };
}

function lineEnding(text: string, line: TextLine): string {
  const ending = text.slice(line.end, line.next);
  if (ending !== '') return ending;
  const first = text.indexOf('\n');
  return first > 0 && text[first - 1] === '\r' ? '\r\n' : '\n';
}

function editKey(text: string, block: Frontmatter, key: string, value: string): Splice {
  const entry = entryOf(block, key);
  if (entry === undefined) {
    const closing = block.lines[block.close];
    if (closing === undefined) throw new OrchError('INTERNAL', 'frontmatter without a closing line');
    return { start: closing.start, end: closing.start, text: `${key}: ${value}${lineEnding(text, closing)}` };
  }
  const { first, last } = entry;
  const colon = first.content.indexOf(':');
  const afterColon = first.content.slice(colon + 1);
  const gap = /^[ \t]*/.exec(afterColon)?.[0] ?? '';
  const tail = first === last ? trailingComment(afterColon.slice(gap.length)) : '';
  const line = `${first.content.slice(0, colon + 1)}${gap === '' ? ' ' : gap}${value}${tail}`;
  return { start: first.start, end: last.end, text: line };
}

function removeKey(block: Frontmatter, key: string): Splice | undefined {
  const entry = entryOf(block, key);
  return entry === undefined ? undefined : { start: entry.first.start, end: entry.last.next, text: '' };
}

/** ` # comment` after a one-line value, with the spacing before it. */
function trailingComment(value: string): string {
  let end: number;
  if (value.startsWith("'")) end = closingQuote(value, "'");
  else if (value.startsWith('"')) end = closingQuote(value, '"');
  else {
    const hash = value.search(/[ \t]#/);
    return hash < 0 ? '' : value.slice(value.slice(0, hash).trimEnd().length);
  }
  const rest = value.slice(end + 1);
  return /^[ \t]+#/.test(rest) ? rest : '';
}

function closingQuote(value: string, quote: string): number {
  for (let i = 1; i < value.length; i++) {
    if (quote === '"' && value[i] === '\\') i++;
    else if (value[i] === quote) {
      if (quote === "'" && value[i + 1] === "'") i++;
      else return i;
    }
  }
  return value.length;
}

function applySplices(text: string, splices: Splice[]): string {
  let out = text;
  for (const splice of [...splices].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, splice.start) + splice.text + out.slice(splice.end);
  }
  return out;
}

function verifyRewrite(text: string, out: string, before: BeadParseResult, changes: BeadFieldChanges, file: string | undefined): void {
  const refuse = (why: string): never => {
    throw new OrchError('BEAD_INVALID', `cannot rewrite this bead's status safely: ${why}`, {
      hint: 'write the frontmatter as plain `key: value` lines and try again',
      data: { file },
    });
  };
  if (!before.ok) return refuse('the bead is invalid');
  const after = parseBead(out, { file: file ?? `${before.bead.id}.md`, project: '' });
  if (!after.ok) return refuse(after.problems.map(formatBeadProblem).join('; '));
  if (after.bead.status !== changes.status) return refuse('status did not change');
  const expectedReason = changes.reason === undefined ? before.bead.reason : (changes.reason ?? undefined);
  if (after.bead.reason !== expectedReason) return refuse('reason did not change');
  const rest = (data: Record<string, unknown>) => Object.fromEntries(Object.entries(data).filter(([key]) => key !== 'status' && key !== 'reason'));
  if (!isDeepStrictEqual(rest(before.raw.data), rest(after.raw.data))) return refuse('other keys would change');
  if (after.raw.body !== before.raw.body || !out.endsWith(before.raw.body) || !text.endsWith(before.raw.body)) return refuse('the body would change');
}
