import { describe, expect, it } from 'vitest';
import { OutputBuffer } from '../../src/sandbox/output-buffer.js';

describe('OutputBuffer', () => {
  it('keeps everything under the limit', () => {
    const buffer = new OutputBuffer(10);
    buffer.push('abc');
    buffer.push('def');
    expect(buffer.text()).toBe('abcdef');
    expect(buffer.truncated).toBe(false);
  });

  it('keeps the last `limit` characters and says it dropped some', () => {
    const buffer = new OutputBuffer(5);
    buffer.push('abc');
    buffer.push('defgh');
    buffer.push('ij');
    expect(buffer.text()).toBe('fghij');
    expect(buffer.truncated).toBe(true);
  });
});
