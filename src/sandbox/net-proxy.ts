import { lookup } from 'node:dns/promises';
import { chmod, lstat, unlink } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { OrchError } from '../errors/index.js';
import { systemClock, type Clock } from '../sys/clock.js';
import { checkResolved, checkTarget, parseAllowList, type AllowEntry } from './net-allow.js';
import { classifyAddress } from './net-proxy-address.js';
import { buildErrorResponse, buildUpstreamHead, findHeadEnd, MAX_HEAD_BYTES, parseRequestHead, type ProxyRequest } from './net-proxy-request.js';

/**
 * The host side of `network: {allow: [...]}`: an HTTP proxy on a unix
 * socket that is bound into the sandbox. CONNECT opens a tunnel (HTTPS);
 * a plain request with an absolute http:// URI is forwarded, one per
 * connection. Only listed hosts pass; names are resolved here and the
 * connection goes to the checked address (never re-resolved). Every request,
 * allowed or refused, is reported to `onLog`.
 */

export interface ProxyLogEntry {
  /** ISO time the verdict was reached. */
  time: string;
  /** The host asked for ('' when the request could not be parsed). */
  host: string;
  port: number;
  method: string;
  /** allow: connected; deny: refused by the allow-list or malformed; error: allowed but unreachable. */
  verdict: 'allow' | 'deny' | 'error';
  reason: string;
  /** The address connected to (allow) or tried. */
  address?: string;
}

export interface NetworkProxyOptions {
  allow: readonly string[];
  /** Where the socket is created (its directory must exist; a stale socket there is replaced). */
  socketPath: string;
  onLog?: (entry: ProxyLogEntry) => void;
  /** Name resolution (default: node:dns lookup, all addresses). */
  resolve?: (host: string) => Promise<string[]>;
  clock?: Clock;
  /** How long a client may take to send its request head (default 30 s). */
  headTimeoutMs?: number;
  /** How long connecting upstream may take, per address (default 10 s). */
  connectTimeoutMs?: number;
  /** Simultaneous client connections (default 256). */
  maxConnections?: number;
}

export interface NetworkProxy {
  socketPath: string;
  /** Client and upstream sockets open now (for leak checks). */
  openSockets(): number;
  /** Stops listening, drops every connection and removes the socket file. */
  close(): Promise<void>;
}

async function resolveAll(host: string): Promise<string[]> {
  const found = await lookup(host, { all: true, verbatim: true });
  return found.map((entry) => entry.address);
}

async function removeStaleSocket(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => undefined);
  if (stat === undefined) return;
  if (!stat.isSocket()) throw new OrchError('SANDBOX_UNSAFE', `the proxy socket path ${path} exists and is not a socket`, { data: { path } });
  await unlink(path);
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function startNetworkProxy(options: NetworkProxyOptions): Promise<NetworkProxy> {
  const list = parseAllowList(options.allow);
  const sockets = new Set<Socket>();
  const context: ProxyContext = {
    list,
    sockets,
    log: (entry) => options.onLog?.({ time: new Date((options.clock ?? systemClock).now()).toISOString(), ...entry }),
    resolve: options.resolve ?? resolveAll,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
  };
  const headTimeoutMs = options.headTimeoutMs ?? 30_000;
  const server = createServer({ allowHalfOpen: true }, (client) => {
    track(sockets, client);
    readHead(client, headTimeoutMs, (head, rest) => {
      void serveRequest(context, client, head, rest);
    });
  });
  server.maxConnections = options.maxConnections ?? 256;
  await removeStaleSocket(options.socketPath);
  await listen(server, options.socketPath);
  // The sandbox runs as another uid (nobody, when orch is root): connect(2) needs write permission.
  await chmod(options.socketPath, 0o666);
  return {
    socketPath: options.socketPath,
    openSockets: () => sockets.size,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      await unlink(options.socketPath).catch(() => undefined);
    },
  };
}

interface ProxyContext {
  list: AllowEntry[];
  sockets: Set<Socket>;
  log: (entry: Omit<ProxyLogEntry, 'time'>) => void;
  resolve: (host: string) => Promise<string[]>;
  connectTimeoutMs: number;
}

function track(sockets: Set<Socket>, socket: Socket): void {
  sockets.add(socket);
  socket.on('error', () => socket.destroy());
  socket.on('close', () => sockets.delete(socket));
}

/** Reads until the blank line after the headers; answers 400 itself when the head is too long, and drops a silent client. */
function readHead(client: Socket, timeoutMs: number, onHead: (head: string | undefined, rest: Buffer) => void): void {
  let buffered = Buffer.alloc(0);
  client.setTimeout(timeoutMs, () => client.destroy());
  const onData = (chunk: Buffer): void => {
    buffered = Buffer.concat([buffered, chunk]);
    const end = findHeadEnd(buffered);
    if (end < 0 && buffered.length <= MAX_HEAD_BYTES) return;
    client.off('data', onData);
    client.pause();
    client.setTimeout(0);
    if (end < 0 || end > MAX_HEAD_BYTES) onHead(undefined, Buffer.alloc(0));
    else onHead(buffered.subarray(0, end).toString('latin1'), buffered.subarray(end));
  };
  client.on('data', onData);
  client.on('end', () => {
    if (findHeadEnd(buffered) < 0) client.destroy();
  });
}

function refuse(client: Socket, status: 400 | 403 | 502 | 504, reason: string): void {
  client.end(buildErrorResponse(status, reason));
  client.resume();
}

async function serveRequest(context: ProxyContext, client: Socket, head: string | undefined, rest: Buffer): Promise<void> {
  const parsed = head === undefined ? { error: `the request head is longer than ${MAX_HEAD_BYTES} bytes` } : parseRequestHead(head);
  if (parsed.request === undefined) {
    context.log({ host: '', port: 0, method: '', verdict: 'deny', reason: parsed.error });
    refuse(client, 400, parsed.error);
    return;
  }
  const request = parsed.request;
  const base = { host: request.host, port: request.port, method: request.kind === 'connect' ? 'CONNECT' : request.method };
  const listed = checkTarget(context.list, request);
  if (!listed.allowed) {
    context.log({ ...base, verdict: 'deny', reason: listed.reason });
    refuse(client, 403, listed.reason);
    return;
  }
  let addresses: string[];
  if (classifyAddress(request.host) !== undefined) {
    addresses = [request.host];
  } else {
    let resolved: string[];
    try {
      resolved = await context.resolve(request.host);
    } catch (error) {
      const reason = `cannot resolve ${request.host}: ${(error as { code?: string }).code ?? 'error'}`;
      context.log({ ...base, verdict: 'error', reason });
      refuse(client, 502, reason);
      return;
    }
    const checked = checkResolved(context.list, request, resolved);
    if (!checked.allowed) {
      context.log({ ...base, verdict: 'deny', reason: checked.reason });
      refuse(client, 403, checked.reason);
      return;
    }
    addresses = checked.addresses;
  }
  if (client.destroyed) return;
  const upstream = await connectFirst(context, addresses, request.port);
  if (upstream.socket === undefined) {
    context.log({ ...base, verdict: 'error', reason: upstream.reason, ...(upstream.address === undefined ? {} : { address: upstream.address }) });
    refuse(client, upstream.timedOut ? 504 : 502, upstream.reason);
    return;
  }
  context.log({ ...base, verdict: 'allow', reason: listed.reason, address: upstream.address });
  bridge(client, upstream.socket, request, rest);
}

type Connected = { socket: Socket; address: string; reason?: undefined; timedOut?: undefined } | { socket?: undefined; address?: string; reason: string; timedOut: boolean };

async function connectFirst(context: ProxyContext, addresses: readonly string[], port: number): Promise<Connected> {
  let failure: Connected = { reason: 'no address to connect to', timedOut: false };
  for (const address of addresses) {
    const attempt = await connectOne(context, address, port);
    if (attempt.socket !== undefined) return attempt;
    failure = attempt;
  }
  return failure;
}

function connectOne(context: ProxyContext, address: string, port: number): Promise<Connected> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, allowHalfOpen: true });
    track(context.sockets, socket);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ address, reason: `connecting to ${address} port ${port} timed out`, timedOut: true });
    }, context.connectTimeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve({ socket, address });
    });
    socket.once('error', (error: Error & { code?: string }) => {
      clearTimeout(timer);
      resolve({ address, reason: `cannot connect to ${address} port ${port}: ${error.code ?? error.message}`, timedOut: false });
    });
  });
}

/** When one side has closed, the other finishes sending what it holds, then goes; on an error both go at once. */
function follow(closed: Socket, other: Socket): void {
  closed.on('close', (hadError) => {
    if (hadError || other.writableFinished) other.destroy();
    else other.end(() => other.destroy());
  });
}

function bridge(client: Socket, upstream: Socket, request: ProxyRequest, rest: Buffer): void {
  follow(client, upstream);
  follow(upstream, client);
  if (request.kind === 'connect') client.write('HTTP/1.1 200 Connection established\r\n\r\n');
  else upstream.write(buildUpstreamHead(request), 'latin1');
  if (rest.length > 0) upstream.write(rest);
  client.pipe(upstream);
  upstream.pipe(client);
  client.resume();
}
