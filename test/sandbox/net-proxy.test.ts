import { readdirSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createConnection, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNetworkProxy, type NetworkProxy, type ProxyLogEntry } from '../../src/sandbox/net-proxy.js';
import { tempDir } from '../support/tmp.js';

/** The host side of the proxy, driven over its unix socket by raw clients. */

function startServer(body: string): Promise<{ server: Server; port: number }> {
  const server = createHttpServer((request, response) => {
    response.setHeader('Connection', 'close');
    response.end(`${body} ${request.method} ${request.url} host=${request.headers.host}`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port })));
}

/** Sends `text`, then returns everything received until the proxy closes (or after `after` once it arrives). */
function exchange(socketPath: string, text: string | Buffer, after?: { when: string; send: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let received = '';
    let sent = false;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (after !== undefined && !sent && received.includes(after.when)) {
        sent = true;
        socket.write(after.send);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    socket.write(text);
  });
}

function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

async function waitFor(check: () => boolean): Promise<boolean> {
  for (let tries = 0; tries < 100 && !check(); tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  return check();
}

describe('the network proxy', () => {
  let allowed: { server: Server; port: number };
  let other: { server: Server; port: number };
  let proxy: NetworkProxy;
  const log: ProxyLogEntry[] = [];
  const fakeDns: Record<string, string[]> = {};

  beforeAll(async () => {
    allowed = await startServer('allowed');
    other = await startServer('other');
    const dir = await tempDir('orch-net-');
    fakeDns['rebind.test'] = ['93.184.216.34', '127.0.0.1'];
    fakeDns['inside.test'] = ['127.0.0.1'];
    proxy = await startNetworkProxy({
      allow: [`127.0.0.1:${allowed.port}`, `rebind.test:${other.port}`, `inside.test:${allowed.port}`, `localhost:${other.port}`],
      socketPath: join(dir, 'proxy.sock'),
      onLog: (entry) => log.push(entry),
      resolve: async (host) => fakeDns[host] ?? (await import('node:dns/promises')).lookup(host, { all: true }).then((all) => all.map((a) => a.address)),
      headTimeoutMs: 2000,
    });
  });

  afterAll(async () => {
    await proxy.close();
    allowed.server.close();
    other.server.close();
  });

  it('tunnels CONNECT to a listed address and forwards plain http', async () => {
    const tunnel = await exchange(proxy.socketPath, `CONNECT 127.0.0.1:${allowed.port} HTTP/1.1\r\n\r\n`, { when: '\r\n\r\n', send: 'GET /t HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' });
    expect(tunnel).toMatch(/^HTTP\/1\.1 200 Connection established\r\n\r\nHTTP\/1\.1 200 OK/);
    expect(tunnel).toContain('allowed GET /t');
    const plain = await exchange(proxy.socketPath, `GET http://127.0.0.1:${allowed.port}/p?q=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nProxy-Connection: keep-alive\r\n\r\n`);
    expect(plain).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(plain).toContain(`allowed GET /p?q=1 host=127.0.0.1:${allowed.port}`);
    expect(log.filter((entry) => entry.verdict === 'allow' && entry.port === allowed.port)).toHaveLength(2);
  });

  it('refuses an unlisted port with 403 and logs it', async () => {
    const before = log.length;
    for (const request of [`CONNECT 127.0.0.1:${other.port} HTTP/1.1\r\n\r\n`, `GET http://127.0.0.1:${other.port}/ HTTP/1.1\r\n\r\n`]) {
      const response = await exchange(proxy.socketPath, request);
      expect(response).toMatch(/^HTTP\/1\.1 403 Forbidden/);
      expect(response).not.toContain('other GET');
    }
    expect(log.slice(before)).toMatchObject([
      { host: '127.0.0.1', port: other.port, method: 'CONNECT', verdict: 'deny' },
      { host: '127.0.0.1', port: other.port, method: 'GET', verdict: 'deny' },
    ]);
  });

  it('refuses a listed name that resolves to loopback unless the address is listed (rebinding)', async () => {
    const rebind = await exchange(proxy.socketPath, `CONNECT rebind.test:${other.port} HTTP/1.1\r\n\r\n`);
    expect(rebind).toMatch(/^HTTP\/1\.1 403/);
    expect(rebind).toContain('loopback address 127.0.0.1');
    // localhost is listed as a name, really resolves to loopback, and 127.0.0.1:<other> is not listed.
    expect(await exchange(proxy.socketPath, `CONNECT localhost:${other.port} HTTP/1.1\r\n\r\n`)).toMatch(/^HTTP\/1\.1 403/);
    // inside.test resolves only to 127.0.0.1, which is listed on that port.
    const inside = await exchange(proxy.socketPath, `GET http://inside.test:${allowed.port}/i HTTP/1.1\r\n\r\n`);
    expect(inside).toContain('allowed GET /i');
    expect(log.at(-1)).toMatchObject({ host: 'inside.test', verdict: 'allow', address: '127.0.0.1' });
  });

  it('answers malformed requests with 400 and logs them', async () => {
    const before = log.length;
    for (const bad of ['GARBAGE\r\n\r\n', 'CONNECT nowhere HTTP/1.1\r\n\r\n', `GET /rel HTTP/1.1\r\n\r\n`, `CONNECT a.test:1 HTTP/1.1\r\n${'x'.repeat(20_000)}`]) {
      expect(await exchange(proxy.socketPath, bad)).toMatch(/^HTTP\/1\.1 400/);
    }
    expect(log.slice(before).every((entry) => entry.verdict === 'deny')).toBe(true);
    expect(log.slice(before)).toHaveLength(4);
  });

  it('survives 1,000 requests and malformed lines without leaking descriptors', async () => {
    const baseline = openDescriptors();
    const kinds = [
      `GET http://127.0.0.1:${allowed.port}/n HTTP/1.1\r\n\r\n`,
      `CONNECT 127.0.0.1:${other.port} HTTP/1.1\r\n\r\n`,
      'CONNECT \u0000\u00ff HTTP/1.1\r\n\r\n',
      'NOT A REQUEST AT ALL\r\n\r\n',
    ];
    let ok = 0;
    for (let batch = 0; batch < 50; batch += 1) {
      const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => exchange(proxy.socketPath, kinds[(batch * 20 + i) % kinds.length] ?? '')));
      ok += responses.filter((response) => response.startsWith('HTTP/1.1 ')).length;
    }
    // Clients that hang up mid-head or send nothing at all.
    await Promise.all(
      Array.from({ length: 50 }, () => new Promise<void>((resolve) => {
        const socket = createConnection(proxy.socketPath, () => socket.end('CONNECT 127.0.0.1:'));
        socket.on('close', () => resolve());
        socket.on('error', () => resolve());
      })),
    );
    expect(ok).toBe(1000);
    expect(await waitFor(() => proxy.openSockets() === 0)).toBe(true);
    expect(await waitFor(() => openDescriptors() <= baseline + 2)).toBe(true);
  });
});
