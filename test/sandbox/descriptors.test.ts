import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findInheritableDescriptors, parseFdinfoFlags } from '../../src/sandbox/descriptors.js';

describe('descriptor hygiene', () => {
  it('parses the octal flags of /proc/self/fdinfo', () => {
    expect(parseFdinfoFlags('pos:\t0\nflags:\t02100002\nmnt_id:\t1\n')).toBe(0o2100002);
    expect(parseFdinfoFlags('pos:\t0\n')).toBeUndefined();
  });

  it('does not count descriptors node opened itself (close-on-exec)', () => {
    const fd = openSync('/dev/null', 'r');
    try {
      expect(findInheritableDescriptors()).not.toContain(fd);
    } finally {
      closeSync(fd);
    }
  });

  // Runs the compiled module in a child that inherits fd 42 (npm test builds dist/ first).
  it('finds a descriptor inherited without close-on-exec, and closes it', async () => {
    const fd = openSync('/dev/null', 'r');
    const script = `
      import(${JSON.stringify(resolve(import.meta.dirname, '../../dist/src/sandbox/descriptors.js'))})
        .then((m) => { const found = m.findInheritableDescriptors(); const closed = m.closeInheritableDescriptors(); console.log(JSON.stringify({ found, closed, after: m.findInheritableDescriptors() })); });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit', ...Array.from({ length: 39 }, () => 'ignore' as const), fd] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await new Promise((resolve) => child.on('close', resolve));
    closeSync(fd);
    const answer = JSON.parse(out) as { found: number[]; closed: number[]; after: number[] };
    expect(answer.found).toContain(42);
    expect(answer.closed).toContain(42);
    expect(answer.after).toEqual([]);
  });
});
