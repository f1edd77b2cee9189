import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInSandbox } from '../../src/sandbox/index.js';
import { startNetworkProxy, type NetworkProxy, type ProxyLogEntry } from '../../src/sandbox/net-proxy.js';
import { HAS_BWRAP, skipUnless } from '../support/require.js';
import { tempDir } from '../support/tmp.js';

/**
 * network: {allow}: a real sandbox reaches a listed server on host loopback
 * through the forwarder and the proxy, and nothing else.
 */

const SKIP = skipUnless(HAS_BWRAP, 'bwrap') || skipUnless(existsSync('/usr/bin/curl'), 'curl at /usr/bin/curl');

function startServer(body: string): Promise<{ server: Server; port: number }> {
  const server = createHttpServer((request, response) => response.end(`${body}:${request.url}`));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port })));
}

function hostAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) if (!entry.internal && entry.family === 'IPv4') return entry.address;
  }
  return undefined;
}

describe('a sandbox with a network allow-list', () => {
  let allowed: { server: Server; port: number };
  let other: { server: Server; port: number };
  let proxy: NetworkProxy;
  let project: string;
  const log: ProxyLogEntry[] = [];

  beforeAll(async () => {
    allowed = await startServer('listed-server');
    other = await startServer('unlisted-server');
    const base = await tempDir('orch-netsbx-');
    project = join(base, 'project');
    await mkdir(project, { mode: 0o755 });
    proxy = await startNetworkProxy({ allow: [`127.0.0.1:${allowed.port}`], socketPath: join(base, 'proxy.sock'), onLog: (entry) => log.push(entry) });
  });

  afterAll(async () => {
    await proxy?.close();
    allowed?.server.close();
    other?.server.close();
  });

  function sandbox(script: string) {
    return runInSandbox({ project: { dir: project }, network: { proxySocket: proxy.socketPath } }, ['/bin/sh', '-c', script], { timeoutMs: 30_000 });
  }

  it.skipIf(SKIP)('reaches a listed server through the proxy, is refused elsewhere with 403, and has no direct route', async () => {
    const direct = hostAddress();
    const script = [
      'echo "env=$HTTP_PROXY|$HTTPS_PROXY|$NO_PROXY"',
      // --noproxy '' overrides NO_PROXY=127.0.0.1 so curl uses HTTP_PROXY for the host's loopback.
      `echo "plain=$(curl -sS --noproxy '' http://127.0.0.1:${allowed.port}/plain)"`,
      `echo "tunnel=$(curl -sS --noproxy '' -p http://127.0.0.1:${allowed.port}/tunnel)"`,
      `echo "refused=$(curl -sS --noproxy '' -o /dev/null -w '%{http_code}' http://127.0.0.1:${other.port}/)"`,
      `curl -sS --noproxy '' -p http://127.0.0.1:${other.port}/ >/dev/null 2>&1; echo "refused-tunnel=$?"`,
      `curl -sS --noproxy '*' --max-time 5 http://127.0.0.1:${allowed.port}/ >/dev/null 2>&1; echo "direct-loopback=$?"`,
      direct === undefined ? 'echo direct-host=skipped' : `curl -sS --noproxy '*' --max-time 5 http://${direct}:${allowed.port}/ >/dev/null 2>&1; echo "direct-host=$?"`,
    ].join('\n');
    const result = await sandbox(script);
    const lines = Object.fromEntries(result.output.split('\n').filter((line) => line.includes('=')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    expect(result.exitCode, result.output).toBe(0);
    expect(lines.env).toBe('http://127.0.0.1:3128|http://127.0.0.1:3128|localhost,127.0.0.1');
    expect(lines.plain).toBe('listed-server:/plain');
    expect(lines.tunnel).toBe('listed-server:/tunnel');
    expect(lines.refused).toBe('403');
    expect(lines['refused-tunnel']).not.toBe('0');
    // curl exit 7: could not connect (nothing listens on the sandbox's own loopback; no interface reaches the host).
    expect(lines['direct-loopback']).toBe('7');
    if (direct !== undefined) expect(lines['direct-host']).toBe('7');
    expect(log.filter((entry) => entry.port === allowed.port && entry.verdict === 'allow')).toHaveLength(2);
    expect(log.filter((entry) => entry.port === other.port && entry.verdict === 'deny')).toHaveLength(2);
  });

  it.skipIf(SKIP)('starts the forwarder before the command and not without a proxy', async () => {
    const withProxy = await sandbox('curl -sS -o /dev/null -w "%{http_code}" --noproxy "" http://127.0.0.1:1/ ; echo');
    expect(withProxy.output.trim()).toBe('403');
    const plain = await runInSandbox({ project: { dir: project } }, ['/bin/sh', '-c', 'echo "proxy=${HTTP_PROXY:-none}"; curl -sS --max-time 5 http://127.0.0.1:3128/ >/dev/null 2>&1; echo "exit=$?"'], { timeoutMs: 30_000 });
    expect(plain.output).toContain('proxy=none');
    expect(plain.output).toContain('exit=7');
  });
});
