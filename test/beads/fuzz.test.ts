import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isOrchError } from '../../src/errors/index.js';
import { BEAD_STATUSES, isBeadId, isDepRef, parseBead, setBeadFields, type BeadParseResult } from '../../src/beads/index.js';
import { splitFrontmatter } from '../../src/beads/frontmatter.js';
import { parseYamlWithEngine } from '../../src/beads/yaml-engine.js';
import { parseSimpleYaml } from '../../src/beads/yaml-fast.js';
import { prng } from '../support/prng.js';

/**
 * A generated fuzz set: valid bead files in several styles, each mutated by a
 * seeded PRNG (byte flips, truncations, injected conflict markers, bad YAML,
 * wrong types, duplicated and dropped lines, stray control bytes). Parsing
 * must never throw; every invalid file must be reported with its file and a
 * line inside it; mutations that must break a bead must be caught; and the
 * fast YAML path must agree with js-yaml whenever it answers.
 */

const FILE = '/ws/api/.agents/beads/api-k3f9.md';
const SOURCE = { file: FILE, project: 'api' };

const BASES = [
  `---\nid: api-k3f9\ntitle: Add a /health endpoint\nstatus: open\npriority: 1\ntype: task\ndeps: [api-7b2q, web:web-x81c]\nfiles: [src/server.ts, src/routes/**]\nlabels: [backend]\ncreated: 2024-05-01T10:00:00.000Z\n---\nWhat to do.\n`,
  `---\n# comment\nid: api-k3f9   # the id\ntitle: 'Quoted: title'\nstatus: proposed\ndeps:\n  - api-a1\n  - web:w2\nfiles:\n- "src/**/*.ts"\nowner: alice\nmeta:\n  nested: {a: 1}\n---\nBody\n---\nmore body\n\`\`\`orch-script\necho hi\n\`\`\`\n`,
  `---\r\nid: api-k3f9\r\ntitle: CRLF bead\r\nstatus: closed\r\npriority: 0\r\ntype: bug\r\nlabels: []\r\n---\r\nbody\r\n`,
  `---\nid: api-k3f9\ntitle: "Escaped \\"title\\""\nstatus: failed\nreason: |\n  it broke\n  twice\nfiles: []\n---`,
];

const ALPHABET = [..."abcz09-_:#[]{},'\"|>!&*?%@`\\/ \t\n\r.", '\0', '\u0085', '\u2028', '\uFEFF', 'é', '✓', '\uD800'];

type Expectation = 'invalid' | 'unknown';
interface Case {
  text: string;
  mutation: string;
  expect: Expectation;
  kind?: string;
}

function mutate(base: string, random: () => number): Case {
  const int = (n: number) => Math.floor(random() * n);
  const lines = base.split('\n');
  const at = 1 + int(Math.max(1, lines.length - 1));
  const withLines = (next: string[]) => next.join('\n');
  switch (int(11)) {
    case 0: {
      let text = base;
      for (let flips = 1 + int(4); flips > 0; flips--) {
        const pos = int(text.length);
        text = text.slice(0, pos) + (ALPHABET[int(ALPHABET.length)] ?? '') + text.slice(pos + 1);
      }
      return { text, mutation: 'byte flips', expect: 'unknown' };
    }
    case 1:
      return { text: base.slice(0, int(base.length)), mutation: 'truncation', expect: 'unknown' };
    case 2: {
      const marker = ['<<<<<<< HEAD', '>>>>>>> feature', '||||||| base'][int(3)] ?? '';
      return { text: withLines([...lines.slice(0, at), marker, ...lines.slice(at)]), mutation: 'conflict marker', expect: 'invalid', kind: 'conflict' };
    }
    case 3: {
      const bad = ['deps: [unclosed', 'title: "unterminated', '\tstatus: open', 'x: y: z', '- stray', 'key: @at', 'files: [*.ts]', '  indented: wrong'][int(8)] ?? '';
      const fmEnd = lines.indexOf('---', 1) >= 0 ? lines.indexOf('---', 1) : lines.findIndex((l, i) => i > 0 && l.startsWith('---'));
      const where = 1 + int(Math.max(1, fmEnd - 1));
      return { text: withLines([...lines.slice(0, where), bad, ...lines.slice(where)]), mutation: `bad yaml ${bad}`, expect: 'unknown' };
    }
    case 4: {
      const [key, value] = ([
        ['priority', '"high"'],
        ['priority', '9'],
        ['status', 'doing'],
        ['deps', '5'],
        ['deps', '[not a dep]'],
        ['title', '[a, b]'],
        ['files', '[../escape.ts]'],
        ['type', 'story'],
        ['labels', '{a: 1}'],
        ['created', 'yesterday'],
      ] as const)[int(10)] ?? ['status', 'doing'];
      const crlf = base.includes('\r\n');
      const cleaned = dropEntry(lines, key);
      return {
        text: withLines([cleaned[0] ?? '---', `${key}: ${value}${crlf ? '\r' : ''}`, ...cleaned.slice(1)]),
        mutation: `wrong type ${key}: ${value}`,
        expect: 'invalid',
        kind: 'schema',
      };
    }
    case 5: {
      const line = lines[at] ?? '';
      return { text: withLines([...lines.slice(0, at), line, ...lines.slice(at)]), mutation: 'duplicated line', expect: 'unknown' };
    }
    case 6:
      return { text: withLines([...lines.slice(0, at), ...lines.slice(at + 1)]), mutation: 'dropped line', expect: 'unknown' };
    case 7: {
      const other = 1 + int(Math.max(1, lines.length - 1));
      const next = [...lines];
      [next[at], next[other]] = [next[other] ?? '', next[at] ?? ''];
      return { text: withLines(next), mutation: 'swapped lines', expect: 'unknown' };
    }
    case 8: {
      const pos = int(base.length);
      const junk = Array.from({ length: 1 + int(6) }, () => String.fromCharCode(int(0x80))).join('');
      return { text: base.slice(0, pos) + junk + base.slice(pos), mutation: 'control bytes', expect: 'unknown' };
    }
    case 9:
      return { text: base.replace('id: api-k3f9', `id: api-${int(1e6).toString(36)}x`), mutation: 'id mismatch', expect: 'invalid', kind: 'id' };
    default:
      return { text: base.replace(/^---/, ['', '--', '---js', 'x---', '----'][int(5)] ?? ''), mutation: 'broken opening', expect: 'invalid', kind: 'frontmatter' };
  }
}

/** The lines without the key's entry (its line and indented continuation). */
function dropEntry(lines: readonly string[], key: string): string[] {
  const out: string[] = [];
  let dropping = false;
  for (const line of lines) {
    if (line.replace(/\r$/, '').startsWith(`${key}:`)) {
      dropping = true;
      continue;
    }
    if (dropping && /^[ \t]|^- /.test(line)) continue;
    dropping = false;
    out.push(line);
  }
  return out;
}

function checkValidBead(result: Extract<BeadParseResult, { ok: true }>): void {
  const bead = result.bead;
  expect(bead.id).toBe('api-k3f9');
  expect(isBeadId(bead.id)).toBe(true);
  expect(BEAD_STATUSES).toContain(bead.status);
  expect(Number.isInteger(bead.priority) && bead.priority >= 0 && bead.priority <= 4).toBe(true);
  expect(bead.deps.every(isDepRef)).toBe(true);
  expect(typeof bead.title).toBe('string');
}

describe('bead fuzz', () => {
  const random = prng(20240501);
  const cases: Case[] = [];
  for (let i = 0; i < 3000; i++) {
    const base = BASES[i % BASES.length] ?? '';
    let mutated = mutate(base, random);
    if (random() < 0.3) {
      const again = mutate(mutated.text, random);
      // A second mutation may undo the first (truncating an injected marker away): no expectation.
      mutated = { text: again.text, mutation: `${mutated.mutation} + ${again.mutation}`, expect: 'unknown' };
    }
    cases.push(mutated);
  }

  it('starts from valid beads', () => {
    for (const base of BASES) expect(parseBead(base, SOURCE).ok, base).toBe(true);
  });

  it('never throws, and reports every invalid file with its file and a line inside it', () => {
    let invalid = 0;
    let valid = 0;
    for (const { text, mutation, expect: expected, kind } of cases) {
      let result: BeadParseResult | undefined;
      expect(() => (result = parseBead(text, SOURCE)), mutation).not.toThrow();
      if (result === undefined) continue;
      const lineCount = text.split('\n').length;
      if (result.ok) {
        valid++;
        expect(expected, `${mutation} should have been refused:\n${text}`).toBe('unknown');
        checkValidBead(result);
        continue;
      }
      invalid++;
      expect(result.problems.length, mutation).toBeGreaterThan(0);
      for (const problem of result.problems) {
        expect(problem.file).toBe(FILE);
        expect(Number.isInteger(problem.line) && problem.line >= 1 && problem.line <= lineCount, `${mutation}: line ${problem.line} of ${lineCount}`).toBe(true);
        expect(problem.reason.length).toBeGreaterThan(0);
      }
      if (kind !== undefined) {
        expect(result.problems.some((problem) => problem.kind === kind), `${mutation}: ${JSON.stringify(result.problems)}`).toBe(true);
      }
    }
    process.stdout.write(`fuzz: ${cases.length} files, ${invalid} invalid, ${valid} valid\n`);
    expect(cases.length).toBeGreaterThanOrEqual(1000);
    expect(invalid).toBeGreaterThan(500);
    expect(valid).toBeGreaterThan(100);
  });

  it('the fast YAML path agrees with js-yaml whenever it answers, and YAML js-yaml refuses is never a bead', () => {
    let answered = 0;
    for (const { text, mutation } of cases) {
      const split = splitFrontmatter(text);
      if (!split.ok) continue;
      let engineFails = false;
      try {
        parseYamlWithEngine(split.block.yaml);
      } catch {
        engineFails = true;
      }
      if (engineFails) expect(parseBead(text, SOURCE).ok, mutation).toBe(false);
      const fast = parseSimpleYaml(split.block.yaml);
      if (fast === undefined) continue;
      answered++;
      let full: unknown;
      expect(() => (full = parseYamlWithEngine(split.block.yaml)), `${mutation}\n${split.block.yaml}`).not.toThrow();
      expect(isDeepStrictEqual(fast, full), `${mutation}\n${split.block.yaml}`).toBe(true);
    }
    expect(answered).toBeGreaterThan(300);
  });

  it('rewriting the status of any valid mutant changes nothing else', () => {
    let rewritten = 0;
    for (const { text, mutation } of cases) {
      const before = parseBead(text, SOURCE);
      if (!before.ok) continue;
      let out: string;
      try {
        out = setBeadFields(text, { status: 'closed', reason: 'done: "ok"' }, FILE);
      } catch (error) {
        expect(isOrchError(error), `${mutation}: ${String(error)}`).toBe(true);
        continue;
      }
      rewritten++;
      const after = parseBead(out, SOURCE);
      expect(after.ok, mutation).toBe(true);
      if (!after.ok) continue;
      expect(after.bead.status).toBe('closed');
      expect(after.raw.body).toBe(before.raw.body);
      const { status: _s, reason: _r, ...restBefore } = before.raw.data;
      const { status: _s2, reason: _r2, ...restAfter } = after.raw.data;
      expect(isDeepStrictEqual(restBefore, restAfter), mutation).toBe(true);
    }
    expect(rewritten).toBeGreaterThan(100);
  });
});
