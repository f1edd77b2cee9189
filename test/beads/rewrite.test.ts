import { describe, expect, it } from 'vitest';
import { isOrchError } from '../../src/errors/index.js';
import { parseBead, setBeadFields } from '../../src/beads/index.js';

const FILE = 'api-k3f9.md';

const BEAD = `---
# written by hand
id: api-k3f9
title: "Add a /health endpoint"   # quoted on purpose
zeta: [z, y]
status: open    # proposed | open | closed
priority: 1
custom:
  nested: {a: 1}   # a comment inside
  list:
    - x
deps: [api-7b2q]
files: ['src/**']
---
What to do.
---
Not frontmatter: a body line of three dashes.

\`\`\`orch-script
echo done
\`\`\`
`;

function linesChanged(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) out.push(`${a[i] ?? '<none>'} => ${b[i] ?? '<none>'}`);
  return out;
}

describe('setBeadFields', () => {
  it('changes only the status value, keeping its comment, every other byte and the body', () => {
    const out = setBeadFields(BEAD, { status: 'closed' }, FILE);
    expect(out).toBe(BEAD.replace('status: open    # proposed', 'status: closed    # proposed'));
    expect(linesChanged(BEAD, out)).toEqual(['status: open    # proposed | open | closed => status: closed    # proposed | open | closed']);
  });

  it('returns the same text when nothing changes', () => {
    expect(setBeadFields(BEAD, { status: 'open' }, FILE)).toBe(BEAD);
  });

  it('keeps CRLF line endings, on the edited line and on an inserted one', () => {
    const crlf = BEAD.replaceAll('\n', '\r\n');
    const out = setBeadFields(crlf, { status: 'failed', reason: 'gate failed' }, FILE);
    expect(out).toBe(crlf.replace('status: open ', 'status: failed ').replace('files: [\'src/**\']\r\n---', "files: ['src/**']\r\nreason: gate failed\r\n---"));
    expect(out.replaceAll('\r\n', '').includes('\n')).toBe(false);
  });

  it('keeps a file without a trailing newline, and a body that is only ---', () => {
    const text = '---\nid: api-k3f9\ntitle: T\nstatus: open\n---\n---';
    expect(setBeadFields(text, { status: 'closed' }, FILE)).toBe('---\nid: api-k3f9\ntitle: T\nstatus: closed\n---\n---');
    const bare = '---\nid: api-k3f9\ntitle: T\nstatus: open\n---';
    expect(setBeadFields(bare, { status: 'closed' }, FILE)).toBe('---\nid: api-k3f9\ntitle: T\nstatus: closed\n---');
  });

  it('inserts a missing status just before the closing line', () => {
    const text = '---\nid: api-k3f9\ntitle: T\nstatus: open\n---\nbody\n';
    const noStatus = '---\nid: api-k3f9\ntitle: T\nx: 1\n---\nbody\n';
    expect(() => setBeadFields(noStatus, { status: 'open' }, FILE)).toThrow();
    expect(setBeadFields(text, { status: 'deferred', reason: 'later' }, FILE)).toBe('---\nid: api-k3f9\ntitle: T\nstatus: deferred\nreason: later\n---\nbody\n');
  });

  it('replaces quoted and multi-line values whole', () => {
    const text = '---\nid: api-k3f9\ntitle: T\nstatus: "open" # c\nreason: |\n  line one\n  line two\nafter: kept\n---\n';
    const out = setBeadFields(text, { status: 'failed', reason: 'merge conflict in "src/a.ts"\nsee run' }, FILE);
    expect(out).toBe('---\nid: api-k3f9\ntitle: T\nstatus: failed # c\nreason: "merge conflict in \\"src/a.ts\\"\\nsee run"\nafter: kept\n---\n');
    const parsed = parseBead(out, { file: FILE, project: 'api' });
    expect(parsed.ok && parsed.bead.reason).toBe('merge conflict in "src/a.ts"\nsee run');
    expect(parsed.ok && parsed.raw.data.after).toBe('kept');
  });

  it('removes the reason when asked with null, and leaves it when not mentioned', () => {
    const text = '---\nid: api-k3f9\ntitle: T\nstatus: failed\nreason: boom\nz: 1\n---\n';
    expect(setBeadFields(text, { status: 'open', reason: null }, FILE)).toBe('---\nid: api-k3f9\ntitle: T\nstatus: open\nz: 1\n---\n');
    expect(setBeadFields(text, { status: 'open' }, FILE)).toBe('---\nid: api-k3f9\ntitle: T\nstatus: open\nreason: boom\nz: 1\n---\n');
  });

  it('round-trips awkward reasons', () => {
    for (const reason of ['', ' padded ', 'a: b', '# not a comment', "it's", 'tab\there', 'ünïcode ✓', '- dash', '[x]', 'null', '123', 'line\r\nbreak', '\u0085\u2028']) {
      const out = setBeadFields(BEAD, { status: 'failed', reason }, FILE);
      const parsed = parseBead(out, { file: FILE, project: 'api' });
      expect(parsed.ok && parsed.bead.reason, JSON.stringify(reason)).toBe(reason);
      expect(out.endsWith(BEAD.slice(BEAD.indexOf('What to do.')))).toBe(true);
    }
  });

  it('refuses an invalid bead and leaves the text alone', () => {
    const broken = BEAD.replace('status: open', 'status: doing');
    try {
      setBeadFields(broken, { status: 'closed' }, FILE);
      expect.unreachable();
    } catch (error) {
      expect(isOrchError(error, 'BEAD_INVALID')).toBe(true);
      expect((error as { location?: { line?: number } }).location?.line).toBe(6);
    }
    expect(() => setBeadFields(BEAD, { status: 'closed' }, 'api-other.md')).toThrow(/does not match/);
  });

  it('refuses frontmatter it cannot edit line by line instead of mangling it', () => {
    const flow = '---\n{id: api-k3f9, title: T, status: open}\n---\nbody\n';
    expect(parseBead(flow, { file: FILE, project: 'api' }).ok).toBe(true);
    expect(() => setBeadFields(flow, { status: 'closed' }, FILE)).toThrow(/safely/);
  });

  it('finds the id from the bead itself when no file is given', () => {
    expect(setBeadFields(BEAD, { status: 'closed' })).toContain('status: closed');
  });
});
