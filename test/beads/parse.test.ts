import { describe, expect, it } from 'vitest';
import { parseBead, type BeadParseResult } from '../../src/beads/index.js';

const SOURCE = { file: '/repo/api/.agents/beads/api-k3f9.md', project: 'api' };

const GOOD = `---
id: api-k3f9                 # <prefix>-<base36 hash>
title: Add a /health endpoint
status: open                 # proposed | open | ...
priority: 1
type: task
deps: [api-7b2q, web:web-x81c]
files: [src/server.ts, src/routes/**]
labels: [backend]
owner: alice
extra:
  nested: [1, 2]
---
What to do, and how to tell it is done.
`;

function problemsOf(result: BeadParseResult) {
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

function withLine(text: string, line: number, replacement: string): string {
  const lines = text.split('\n');
  lines[line - 1] = replacement;
  return lines.join('\n');
}

describe('parseBead', () => {
  it('reads every SPEC field, keeps unknown keys in raw and the body as is', () => {
    const result = parseBead(GOOD, SOURCE);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.bead).toMatchObject({
      project: 'api',
      id: 'api-k3f9',
      title: 'Add a /health endpoint',
      status: 'open',
      priority: 1,
      type: 'task',
      deps: ['api-7b2q', 'web:web-x81c'],
      files: ['src/server.ts', 'src/routes/**'],
      labels: ['backend'],
      lines: { id: 2, status: 4, deps: 7 },
    });
    expect(result.raw.data.owner).toBe('alice');
    expect(result.raw.data.extra).toEqual({ nested: [1, 2] });
    expect(result.raw.body).toBe('What to do, and how to tell it is done.\n');
  });

  it('applies defaults: priority 2, type task, empty lists', () => {
    const result = parseBead('---\nid: api-k3f9\ntitle: T\nstatus: proposed\n---\n', SOURCE);
    expect(result.ok && result.bead).toMatchObject({ priority: 2, type: 'task', deps: [], files: [], labels: [] });
  });

  it('normalises created to an ISO time, quoted or not', () => {
    for (const created of ['2024-05-01T10:00:00Z', "'2024-05-01T10:00:00.000Z'", '2024-05-01 10:00:00']) {
      const result = parseBead(`---\nid: api-k3f9\ntitle: T\nstatus: open\ncreated: ${created}\n---\n`, SOURCE);
      expect(result.ok && result.bead.created).toBe('2024-05-01T10:00:00.000Z');
    }
  });

  it('reads CRLF files and a leading BOM', () => {
    const result = parseBead(`\uFEFF${GOOD.replaceAll('\n', '\r\n')}`, SOURCE);
    expect(result.ok && result.bead.deps).toEqual(['api-7b2q', 'web:web-x81c']);
    expect(result.ok && result.raw.body).toBe('What to do, and how to tell it is done.\r\n');
  });

  it('reports malformed YAML with its line', () => {
    const problems = problemsOf(parseBead(withLine(GOOD, 6, 'type: [task'), SOURCE));
    expect(problems[0]).toMatchObject({ kind: 'yaml', file: SOURCE.file, project: 'api', id: 'api-k3f9' });
    expect(problems[0]?.line).toBeGreaterThanOrEqual(6);
    expect(problems[0]?.line).toBeLessThanOrEqual(12);
    expect(problemsOf(parseBead(withLine(GOOD, 9, 'labels: backend: x'), SOURCE))[0]).toMatchObject({ kind: 'yaml', line: 9 });
  });

  it('reports a duplicated key as a YAML error on its second line', () => {
    const problems = problemsOf(parseBead(withLine(GOOD, 10, 'status: closed'), SOURCE));
    expect(problems[0]).toMatchObject({ kind: 'yaml', line: 10 });
    expect(problems[0]?.reason).toMatch(/duplicated/);
  });

  it('reports an unknown status at the status line', () => {
    const problems = problemsOf(parseBead(withLine(GOOD, 4, 'status: doing'), SOURCE));
    expect(problems).toEqual([
      expect.objectContaining({ kind: 'schema', line: 4, reason: expect.stringMatching(/status "doing" is not one of proposed, open/) }),
    ]);
  });

  it('reports wrong types with their lines', () => {
    expect(problemsOf(parseBead(withLine(GOOD, 5, 'priority: high'), SOURCE))[0]).toMatchObject({ line: 5, reason: expect.stringMatching(/priority/) });
    expect(problemsOf(parseBead(withLine(GOOD, 5, 'priority: 7'), SOURCE))[0]).toMatchObject({ line: 5 });
    expect(problemsOf(parseBead(withLine(GOOD, 7, 'deps: api-7b2q'), SOURCE))[0]).toMatchObject({ line: 7, reason: expect.stringMatching(/deps must be a list/) });
    expect(problemsOf(parseBead(withLine(GOOD, 7, 'deps: [1, 2]'), SOURCE))[0]).toMatchObject({ line: 7 });
    expect(problemsOf(parseBead(withLine(GOOD, 8, 'files: [../outside.ts]'), SOURCE))[0]).toMatchObject({ line: 8, reason: expect.stringMatching(/\.\./) });
    expect(problemsOf(parseBead(withLine(GOOD, 7, 'deps: [api 7b2q]'), SOURCE))[0]).toMatchObject({ line: 7 });
    expect(problemsOf(parseBead(withLine(GOOD, 3, 'title:'), SOURCE))[0]).toMatchObject({ line: 3, reason: expect.stringMatching(/title/) });
  });

  it('reports a missing required key at line 1', () => {
    const problems = problemsOf(parseBead('---\nid: api-k3f9\nstatus: open\n---\n', SOURCE));
    expect(problems).toEqual([expect.objectContaining({ line: 1, reason: 'title is missing' })]);
  });

  it('reports an id that does not match the file name, at the id line', () => {
    const problems = problemsOf(parseBead(GOOD, { ...SOURCE, file: '/repo/api/.agents/beads/api-zzzz.md' }));
    expect(problems).toEqual([expect.objectContaining({ kind: 'id', line: 2, id: 'api-k3f9', reason: expect.stringMatching(/api-zzzz\.md/) })]);
  });

  it('reports conflict markers anywhere, each with its line', () => {
    const text = `---\nid: api-k3f9\n<<<<<<< HEAD\ntitle: A\n=======\ntitle: B\n>>>>>>> branch\nstatus: open\n---\nbody\n`;
    expect(problemsOf(parseBead(text, SOURCE)).map((p) => [p.kind, p.line])).toEqual([
      ['conflict', 3],
      ['conflict', 5],
      ['conflict', 7],
    ]);
    const inBody = `${GOOD}\n<<<<<<< ours\nmine\n=======\ntheirs\n>>>>>>> theirs\n`;
    expect(problemsOf(parseBead(inBody, SOURCE)).map((p) => p.line)).toEqual([16, 18, 20]);
  });

  it('accepts a markdown heading underline of seven = in the body', () => {
    expect(parseBead(`${GOOD}\nHeading\n=======\n`, SOURCE).ok).toBe(true);
  });

  it('reports a file without frontmatter, or never closed, at line 1', () => {
    expect(problemsOf(parseBead('just text\n', SOURCE))[0]).toMatchObject({ kind: 'frontmatter', line: 1 });
    expect(problemsOf(parseBead('---\nid: api-k3f9\ntitle: T\n', SOURCE))[0]).toMatchObject({ kind: 'frontmatter', line: 1 });
    expect(problemsOf(parseBead('', SOURCE))[0]).toMatchObject({ kind: 'frontmatter', line: 1 });
  });

  it('reports frontmatter that is not a mapping', () => {
    expect(problemsOf(parseBead('---\n- a\n- b\n---\n', SOURCE))[0]).toMatchObject({ kind: 'yaml', line: 2 });
  });

  it('never evaluates code: a ---js block is just invalid', () => {
    const marker = '__orchEvaluated';
    const text = `---js\n{ id: (globalThis.${marker} = 1, 'api-k3f9') }\n---\n`;
    expect(parseBead(text, SOURCE).ok).toBe(false);
    expect((globalThis as Record<string, unknown>)[marker]).toBeUndefined();
  });

  it('does not take ---- or --- with text as the closing line', () => {
    const text = '---\nid: api-k3f9\ntitle: T\nstatus: open\n----\nbody\n---\n';
    const result = parseBead(text, SOURCE);
    expect(result.ok).toBe(false);
  });

  it('keeps a body containing --- lines intact', () => {
    const body = 'Intro\n---\nmore\n---\n';
    const result = parseBead(`---\nid: api-k3f9\ntitle: T\nstatus: open\n---\n${body}`, SOURCE);
    expect(result.ok && result.raw.body).toBe(body);
  });
});
