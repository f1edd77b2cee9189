import { splitHostPort } from './net-allow.js';

/**
 * Parsing what a client sends the network proxy: `CONNECT host:port` for a
 * tunnel (HTTPS), or a plain HTTP request with an absolute `http://` URI,
 * which is rewritten to origin form for the upstream server. Pure.
 */

export type ProxyRequest =
  | { kind: 'connect'; host: string; port: number }
  | { kind: 'http'; method: string; host: string; port: number; path: string; version: string; headers: string[] };

export type ParsedHead = { request: ProxyRequest; error?: undefined } | { request?: undefined; error: string };

/** The largest request head accepted (request line and headers). */
export const MAX_HEAD_BYTES = 16 * 1024;

const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const VERSION = /^HTTP\/1\.[01]$/;
const HEADER = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[^\r\n]*$/;
/** Hop-by-hop headers dropped before forwarding (the proxy decides the connection's fate). */
const HOP_BY_HOP = new Set(['connection', 'proxy-connection', 'keep-alive', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'upgrade', 'host']);

/** Offset just past the blank line ending the head, or -1 while it is incomplete. */
export function findHeadEnd(buffer: Buffer): number {
  const at = buffer.indexOf('\r\n\r\n');
  return at < 0 ? -1 : at + 4;
}

function parseAuthority(authority: string, defaultPort: number): { host: string; port: number } | undefined {
  if (authority === '' || authority.includes('@')) return undefined;
  const split = splitHostPort(authority);
  if (split === undefined || split.host === '') return undefined;
  return { host: split.host, port: split.port ?? defaultPort };
}

export function parseRequestHead(head: string): ParsedHead {
  const lines = head.replace(/\r\n\r\n$/, '').split('\r\n');
  const [requestLine = '', ...headers] = lines;
  const parts = requestLine.split(' ');
  if (parts.length !== 3) return { error: 'the request line is not METHOD TARGET HTTP/1.x' };
  const [method = '', target = '', version = ''] = parts;
  if (!METHOD.test(method) || !VERSION.test(version)) return { error: 'the request line is not METHOD TARGET HTTP/1.x' };
  for (const header of headers) {
    if (!HEADER.test(header)) return { error: 'a header line is malformed' };
  }
  if (method === 'CONNECT') {
    const authority = parseAuthority(target, 0);
    if (authority === undefined || authority.port === 0) return { error: 'CONNECT needs host:port' };
    return { request: { kind: 'connect', ...authority } };
  }
  const match = /^http:\/\/([^/?#]*)([^#]*)/i.exec(target);
  if (match === null) return { error: 'a plain request needs an absolute http:// URI (use CONNECT for https)' };
  const authority = parseAuthority(match[1] ?? '', 80);
  if (authority === undefined) return { error: 'the URI has no valid host' };
  const rest = match[2] ?? '';
  const path = rest === '' ? '/' : rest.startsWith('/') ? rest : `/${rest}`;
  return { request: { kind: 'http', method, ...authority, path, version, headers } };
}

/** The head sent upstream for a plain HTTP request: origin form, its own Host, no hop-by-hop headers, one request per connection. */
export function buildUpstreamHead(request: Extract<ProxyRequest, { kind: 'http' }>): string {
  const host = request.host.includes(':') ? `[${request.host}]` : request.host;
  const kept = request.headers.filter((header) => !HOP_BY_HOP.has(header.slice(0, header.indexOf(':')).trim().toLowerCase()));
  const hostHeader = `Host: ${host}${request.port === 80 ? '' : `:${request.port}`}`;
  return [`${request.method} ${request.path} ${request.version}`, hostHeader, ...kept, 'Connection: close', '', ''].join('\r\n');
}

/** A short error response; the proxy closes the connection after it. */
export function buildErrorResponse(status: 400 | 403 | 502 | 504, reason: string): string {
  const text = { 400: 'Bad Request', 403: 'Forbidden', 502: 'Bad Gateway', 504: 'Gateway Timeout' }[status];
  const body = `orch proxy: ${reason.replace(/[\r\n]/g, ' ')}\n`;
  return `HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}
