import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { EventBus, EngineEvent } from '../engine/events.js';
import { isOrchError, OrchError } from '../errors/index.js';
import { systemClock, type Clock } from '../sys/clock.js';
import { APP_SCRIPT } from './app-script.js';
import { APP_CSS } from './app-style.js';
import { authenticate, generateToken, isAllowedHost, isAllowedOrigin, isValidToken, sessionCookie } from './auth.js';
import { PAGE_HTML } from './page.js';
import { matchRoute, splitTarget, type Route } from './routes.js';
import type { DashboardSource } from './source.js';
import { DEFAULT_SSE, formatSse, SseHub } from './sse.js';
import { DEFAULT_STORE, StateStore, type StateStoreOptions } from './state-store.js';
import { cleanOutput, type ViewLimits } from './view-model.js';

/**
 * `orch watch --ui`: the dashboard over node:http, on 127.0.0.1 only. Every
 * request must name this server in Host (and Origin, when sent) and carry the
 * token; the routes are a fixed table (no file is ever read from a request
 * path); the page runs only its own script (CSP). The server subscribes to
 * the bus once, whatever the number of clients.
 */

export const DASHBOARD_HOST = '127.0.0.1';

export interface DashboardOptions {
  bus: EventBus;
  source: DashboardSource;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default: 32 random bytes, hex. */
  token?: string;
  clock?: Clock;
  heartbeatMs?: number;
  /** A client with more than this waiting in its socket is cut off. */
  maxBufferedBytes?: number;
  refreshDebounceMs?: number;
  pushThrottleMs?: number;
  limits?: Partial<ViewLimits>;
}

export interface DashboardHandle {
  /** http://127.0.0.1:PORT/?token=TOKEN, the one URL to print. */
  url: string;
  port: number;
  token: string;
  /** Queries the source again now and pushes what changed. */
  refresh(): Promise<void>;
  /** Connected event-stream clients. */
  clients(): number;
  close(): Promise<void>;
}

const MAX_DIFF_CHARS = 4 * 1024 * 1024;

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export async function startDashboard(options: DashboardOptions): Promise<DashboardHandle> {
  const token = options.token ?? generateToken();
  if (!isValidToken(token)) throw new OrchError('USAGE', 'the dashboard token must be 16-128 letters, digits, "-" or "_"');
  const requested = options.port ?? 0;
  if (!Number.isInteger(requested) || requested < 0 || requested > 65535) {
    throw new OrchError('USAGE', `--port must be an integer from 0 to 65535, not ${String(requested)}`, { hint: 'Use --port 0 to pick a free port.' });
  }

  const hub = new SseHub({ heartbeatMs: options.heartbeatMs ?? DEFAULT_SSE.heartbeatMs, maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_SSE.maxBufferedBytes });
  const storeOptions: StateStoreOptions = {
    ...DEFAULT_STORE,
    ...(options.refreshDebounceMs === undefined ? {} : { refreshDebounceMs: options.refreshDebounceMs }),
    ...(options.pushThrottleMs === undefined ? {} : { pushThrottleMs: options.pushThrottleMs }),
    limits: { ...DEFAULT_STORE.limits, ...options.limits },
  };
  const store = new StateStore(options.source, options.clock ?? systemClock, (message) => hub.broadcast(formatSse('state', message)), storeOptions);
  const onEvent = (event: EngineEvent): void => {
    store.apply(event);
    const sent = event.type === 'bead-output' ? { ...event, chunk: cleanOutput(event.chunk) } : event;
    hub.broadcast(formatSse(event.type, JSON.stringify(sent)));
  };

  const server = createServer();
  let port = 0;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => failRequest(res, error));
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isAllowedHost(req.headers.host, port)) return sendText(res, 403, `Forbidden: this dashboard answers only to 127.0.0.1:${port} or localhost:${port}.`);
    if (!isAllowedOrigin(req.headers.origin, port)) return sendText(res, 403, 'Forbidden: cross-origin request.');
    if (req.method !== 'GET') return sendText(res, 405, 'Only GET is served here.', { Allow: 'GET' });
    const { path, query } = splitTarget(req.url ?? '/');
    const auth = authenticate(req.headers, query.get('token') ?? undefined, token, port);
    if (auth === 'denied') return sendText(res, 401, 'Unauthorized: open the URL that `orch watch --ui` printed (it carries the token).');
    const route = matchRoute(path);
    if (route.kind === 'not-found') return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'no such page' } });
    if (auth === 'query') {
      // The token leaves the address bar: keep it in a cookie for this port only.
      res.writeHead(303, { ...SECURITY_HEADERS, Location: path, 'Set-Cookie': sessionCookie(port, token), 'Content-Length': '0' });
      res.end();
      return;
    }
    await serveRoute(req, res, route);
  }

  async function serveRoute(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
    switch (route.kind) {
      case 'page':
        return send(res, 200, 'text/html; charset=utf-8', PAGE_HTML);
      case 'script':
        return send(res, 200, 'text/javascript; charset=utf-8', APP_SCRIPT);
      case 'style':
        return send(res, 200, 'text/css; charset=utf-8', APP_CSS);
      case 'state':
        return send(res, 200, 'application/json; charset=utf-8', store.fullJson());
      case 'projects':
        return sendJson(res, 200, store.cached('projects'));
      case 'beads':
        return sendJson(res, 200, store.beads());
      case 'claims':
        return sendJson(res, 200, store.cached('claims'));
      case 'proposals':
        return sendJson(res, 200, store.cached('proposals'));
      case 'problems':
        return sendJson(res, 200, store.cached('problems'));
      case 'events':
        hub.add(req, res, SECURITY_HEADERS, formatSse('state', store.fullJson()));
        return;
      case 'runs':
        return sendJson(res, 200, await options.source.runs(route.project, route.bead));
      case 'run-diff': {
        const diff = await options.source.runDiff(route.project, route.commit);
        const truncated = diff.length > MAX_DIFF_CHARS;
        return sendJson(res, 200, { diff: truncated ? diff.slice(0, MAX_DIFF_CHARS) : diff, truncated });
      }
      case 'bad-request':
        return sendJson(res, 400, { error: { code: 'BAD_REQUEST', message: route.reason } });
      default:
        return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'no such page' } });
    }
  }

  await listen(server, requested);
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : requested;
  const unsubscribe = options.bus.subscribe(onEvent);
  await store.refresh();

  let closing: Promise<void> | undefined;
  return {
    url: `http://${DASHBOARD_HOST}:${port}/?token=${token}`,
    port,
    token,
    refresh: () => store.refresh(),
    clients: () => hub.size(),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        unsubscribe();
        store.close();
        hub.closeAll();
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      if (error.code === 'EADDRINUSE') {
        reject(new OrchError('UI_PORT_IN_USE', `port ${port} on ${DASHBOARD_HOST} is already in use`, { cause: error, hint: 'Pick another --port, or --port 0 for a free one.' }));
      } else {
        reject(new OrchError('INTERNAL', `the dashboard could not listen on ${DASHBOARD_HOST}:${port}: ${error.message}`, { cause: error }));
      }
    };
    server.once('error', onError);
    server.listen({ host: DASHBOARD_HOST, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  if (res.destroyed) return; // the client left while we were asking the source
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { ...SECURITY_HEADERS, ...extra, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function sendText(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  send(res, status, 'text/plain; charset=utf-8', `${text}\n`, extra);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

/** A source failure answers with its code; unknown project or bead is a 404. */
function failRequest(res: ServerResponse, error: unknown): void {
  if (isOrchError(error)) {
    const status = error.code === 'PROJECT_UNKNOWN' || error.code === 'BEAD_NOT_FOUND' ? 404 : error.category === 'input' ? 400 : 500;
    sendJson(res, status, { error: { code: error.code, message: error.message } });
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  sendJson(res, 500, { error: { code: 'INTERNAL', message } });
}
