/**
 * A fast path for the YAML that bead frontmatter almost always is: top-level
 * `key: scalar`, `key: [a, b]`, and `key:` followed by `- item` lines, with
 * comments. It returns exactly what gray-matter's YAML engine (js-yaml) would
 * return, or undefined for anything it is not certain about, and the caller
 * then parses with the full engine. Certainty is cheap: a value that could
 * be a number, boolean, null, alias, tag, anchor, nested block or escape is
 * left to js-yaml. (50,000 beads: ~1 s with js-yaml, a tenth of it here.)
 */

type Scalar = string | number | Date;
type Value = Scalar | Scalar[] | null;

const ITEM = /^( *)-[ \t]+(.*)$/;
/** Characters js-yaml refuses or treats as breaks (control characters, a lone CR, NEL, LS/PS, BOM, lone surrogates), and tabs at a line start. */
const UNSAFE = /[\x00-\x08\x0B-\x1F\x7F-\x9F\u2028\u2029\uFEFF\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]|^\t/m;
const RESERVED_WORD = /^(?:null|true|false|yes|no|on|off|y|n)$/i;
const INTEGER = /^(?:0|[1-9][0-9]{0,14})$/;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{3})?Z$/;
const FLOW_INDICATOR = /[[\]{},]/;

const SPACE = 32;
const TAB = 9;
const HASH = 35;
const COLON = 58;

export function parseSimpleYaml(yaml: string): Record<string, Value> | undefined {
  if (UNSAFE.test(yaml)) return undefined;
  const lines = yaml.split('\n');
  const out: Record<string, Value> = {};
  let keys = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (isBlankOrComment(line, 0)) continue;
    const colon = keyEnd(line);
    if (colon < 0) return undefined;
    const key = line.slice(0, colon);
    if (key === '__proto__' || (key.length <= 5 && RESERVED_WORD.test(key)) || Object.hasOwn(out, key)) return undefined;
    let restStart = colon + 1;
    while (isSpace(line.charCodeAt(restStart))) restStart++;
    let value: Value | undefined;
    if (isBlankOrComment(line, restStart)) {
      const items = readBlockSequence(lines, i + 1);
      if (items === undefined) return undefined;
      value = items.values;
      i = items.last;
    } else {
      const rest = line.slice(restStart);
      value = rest.startsWith('[') ? parseFlowSequence(rest) : parseScalar(rest, false);
    }
    if (value === undefined) return undefined;
    out[key] = value;
    keys++;
  }
  return keys === 0 ? undefined : out;
}

function isSpace(code: number): boolean {
  return code === SPACE || code === TAB;
}

/** Index of the `:` ending a plain key `[A-Za-z_][A-Za-z0-9_-]*` followed by a space, tab or the end; -1 otherwise. */
function keyEnd(line: string): number {
  const first = line.charCodeAt(0);
  if (!(isLetter(first) || first === 95)) return -1;
  for (let i = 1; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (code === COLON) return i + 1 === line.length || isSpace(line.charCodeAt(i + 1)) ? i : -1;
    if (!(isLetter(code) || isDigit(code) || code === 95 || code === 45)) return -1;
  }
  return -1;
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isBlankOrComment(text: string, from: number): boolean {
  let i = from;
  while (isSpace(text.charCodeAt(i))) i++;
  return i >= text.length || text.charCodeAt(i) === HASH;
}

/** `- item` lines after `key:`; null when there are none. */
function readBlockSequence(lines: readonly string[], from: number): { values: Scalar[] | null; last: number } | undefined {
  const values: Scalar[] = [];
  let indent = -1;
  let last = from - 1;
  for (let i = from; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (isBlankOrComment(line, 0)) continue;
    const match = ITEM.exec(line);
    if (match === null) {
      if (line.startsWith(' ')) return undefined;
      break;
    }
    const width = match[1]?.length ?? 0;
    if (indent >= 0 && width !== indent) return undefined;
    indent = width;
    const value = parseScalar(match[2] ?? '', false);
    if (value === undefined) return undefined;
    values.push(value);
    last = i;
  }
  return { values: values.length === 0 ? null : values, last };
}

function parseFlowSequence(text: string): Scalar[] | undefined {
  const close = text.indexOf(']');
  if (close < 0) return undefined;
  if (close + 1 < text.length && !(isSpace(text.charCodeAt(close + 1)) && isBlankOrComment(text, close + 1))) return undefined;
  const inner = text.slice(1, close);
  if (inner.includes('#')) return undefined;
  if (inner.trim() === '') return [];
  const values: Scalar[] = [];
  for (const part of inner.split(',')) {
    const value = parseScalar(part.trim(), true);
    if (value === undefined) return undefined;
    values.push(value);
  }
  return values;
}

/** One scalar and an optional trailing comment; undefined when not certain. */
function parseScalar(text: string, inFlow: boolean): Scalar | undefined {
  const first = text.charCodeAt(0);
  if (first === 39 || first === 34) return parseQuoted(text, inFlow);
  let plain = text;
  const hash = text.indexOf('#');
  if (hash >= 0) {
    const comment = text.search(/[ \t]#/);
    if (comment >= 0) plain = text.slice(0, comment);
  }
  if (isSpace(plain.charCodeAt(plain.length - 1))) plain = plain.trimEnd();
  if (plain === '') return undefined;
  if (isDigit(first)) {
    if (INTEGER.test(plain)) return Number(plain);
    if (TIMESTAMP.test(plain)) return timestampOf(plain);
    return undefined;
  }
  if (!(isLetter(first) || first === 95 || first === 47)) return undefined;
  if (plain.length <= 5 && RESERVED_WORD.test(plain)) return undefined;
  const colon = plain.indexOf(':');
  if (colon >= 0 && (plain.endsWith(':') || /:[ \t]/.test(plain))) return undefined;
  if (inFlow && FLOW_INDICATOR.test(plain)) return undefined;
  return plain;
}

function parseQuoted(text: string, inFlow: boolean): string | undefined {
  const quote = text[0] ?? '';
  const close = text.indexOf(quote, 1);
  if (close < 0) return undefined;
  const inner = text.slice(1, close);
  if (quote === '"' && inner.includes('\\')) return undefined;
  const rest = text.slice(close + 1);
  if (rest !== '' && (inFlow || !/^[ \t]+(?:#.*)?$/.test(rest))) return undefined;
  return inner;
}

/** The same arithmetic as js-yaml's timestamp type (Date.UTC, fields may overflow). */
function timestampOf(text: string): Date {
  const field = (from: number, to: number) => Number(text.slice(from, to));
  const millis = text.length > 20 ? field(20, 23) : 0;
  return new Date(Date.UTC(field(0, 4), field(5, 7) - 1, field(8, 10), field(11, 13), field(14, 16), field(17, 19), millis));
}
