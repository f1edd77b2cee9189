import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus, type EngineEvent } from '../../src/engine/events.js';
import { OrchError } from '../../src/errors/index.js';
import { startDashboard, type DashboardHandle, type DashboardOptions } from '../../src/ui/server.js';
import { get, openEvents, type SseMessage } from './http-client.js';
import { bead, project, ScriptedSource } from './scripted-source.js';

const open: DashboardHandle[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
});

async function start(extra: Partial<DashboardOptions> = {}): Promise<{ ui: DashboardHandle; bus: EventBus; source: ScriptedSource; auth: Record<string, string> }> {
  const bus = new EventBus();
  const source = new ScriptedSource();
  source.projectList = [project('api')];
  source.beadList = [bead('api', 'api-a1'), bead('api', 'api-b2', { state: 'blocked', deps: ['api-a1'], blockedBy: ['api-a1'] })];
  const ui = await startDashboard({ bus, source, refreshDebounceMs: 5, pushThrottleMs: 5, ...extra });
  open.push(ui);
  return { ui, bus, source, auth: { Authorization: `Bearer ${ui.token}` } };
}

const claimed = (b: string): EngineEvent => ({ type: 'bead-claimed', at: 1, wave: 1, project: 'api', bead: b, runId: 'r1' });
const state = (m: SseMessage): Record<string, unknown> => JSON.parse(m.data) as Record<string, unknown>;

describe('dashboard server: who may ask', () => {
  it('answers on 127.0.0.1 with a 64-hex token in the printed URL', async () => {
    const { ui } = await start();
    expect(ui.token).toMatch(/^[0-9a-f]{64}$/);
    expect(ui.url).toBe(`http://127.0.0.1:${ui.port}/?token=${ui.token}`);
  });

  it('refuses requests without the token, or with a wrong one, with 401', async () => {
    const { ui } = await start();
    for (const path of ['/', '/api/state', '/api/events', '/app.js']) expect((await get(ui.port, path)).status).toBe(401);
    expect((await get(ui.port, '/api/state', { Authorization: 'Bearer nope' })).status).toBe(401);
    expect((await get(ui.port, '/api/state', { Authorization: `Bearer ${ui.token}x` })).status).toBe(401);
    expect((await get(ui.port, `/?token=${'0'.repeat(64)}`)).status).toBe(401);
    expect((await get(ui.port, '/', { Cookie: `orch-ui-${ui.port}=${'f'.repeat(64)}` })).status).toBe(401);
  });

  it('takes ?token= once, sets an HttpOnly SameSite=Strict cookie for this port, and redirects to strip it', async () => {
    const { ui } = await start();
    const first = await get(ui.port, `/?token=${ui.token}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const cookie = String(first.headers['set-cookie']?.[0]);
    expect(cookie).toContain(`orch-ui-${ui.port}=${ui.token}`);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const page = await get(ui.port, '/', { Cookie: cookie.split(';')[0]! });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<script src="/app.js" defer></script>');
    expect(page.body).not.toMatch(/<script>|<style>| on[a-z]+="/);
  });

  it('sends the security headers on every answer', async () => {
    const { ui, auth } = await start();
    for (const path of ['/', '/api/state', '/nothing']) {
      const reply = await get(ui.port, path, auth);
      expect(reply.headers['content-security-policy']).toContain("script-src 'self'");
      expect(reply.headers['content-security-policy']).toContain("default-src 'none'");
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(reply.headers['referrer-policy']).toBe('no-referrer');
      expect(reply.headers['cache-control']).toBe('no-store');
      expect(reply.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin with 403, even with the token', async () => {
    const { ui, auth } = await start();
    expect((await get(ui.port, '/api/state', { ...auth, Host: `evil.example:${ui.port}` })).status).toBe(403);
    expect((await get(ui.port, '/api/state', { ...auth, Host: '127.0.0.1' })).status).toBe(403);
    expect((await get(ui.port, '/api/state', { ...auth, Host: `127.0.0.1:${ui.port + 1}` })).status).toBe(403);
    expect((await get(ui.port, `/?token=${ui.token}`, { Host: `evil.example:${ui.port}` })).status).toBe(403);
    expect((await get(ui.port, '/api/state', { ...auth, Origin: 'http://evil.example' })).status).toBe(403);
    expect((await get(ui.port, '/api/state', { ...auth, Origin: 'null' })).status).toBe(403);
    expect((await get(ui.port, '/api/state', { ...auth, Origin: `http://localhost:${ui.port + 1}` })).status).toBe(403);
    expect((await get(ui.port, '/api/state', { ...auth, Host: `localhost:${ui.port}`, Origin: `http://localhost:${ui.port}` })).status).toBe(200);
    expect((await get(ui.port, '/api/state', { ...auth, Origin: `http://127.0.0.1:${ui.port}` })).status).toBe(200);
  });

  it('serves no path from the request: traversal and encoded dots are 404, never a file', async () => {
    const { ui, auth } = await start();
    for (const path of ['/../../etc/passwd', '/%2e%2e/', '/%2e%2e/%2e%2e/etc/passwd', '/app.js/../../../etc/passwd', '//etc/passwd', '/api/../app.js', '/index.html', '/api/runs/api/a/b', '/API/STATE']) {
      const reply = await get(ui.port, path, auth);
      expect(reply.status, path).toBe(404);
      expect(reply.body).not.toContain('root:');
    }
    // A token in the query of an unknown path is not a redirect (no open redirect to //host).
    const sneaky = await get(ui.port, `//evil.example/?token=${ui.token}`);
    expect(sneaky.status).toBe(404);
    expect(sneaky.headers.location).toBeUndefined();
  });

  it('validates path parameters (400) and allows only GET (405)', async () => {
    const { ui, auth } = await start();
    expect((await get(ui.port, '/api/runs/Api/api-a1', auth)).status).toBe(400);
    expect((await get(ui.port, '/api/runs/api/..%2f..%2fetc', auth)).status).toBe(400);
    expect((await get(ui.port, '/api/runs/api/%E0%A4%A', auth)).status).toBe(400);
    expect((await get(ui.port, '/api/run-diff/api/HEAD', auth)).status).toBe(400);
    expect((await get(ui.port, `/api/run-diff/api/${'A'.repeat(40)}`, auth)).status).toBe(400);
    expect((await get(ui.port, '/api/state', auth, 'POST')).status).toBe(405);
    expect((await get(ui.port, '/api/state', auth, 'DELETE')).status).toBe(405);
  });
});

describe('dashboard server: the API', () => {
  it('serves the source through the JSON routes, with derived state from events overlaid', async () => {
    const { ui, bus, source, auth } = await start();
    source.runRecords.set('api/api-a1', [{ commit: 'c'.repeat(40), runJson: { verdict: 'landed', exit: 0 } }]);
    source.diffs.set(`api/${'c'.repeat(40)}`, 'diff --git a/x b/x\n+hello\n');
    const all = JSON.parse((await get(ui.port, '/api/state', auth)).body) as Record<string, unknown>;
    expect(Object.keys(all).sort()).toEqual(['beads', 'claims', 'layout', 'model', 'problems', 'projects', 'proposals', 'source', 'version']);
    expect(JSON.parse((await get(ui.port, '/api/projects', auth)).body)).toEqual(source.projectList);

    bus.emit(claimed('api-a1'));
    const beads = JSON.parse((await get(ui.port, '/api/beads', auth)).body) as { id: string; state: string }[];
    expect(beads.find((b) => b.id === 'api-a1')?.state).toBe('claimed');

    const runs = await get(ui.port, '/api/runs/api/api-a1', auth);
    expect(JSON.parse(runs.body)).toEqual([{ commit: 'c'.repeat(40), runJson: { verdict: 'landed', exit: 0 } }]);
    const diff = await get(ui.port, `/api/run-diff/api/${'c'.repeat(40)}`, auth);
    expect(JSON.parse(diff.body)).toEqual({ diff: 'diff --git a/x b/x\n+hello\n', truncated: false });
  });

  it('maps source errors by code: an unknown bead is 404, other input errors 400, and the server stays up', async () => {
    const { ui, auth } = await start();
    const missing = await get(ui.port, '/api/runs/api/api-zz', auth);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ error: { code: 'BEAD_NOT_FOUND' } });
    expect((await get(ui.port, `/api/run-diff/api/${'d'.repeat(40)}`, auth)).status).toBe(400);
    expect((await get(ui.port, '/api/state', auth)).status).toBe(200);
  });

  it('reports a failing source in the state instead of failing, and recovers on the next query', async () => {
    const { ui, source, auth } = await start();
    source.beadsError = new OrchError('GIT_FAILED', 'git cat-file died');
    await ui.refresh();
    const broken = JSON.parse((await get(ui.port, '/api/state', auth)).body) as { source: { errors: string[] }; beads: unknown[] };
    expect(broken.source.errors).toEqual(['beads: GIT_FAILED: git cat-file died']);
    expect(broken.beads).toHaveLength(2); // the last good answer stays
    source.beadsError = undefined;
    await ui.refresh();
    const fixed = JSON.parse((await get(ui.port, '/api/state', auth)).body) as { source: { errors: string[] } };
    expect(fixed.source.errors).toEqual([]);
  });

  it('coalesces a burst of events into few source queries, with one after the burst', async () => {
    const { ui, bus, source, auth } = await start({ refreshDebounceMs: 20 });
    source.delayMs = 30;
    const before = source.calls.beads;
    for (let i = 0; i < 50; i++) bus.emit({ type: 'trigger', at: i, project: 'api', reason: 'commit' });
    source.beadList = [...source.beadList, bead('api', 'api-c3')];
    const stream = await openEvents(ui.port, auth);
    await stream.waitFor((m) => m.event === 'state' && String(m.data).includes('api-c3'));
    stream.destroy();
    expect(source.calls.beads - before).toBeGreaterThanOrEqual(1);
    expect(source.calls.beads - before).toBeLessThanOrEqual(2);
  });

  it('refuses a port in use with UI_PORT_IN_USE', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      await expect(startDashboard({ bus: new EventBus(), source: new ScriptedSource(), port })).rejects.toMatchObject({ code: 'UI_PORT_IN_USE' });
    } finally {
      blocker.close();
    }
  });
});

describe('dashboard server: the event stream', () => {
  it('starts with the full state, then forwards engine events and pushes changed parts', async () => {
    const { ui, bus, auth } = await start();
    const stream = await openEvents(ui.port, auth);
    const first = await stream.waitFor((m) => m.event === 'state');
    expect(Object.keys(state(first)).sort()).toEqual(['beads', 'claims', 'layout', 'model', 'problems', 'projects', 'proposals', 'source', 'version']);

    bus.emit(claimed('api-a1'));
    bus.emit({ type: 'bead-output', at: 2, project: 'api', bead: 'api-a1', runId: 'r1', chunk: '\x1b[32mhello\x1b[0m\r\n' });
    const forwarded = await stream.waitFor((m) => m.event === 'bead-output');
    expect(JSON.parse(forwarded.data)).toMatchObject({ project: 'api', bead: 'api-a1', chunk: 'hello\n' });
    expect((await stream.waitFor((m) => m.event === 'bead-claimed')).data).toContain('"runId":"r1"');

    const pushed = await stream.waitFor((m) => m.event === 'state' && 'model' in state(m) && m !== first);
    const part = state(pushed) as { model: { running: { bead: string; output: string }[] }; beads?: { id: string; state: string }[] };
    expect(part.model.running).toMatchObject([{ bead: 'api-a1', output: 'hello\n' }]);
    expect(part.beads?.find((b) => b.id === 'api-a1')?.state).toBe('claimed');
    expect('projects' in state(pushed)).toBe(false); // only what changed
    stream.destroy();
  });

  it('sends a heartbeat comment', async () => {
    const { ui, auth } = await start({ heartbeatMs: 30 });
    const stream = await openEvents(ui.port, auth);
    await new Promise<void>((resolve) => {
      const check = (): void => (stream.raw().includes(': ping\n\n') ? resolve() : void setTimeout(check, 10));
      check();
    });
    stream.destroy();
  });

  it('survives a client that disconnects mid-stream; the next request still works', async () => {
    const { ui, bus, auth } = await start();
    const stream = await openEvents(ui.port, auth);
    await stream.waitFor((m) => m.event === 'state');
    bus.emit(claimed('api-a1'));
    stream.response.socket.destroy();
    for (let i = 0; i < 200; i++) bus.emit({ type: 'bead-output', at: i, project: 'api', bead: 'api-a1', runId: 'r1', chunk: `line ${i}\n`.repeat(50) });
    await stream.closed;
    await until(() => ui.clients() === 0);
    expect((await get(ui.port, '/api/state', auth)).status).toBe(200);
    const again = await openEvents(ui.port, auth);
    await again.waitFor((m) => m.event === 'state');
    again.destroy();
  });

  it('survives a client that leaves while its answer is still being prepared', async () => {
    const { ui, source, auth } = await start();
    source.runRecords.set('api/api-a1', []);
    source.delayMs = 50;
    const errors: unknown[] = [];
    const onError = (error: unknown): void => void errors.push(error);
    process.on('uncaughtException', onError);
    try {
      const { request } = await import('node:http');
      const req = request({ host: '127.0.0.1', port: ui.port, path: '/api/runs/api/api-a1', headers: { Host: `127.0.0.1:${ui.port}`, ...auth }, agent: false });
      req.on('error', () => undefined);
      req.end();
      await until(() => source.calls.runs === 1);
      req.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await get(ui.port, '/api/runs/api/api-a1', auth)).status).toBe(200);
      expect(errors).toEqual([]);
    } finally {
      process.off('uncaughtException', onError);
    }
  });

  it('cuts off a client that stops reading instead of buffering without bound', async () => {
    const { ui, bus, auth } = await start({ maxBufferedBytes: 256 * 1024 });
    const slow = await openEvents(ui.port, auth);
    await slow.waitFor((m) => m.event === 'state');
    slow.response.pause();
    const fast = await openEvents(ui.port, auth);
    bus.emit(claimed('api-a1'));
    const chunk = 'x'.repeat(16 * 1024);
    let sent = 0;
    for (; sent < 4000 && ui.clients() > 1; sent++) {
      bus.emit({ type: 'bead-output', at: sent, project: 'api', bead: 'api-a1', runId: 'r1', chunk });
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(sent).toBeLessThan(4000);
    expect(ui.clients()).toBe(1); // the fast one stays
    slow.response.resume(); // reading again, it finds its stream ended early
    await slow.closed;
    expect(slow.messages.filter((m) => m.event === 'bead-output').length).toBeLessThan(sent);
    bus.emit({ type: 'idle', at: 9 });
    await fast.waitFor((m) => m.event === 'idle');
    fast.destroy();
  });

  it('subscribes to the bus once, however many clients come and go (200)', async () => {
    const bus = new EventBus();
    let subscribed = 0;
    const subscribe = bus.subscribe.bind(bus);
    bus.subscribe = (listener) => {
      subscribed += 1;
      const off = subscribe(listener);
      return () => {
        subscribed -= 1;
        return off();
      };
    };
    const source = new ScriptedSource();
    const ui = await startDashboard({ bus, source });
    open.push(ui);
    const auth = { Authorization: `Bearer ${ui.token}` };
    for (let round = 0; round < 4; round++) {
      const streams = await Promise.all(Array.from({ length: 50 }, () => openEvents(ui.port, auth)));
      await Promise.all(streams.map((s) => s.waitFor((m) => m.event === 'state')));
      expect(ui.clients()).toBe(50);
      bus.emit({ type: 'idle', at: round });
      await Promise.all(streams.map((s) => s.waitFor((m) => m.event === 'idle')));
      for (const s of streams) s.destroy();
      await until(() => ui.clients() === 0);
    }
    expect(subscribed).toBe(1);
    await ui.close();
    expect(subscribed).toBe(0);
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}
