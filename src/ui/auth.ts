import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Who may talk to the dashboard: a request for this very server (Host and
 * Origin name 127.0.0.1 or localhost on our port, which stops DNS rebinding)
 * carrying the token (query on the first visit, then a cookie, or a Bearer
 * header for scripts).
 */

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;

export function generateToken(): string {
  return randomBytes(32).toString('hex');
}

export function isValidToken(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

/** Cookies are not scoped by port: name each dashboard's cookie after its port. */
export function cookieName(port: number): string {
  return `orch-ui-${port}`;
}

export function isAllowedHost(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  const value = host.toLowerCase();
  return value === `127.0.0.1:${port}` || value === `localhost:${port}`;
}

/** An Origin header is optional; when present it must be this server. */
export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  const value = origin.toLowerCase();
  return value === `http://127.0.0.1:${port}` || value === `http://localhost:${port}`;
}

/** Constant-time comparison (digests first, so lengths do not leak either). */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function readBearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export type AuthResult = 'ok' | 'query' | 'denied';

/**
 * 'query': the token came in the URL; the caller sets the cookie and
 * redirects to the same path without it. A wrong token anywhere is denied.
 */
export function authenticate(headers: IncomingHttpHeaders, queryToken: string | undefined, expected: string, port: number): AuthResult {
  if (queryToken !== undefined) return tokensEqual(queryToken, expected) ? 'query' : 'denied';
  const bearer = readBearer(headers.authorization);
  if (bearer !== undefined) return tokensEqual(bearer, expected) ? 'ok' : 'denied';
  const cookie = readCookie(headers.cookie, cookieName(port));
  if (cookie !== undefined && tokensEqual(cookie, expected)) return 'ok';
  return 'denied';
}

export function sessionCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}
