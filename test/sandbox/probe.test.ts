import { describe, expect, it } from 'vitest';
import { probeSandbox } from '../../src/sandbox/index.js';
import { HAS_BWRAP, skipUnless } from '../support/require.js';

describe('probeSandbox', () => {
  it.skipIf(skipUnless(HAS_BWRAP, 'bwrap'))('reports bwrap, user namespaces, seccomp, overlayfs and limits as working here', async () => {
    const probe = await probeSandbox();
    expect(probe.problems).toEqual([]);
    expect(probe.bwrap?.version).toMatch(/^\d+\.\d+/);
    expect(probe).toMatchObject({ userns: true, seccomp: true, overlay: true, limits: true });
    if (process.getuid?.() === 0) expect(probe.identity?.uid).toBe(65534);
  });
});
