import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseYamlWithEngine } from '../../src/beads/yaml-engine.js';
import { parseSimpleYaml } from '../../src/beads/yaml-fast.js';

/** The fast path must return exactly what js-yaml returns, or step aside (undefined). */

const ANSWERED = [
  'id: api-k3f9\ntitle: Add a /health endpoint\nstatus: open\npriority: 1',
  'deps: [api-7b2q, web:web-x81c]\nfiles: [src/server.ts, src/routes/**]\nlabels: []',
  'id: x   # comment\ntitle: "quoted: yes" # c\nother: \'single # not comment\'',
  'deps:\n  - a\n  - web:b\nfiles:\n- src/**\nempty:',
  'created: 2024-05-01T10:00:00.000Z\nwhen: 2024-05-01T10:00:00Z\nodd: 2024-13-45T99:00:00Z',
  '# only a comment first\n\nid: a\n\n# between\ntitle: foo#bar',
  'path: /abs/path\nunder_score: _x\nmixed-key: v',
  'list: ["a", \'b\']',
];

const CASES = [
  ...ANSWERED,
  'a: 012\nb: 0x10\nc: 1_000\nd: -1\ne: +1\nf: .5\ng: 1e3\nh: 1.0',
  'a: yes\nb: No\nc: TRUE\nd: null\ne: ~\nf: Null',
  'a: &x 1\nb: *x',
  'a: !!str 1',
  'a: |\n  block\nb: >\n  folded',
  'a: b\n  continued',
  'a: [x: y]',
  'a: [a, ]',
  'a: [a # c\n  , b]',
  'a: {b: 1}',
  'a:\n  b: 1',
  'a: x: y',
  'a: "esc\\n"',
  "a: 'it''s'",
  'a: 1\na: 2',
  '__proto__: x',
  'a: \u0085x',
  'a: x\u2028y',
  '\ta: 1',
  'a:\n\t- x',
  'a: - x',
  'a:\n- \n- x',
  'a:\n  - x\n    - y',
  'a:\n  - x\n - y',
  '? a\n: b',
  'a: 2024-05-01',
  'a: 123456789012345678',
  'a: "x" y',
  'a: [b]c',
  'a: [b] # ok',
  'a: [b]#x',
  'a: b #c #d',
  'a: @x',
  'a: `x',
  '"quoted": key',
  'a: b\n...\nc: d',
  '%YAML 1.2\n---\na: b',
  'y: 1',
  'on: 1',
];

describe('parseSimpleYaml', () => {
  it.each(CASES)('agrees with js-yaml or steps aside: %j', (yaml) => {
    const fast = parseSimpleYaml(yaml);
    if (fast === undefined) return;
    expect(isDeepStrictEqual(fast, parseYamlWithEngine(yaml))).toBe(true);
  });

  it.each(ANSWERED)('answers the common bead forms itself: %j', (yaml) => {
    expect(parseSimpleYaml(yaml)).not.toBeUndefined();
  });
});
