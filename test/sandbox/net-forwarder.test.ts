import { describe, expect, it } from 'vitest';
import { DEFAULT_FORWARDER, FORWARDER_PORT, proxyEnvironment } from '../../src/sandbox/forwarder.js';
import { buildLaunchChain, START_SCRIPT, START_WITH_FORWARDER_SCRIPT } from '../../src/sandbox/launch-chain.js';
import { buildBwrapArgs } from '../../src/sandbox/profile.js';
import { makePolicy } from '../../src/sandbox/exec.js';

const tools = { bwrap: '/usr/bin/bwrap', sh: '/bin/sh' };

describe('the forwarder in the launch chain', () => {
  it('starts the forwarder after the limits and before the command, only when asked', () => {
    const chain = buildLaunchChain({ tools, command: ['/bin/true'], limits: {}, forwarder: DEFAULT_FORWARDER });
    expect(chain.slice(4, 7)).toEqual(['/bin/sh', '-c', START_WITH_FORWARDER_SCRIPT]);
    expect(chain.slice(-5)).toEqual(['/usr/bin/node', DEFAULT_FORWARDER.script, String(FORWARDER_PORT), '/run/orch/proxy.sock', '/bin/true']);
    expect(START_WITH_FORWARDER_SCRIPT.indexOf('ulimit -f')).toBeLessThan(START_WITH_FORWARDER_SCRIPT.indexOf('"$5" -e'));
    expect(START_WITH_FORWARDER_SCRIPT).toContain('shift 8');
    expect(buildLaunchChain({ tools, command: ['/bin/true'], limits: {} })).toContain(START_SCRIPT);
  });

  it('sets the proxy variables when a proxy socket is bound, over the project env', () => {
    const args = buildBwrapArgs(makePolicy({ project: { dir: '/p' }, network: { proxySocket: '/run/x/proxy.sock' }, env: { HTTPS_PROXY: 'http://evil:1' } }));
    const env = new Map<string, string>();
    for (let i = 0; i < args.length; i += 1) if (args[i] === '--setenv') env.set(args[i + 1] ?? '', args[i + 2] ?? '');
    for (const [name, value] of Object.entries(proxyEnvironment())) expect(env.get(name), name).toBe(value);
    expect(args.join(' ')).toContain('--bind /run/x/proxy.sock /run/orch/proxy.sock');
    expect(args).toContain('--unshare-net');
    const none = buildBwrapArgs(makePolicy({ project: { dir: '/p' } }));
    expect(none).not.toContain('HTTP_PROXY');
  });
});
