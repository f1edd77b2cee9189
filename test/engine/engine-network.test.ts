import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BeadResult } from '../../src/engine/pipeline.js';
import { HAS_BWRAP, skipUnless } from '../support/require.js';
import { commitBeads, fileAt, makeWorkspace, runEngineOnce, runRecordOf, type TestWorkspace } from '../support/workspace.js';

/**
 * SPEC §3.4 through the whole engine: a project's `network` policy reaches
 * its beads' sandboxes. With `{allow: [...]}` an agent gets the listed host
 * through the proxy and nothing else, and every request is in the bead's run
 * record; with the default `none` the same request has no route at all. The
 * two "hosts" are HTTP servers on the host's loopback, on different ports.
 */

const skip = skipUnless(HAS_BWRAP, 'bwrap') || skipUnless(existsSync('/usr/bin/curl'), 'curl at /usr/bin/curl');

interface ProxyEntry {
  host: string;
  port: number;
  verdict: string;
}

function startServer(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => response.end(`${name}:${request.url}\n`));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port })));
}

/** A one-line shell fetch: the body, or `code=<curl exit>` when it failed; `--noproxy ''` so curl uses the proxy even for 127.0.0.1. */
function fetchInto(url: string, file: string): string {
  return `mkdir -p out; curl -sS --max-time 5 --noproxy '' -f ${url} > ${file} 2>/dev/null || echo "code=$?" > ${file}`;
}

let ws: TestWorkspace;
let listed: { server: Server; port: number };
let unlisted: { server: Server; port: number };
let results: Map<string, BeadResult>;

beforeAll(async () => {
  if (skip) return;
  listed = await startServer('listed');
  unlisted = await startServer('unlisted');
  ws = await makeWorkspace({
    projects: [{ name: 'api', network: { allow: [`127.0.0.1:${listed.port}`] } }, { name: 'web' }],
  });
  await commitBeads(ws, 'api', [
    {
      id: 'api-fetch',
      files: ['out/**'],
      script: [fetchInto(`http://127.0.0.1:${listed.port}/models`, 'out/listed.txt'), fetchInto(`http://127.0.0.1:${unlisted.port}/secrets`, 'out/unlisted.txt')].join('\n'),
    },
  ]);
  await commitBeads(ws, 'web', [{ id: 'web-fetch', files: ['out/**'], script: fetchInto(`http://127.0.0.1:${listed.port}/models`, 'out/listed.txt') }]);
  const summary = await runEngineOnce(ws);
  results = new Map(summary.results.map((r) => [r.bead, r]));
}, 120_000);

afterAll(() => {
  listed?.server.close();
  unlisted?.server.close();
});

describe.skipIf(skip)('engine: the network policy of a project reaches its sandboxes', () => {
  it('an allow-list project reaches the listed host and is refused (403) elsewhere; both beads land', async () => {
    expect(results.get('api-fetch')?.outcome).toBe('landed');
    expect(await fileAt(ws.repo('api'), 'main', 'out/listed.txt')).toBe('listed:/models\n');
    // curl -f turns the proxy's 403 into exit 22: refused by the proxy, not unreachable.
    expect(await fileAt(ws.repo('api'), 'main', 'out/unlisted.txt')).toBe('code=22\n');
  });

  it("the bead's run record lists every request with the proxy's verdict", async () => {
    const record = await runRecordOf(ws.repo('api'), 'api-fetch');
    const network = record.network as { log: ProxyEntry[]; dropped: number } | undefined;
    expect(network, JSON.stringify(record)).toBeDefined();
    expect(network!.dropped).toBe(0);
    expect(network!.log.map((entry) => [entry.port, entry.verdict])).toEqual(
      expect.arrayContaining([
        [listed.port, 'allow'],
        [unlisted.port, 'deny'],
      ]),
    );
    expect(network!.log).toHaveLength(2);
  });

  it('a project with the default policy has no route even to the host the other project may reach', async () => {
    expect(results.get('web-fetch')?.outcome).toBe('landed');
    // curl exit 7: could not connect (only the sandbox's own loopback, where nothing listens).
    expect(await fileAt(ws.repo('web'), 'main', 'out/listed.txt')).toBe('code=7\n');
    expect((await runRecordOf(ws.repo('web'), 'web-fetch')).network).toBeUndefined();
  });
});
