import { describe, expect, it } from 'vitest';
import { isOrchError } from '../../src/errors/index.js';
import { planCheckout } from '../../src/git/checkout-sync.js';
import { formatMessage, parseTrailers } from '../../src/git/commit-message.js';
import { assessLease, type LeaseRecord } from '../../src/git/lease-record.js';
import { parseMergeTree } from '../../src/git/merge-on-top.js';
import { parsePackedRefs } from '../../src/git/packed-refs.js';
import { checkComponent, isWritableRefName } from '../../src/git/ref-name.js';
import { formatReflogLine } from '../../src/git/reflog.js';
import type { FileDiff } from '../../src/git/tree-diff.js';
import { parseStatusV2 } from '../../src/git/worktree-status.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

describe('pure parsing', () => {
  it('parses packed-refs, skipping peeled lines, and names a malformed line', () => {
    const refs = parsePackedRefs(`# pack-refs with: peeled fully-peeled sorted \n${A} refs/heads/main\n${B} refs/tags/v1\n^${C}\n`);
    expect([...refs]).toEqual([['refs/heads/main', A], ['refs/tags/v1', B]]);
    const error = (() => {
      try {
        parsePackedRefs(`${A} refs/heads/main\nnonsense\n`);
      } catch (e) {
        return e;
      }
    })();
    expect(isOrchError(error, 'GIT_FAILED')).toBe(true);
    expect((error as Error).message).toContain('line 2');
  });

  it('parses porcelain v2 status records, paths with spaces included', () => {
    const out = [
      `1 M. N... 100644 100644 100644 ${A} ${B} staged file.txt`,
      `1 .M N... 100644 100644 100644 ${A} ${A} edited.txt`,
      `1 D. N... 100644 000000 000000 ${A} ${'0'.repeat(40)} removed.txt`,
      `u UU N... 100644 100644 100644 100644 ${A} ${B} ${C} conflict.txt`,
      '? new dir/untracked.txt',
      '',
    ].join('\0');
    const status = parseStatusV2(out);
    expect(status.get('staged file.txt')).toEqual({ kind: 'changed', stagedChange: true, worktreeChange: false, index: { mode: '100644', oid: B } });
    expect(status.get('edited.txt')).toMatchObject({ stagedChange: false, worktreeChange: true });
    expect(status.get('removed.txt')).toMatchObject({ index: null });
    expect(status.get('conflict.txt')).toEqual({ kind: 'unmerged' });
    expect(status.get('new dir/untracked.txt')).toEqual({ kind: 'untracked' });
  });

  it('parses merge-tree output: tree, conflicted paths, conflict messages', () => {
    const out = `${A}\0g\0f\0\x001\0f\0Auto-merging\0Auto-merging f\n\x001\0g\0CONFLICT (contents)\0CONFLICT (content): Merge conflict in g\n\0`;
    expect(parseMergeTree(out)).toEqual({ tree: A, paths: ['g', 'f'], messages: ['CONFLICT (content): Merge conflict in g'] });
    expect(parseMergeTree(`${A}\0`)).toEqual({ tree: A, paths: [], messages: [] });
  });

  it('formats and reads back trailers', () => {
    const message = formatMessage('Add health\nendpoint', 'Body line.', [['Bead', 'api/api-k3f9'], ['Run', A], ['Wave', '3']]);
    expect(message).toBe(`Add health endpoint\n\nBody line.\n\nBead: api/api-k3f9\nRun: ${A}\nWave: 3\n`);
    expect(parseTrailers(message)).toEqual([['Bead', 'api/api-k3f9'], ['Run', A], ['Wave', '3']]);
    expect(parseTrailers('just a subject\n')).toEqual([]);
  });

  it('writes reflog lines as git does', () => {
    const line = formatReflogLine(null, A, { who: { name: 'orch', email: 'orch@localhost', time: 1_700_000_000_500, tzOffset: -330 }, message: 'orch: land\nx' });
    expect(line).toBe(`${'0'.repeat(40)} ${A} orch <orch@localhost> 1700000000 -0530\torch: land x\n`);
  });

  it('accepts the ref names git accepts and refuses the rest', () => {
    for (const ok of ['refs/heads/main', 'refs/heads/feature/x-1', 'refs/orch/claims/api-k3f9', 'refs/heads/a+b']) expect(isWritableRefName(ok)).toBe(true);
    for (const bad of ['HEAD', 'refs/heads/', 'refs/heads/a..b', 'refs/heads/a.lock', 'refs/heads/.x', 'refs/heads/a b', 'refs/heads/a~1', 'refs/heads/x@{1}', 'refs/heads/a.']) {
      expect(isWritableRefName(bad)).toBe(false);
    }
    expect(() => checkComponent('a/b', 'lock')).toThrow(/invalid lock name/);
  });

  it('judges a lease live, expired, dead or corrupt', () => {
    const record: LeaseRecord = { version: 1, holder: 'h', host: 'x', acquiredAt: '2030-01-01T00:00:00.000Z', leaseUntil: '2030-01-01T00:01:00.000Z', nonce: '0123456789abcdef' };
    const at = Date.parse('2030-01-01T00:00:30Z');
    expect(assessLease(record, at, () => undefined)).toBe('live');
    expect(assessLease(record, at + 60_000, () => undefined)).toBe('expired');
    expect(assessLease(record, at, () => false)).toBe('dead');
    expect(assessLease(undefined, at, () => true)).toBe('corrupt');
  });

  it('plans a checkout path by path, never over the person\'s changes', () => {
    const entry = (oid: string) => ({ mode: '100644' as const, oid });
    const diff: FileDiff[] = [
      { path: 'clean', before: entry(A), after: entry(B) },
      { path: 'edited', before: entry(A), after: entry(B) },
      { path: 'staged', before: entry(A), after: entry(B) },
      { path: 'already', before: entry(A), after: entry(B) },
      { path: 'added', before: null, after: entry(B) },
      { path: 'conflict', before: entry(A), after: null },
    ];
    const status = parseStatusV2(
      [
        `1 .M N... 100644 100644 100644 ${A} ${A} edited`,
        `1 M. N... 100644 100644 100644 ${A} ${C} staged`,
        `1 M. N... 100644 100644 100644 ${A} ${B} already`,
        '? added',
        `u UU N... 100644 100644 100644 100644 ${A} ${B} ${C} conflict`,
      ].join('\0'),
    );
    expect(planCheckout(diff, status, (d) => d.before)).toEqual([
      { path: 'clean', action: 'update', before: entry(A), after: entry(B) },
      { path: 'edited', action: 'index-only', after: entry(B), reason: 'modified' },
      { path: 'staged', action: 'leave', reason: 'staged' },
      { path: 'already', action: 'leave', reason: null },
      { path: 'added', action: 'index-only', after: entry(B), reason: 'untracked' },
      { path: 'conflict', action: 'leave', reason: 'unmerged' },
    ]);
  });
});
