import { describe, expect, it } from 'vitest';
import { parseHardLimits, ulimitArgs } from '../../src/sandbox/limits.js';

const PROC_LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max file size             unlimited            unlimited            bytes
Max processes             96365                96365                processes
Max open files            1024                 4096                 files
Max address space         unlimited            unlimited            bytes
`;

describe('sandbox limits', () => {
  it('reads hard limits from /proc/<pid>/limits, unlimited as absent', () => {
    expect(parseHardLimits(PROC_LIMITS)).toEqual({ processes: 96365, openFiles: 4096 });
  });

  it('never asks for more than the engine may give', () => {
    expect(ulimitArgs({ processes: 200_000, openFiles: 100_000 }, { processes: 96365, openFiles: 4096 })).toEqual(['96365', '4096', '-', '-']);
    expect(ulimitArgs({ memoryBytes: 2048, fileSizeBytes: 1000 }, {})).toEqual(['-', '-', '2', '1']);
  });
});
