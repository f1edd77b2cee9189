import { describe, expect, it } from 'vitest';
import { isOrchError } from '../../src/errors/index.js';
import { buildLaunchChain, OVERLAY_SCRIPT, overlayOptions, START_SCRIPT } from '../../src/sandbox/launch-chain.js';

const tools = { bwrap: '/usr/bin/bwrap', sh: '/bin/sh', unshare: '/usr/bin/unshare', mount: '/usr/bin/mount' };
const layers = { lower: ['/base/top', '/base/bottom'], upper: '/s/upper', work: '/s/work' };
const START = ['/bin/sh', '-c', START_SCRIPT, 'orch-start'];
const NO_LIMITS = ['-', '-', '-', '-'];

describe('buildLaunchChain', () => {
  it('runs bwrap with its options on fd 3 and, after --, the start step that execs the command', () => {
    expect(buildLaunchChain({ tools, command: ['/bin/true'], limits: {} })).toEqual(['/usr/bin/bwrap', '--args', '3', '--', ...START, ...NO_LIMITS, '/bin/true']);
    expect(START_SCRIPT).toContain('printf . >&5; exec 5>&-; exec "$@"');
  });

  it('passes limits to the start step in ulimit units, clamped to the engine\'s hard limits', () => {
    const chain = buildLaunchChain({
      tools,
      command: ['x'],
      limits: { processes: 64, memoryBytes: 1024 * 1024 * 1024, fileSizeBytes: 1024 * 1024, openFiles: 100_000 },
      hardLimits: { openFiles: 20_000 },
    });
    expect(chain.slice(-5)).toEqual(['64', '20000', '1048576', '2048', 'x']);
    expect(() => buildLaunchChain({ tools, command: ['x'], limits: { processes: -1 } })).toThrow();
    expect(() => buildLaunchChain({ tools, command: ['x'], limits: { openFiles: 1.5 } })).toThrow();
  });

  it('mounts the overlay in an unshare -Urm step, passing every path as an argument, never inside the script', () => {
    const chain = buildLaunchChain({ tools, command: ['/bin/sh', '-c', 'echo hi'], limits: {}, overlay: { layers, merged: '/s/merged' } });
    expect(chain.slice(0, 7)).toEqual(['/usr/bin/unshare', '--map-root-user', '--mount', '--', '/bin/sh', '-c', OVERLAY_SCRIPT]);
    expect(chain.slice(7, 11)).toEqual(['orch-overlay', 'lowerdir=/base/top:/base/bottom,upperdir=/s/upper,workdir=/s/work,userxattr', '/s/merged', '/usr/bin/mount']);
    expect(chain.slice(11)).toEqual(['/usr/bin/bwrap', '--args', '3', '--', ...START, ...NO_LIMITS, '/bin/sh', '-c', 'echo hi']);
    expect(OVERLAY_SCRIPT).not.toMatch(/\/s\/|base/);
    expect(overlayOptions(layers)).toContain('upperdir=/s/upper');
  });

  it('refuses an empty command, a NUL in the command, and an overlay without util-linux', () => {
    expect(() => buildLaunchChain({ tools, command: [], limits: {} })).toThrow();
    try {
      buildLaunchChain({ tools, command: ['a\0b'], limits: {} });
      throw new Error('accepted a NUL');
    } catch (error) {
      expect(isOrchError(error, 'SANDBOX_UNSAFE')).toBe(true);
    }
    expect(() => buildLaunchChain({ tools: { bwrap: '/b', sh: '/sh' }, command: ['x'], limits: {}, overlay: { layers, merged: '/m' } })).toThrow();
  });
});
