/**
 * Pure extraction of the fenced code blocks tagged `orch-script` from a bead
 * body, following CommonMark's fenced code block rules:
 * - an opening fence is 0-3 columns of indentation, then at least three
 *   backticks or tildes; a backtick fence's info string may not contain a backtick;
 * - the info string's first word names the language: it must be exactly `orch-script`;
 * - the block closes at a line of 0-3 columns of indentation, the same fence
 *   character, at least as many of them, and nothing after but spaces or tabs;
 * - an unclosed fence runs to the end of the document;
 * - content lines lose up to as many leading spaces as the opening fence had.
 * Fences inside block quotes or deeply indented list items are not recognised
 * (a fence indented by 1-3 spaces, as in a simple list item, is).
 */

export const SCRIPT_TAG = 'orch-script';

export interface ScriptBlock {
  /** 1-based position among the orch-script blocks. */
  index: number;
  /** 1-based line of the opening fence in the text given. */
  line: number;
  /** The script, each line ending in a newline. */
  content: string;
}

interface Fence {
  char: '`' | '~';
  length: number;
  indent: number;
  info: string;
}

/** The visual column width of a line's leading whitespace (tabs to multiples of 4), and where the rest starts. */
function measureIndent(line: string): { columns: number; rest: number } {
  let columns = 0;
  let i = 0;
  for (; i < line.length; i++) {
    const ch = line[i];
    if (ch === ' ') columns += 1;
    else if (ch === '\t') columns += 4 - (columns % 4);
    else break;
  }
  return { columns, rest: i };
}

function parseOpeningFence(line: string): Fence | undefined {
  const { columns, rest } = measureIndent(line);
  if (columns > 3) return undefined;
  const ch = line[rest];
  if (ch !== '`' && ch !== '~') return undefined;
  let end = rest;
  while (line[end] === ch) end++;
  const length = end - rest;
  if (length < 3) return undefined;
  const info = line.slice(end).trim();
  if (ch === '`' && info.includes('`')) return undefined;
  return { char: ch, length, indent: columns, info };
}

function isClosingFence(line: string, open: Fence): boolean {
  const { columns, rest } = measureIndent(line);
  if (columns > 3) return false;
  let end = rest;
  while (line[end] === open.char) end++;
  if (end - rest < open.length) return false;
  return /^[ \t]*$/.test(line.slice(end));
}

/** Remove up to `indent` leading spaces (CommonMark strips the opening fence's indentation from content lines). */
function stripIndent(line: string, indent: number): string {
  let i = 0;
  while (i < indent && line[i] === ' ') i++;
  return line.slice(i);
}

/** The first word of an info string (CommonMark: the language). */
export function infoWord(info: string): string {
  return info.split(/[ \t]/, 1)[0] ?? '';
}

/** Every block whose info string's first word is exactly `orch-script`, in document order. */
export function extractScriptBlocks(markdown: string): ScriptBlock[] {
  const lines = markdown.split(/\r\n|\n|\r/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const blocks: ScriptBlock[] = [];
  let open: (Fence & { line: number; body: string[] }) | undefined;
  for (const [i, line] of lines.entries()) {
    if (open === undefined) {
      const fence = parseOpeningFence(line);
      if (fence !== undefined) open = { ...fence, line: i + 1, body: [] };
      continue;
    }
    if (isClosingFence(line, open)) {
      collect(blocks, open);
      open = undefined;
      continue;
    }
    open.body.push(stripIndent(line, open.indent));
  }
  if (open !== undefined) collect(blocks, open);
  return blocks;
}

function collect(blocks: ScriptBlock[], fence: Fence & { line: number; body: string[] }): void {
  if (infoWord(fence.info) !== SCRIPT_TAG) return;
  blocks.push({
    index: blocks.length + 1,
    line: fence.line,
    content: fence.body.map((l) => `${l}\n`).join(''),
  });
}
