import { OrchError } from '../errors/index.js';
import { canonicalAddress, classifyAddress } from './net-proxy-address.js';

/**
 * The network allow-list of a project (`network: {allow: [...]}`) and the
 * decisions the proxy takes with it. Pure.
 *
 * Entries: `api.example.com` (exactly that name), `*.example.com` (any name
 * below example.com, not example.com itself), `10.0.0.5` or `[::1]` (that
 * address), each optionally `:port`. Without a port an entry allows 443 and 80.
 * A name is checked twice: before resolving (is it listed?) and after (does
 * every address it resolves to stay public, or is that address itself listed?).
 */

export interface AllowEntry {
  kind: 'name' | 'wildcard' | 'address';
  /** Lower-case name without a trailing dot; the suffix (`.example.com`) for a wildcard; the canonical address for an address. */
  host: string;
  ports: number[];
}

export interface Target {
  host: string;
  port: number;
}

export type Verdict = { allowed: true; reason: string } | { allowed: false; reason: string };

export const DEFAULT_PORTS = [443, 80] as const;

const NAME = /^[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*$/;

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** Splits `host`, `host:port`, `[v6]`, `[v6]:port` (and a bare v6 address); undefined when malformed. */
export function splitHostPort(text: string): { host: string; port: number | undefined } | undefined {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return undefined;
    const host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest === '') return { host, port: undefined };
    const port = rest.startsWith(':') ? parsePort(rest.slice(1)) : undefined;
    return port === undefined ? undefined : { host, port };
  }
  if (classifyAddress(text) !== undefined) return { host: text, port: undefined };
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { host: text, port: undefined };
  const port = parsePort(text.slice(colon + 1));
  return port === undefined ? undefined : { host: text.slice(0, colon), port };
}

/** A name that getaddrinfo might read as an address (`127.1`, `0x7f.1`, `2130706433`). */
function looksNumeric(host: string): boolean {
  const last = host.split('.').pop() ?? '';
  return /^(?:\d+|0x[0-9a-f]*)$/.test(last);
}

function normaliseName(host: string): string {
  const lower = host.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function invalidEntry(entry: string, why: string): OrchError {
  return new OrchError('CONFIG_INVALID', `network.allow entry ${JSON.stringify(entry)} ${why}`, {
    data: { entry },
    hint: 'write a host name (api.example.com), a wildcard (*.example.com) or an address (10.0.0.5, [::1]), optionally with :port',
  });
}

export function parseAllowEntry(entry: string): AllowEntry {
  const split = splitHostPort(entry.trim());
  if (split === undefined || split.host === '') throw invalidEntry(entry, 'is not host or host:port');
  const ports = split.port === undefined ? [...DEFAULT_PORTS] : [split.port];
  const address = canonicalAddress(split.host);
  if (address !== undefined) return { kind: 'address', host: address, ports };
  const wildcard = split.host.startsWith('*.');
  const name = normaliseName(wildcard ? split.host.slice(2) : split.host);
  if (!NAME.test(name) || name.length > 253) throw invalidEntry(entry, 'is not a valid host name');
  if (looksNumeric(name)) throw invalidEntry(entry, 'looks like a numeric address; write it as a dotted quad');
  return wildcard ? { kind: 'wildcard', host: `.${name}`, ports } : { kind: 'name', host: name, ports };
}

export function parseAllowList(entries: readonly string[]): AllowEntry[] {
  return entries.map(parseAllowEntry);
}

function addressListed(list: readonly AllowEntry[], address: string, port: number): boolean {
  const canonical = canonicalAddress(address);
  return list.some((entry) => entry.kind === 'address' && entry.host === canonical && entry.ports.includes(port));
}

/** Before resolving: is this target listed at all? An address target must itself be listed. */
export function checkTarget(list: readonly AllowEntry[], target: Target): Verdict {
  const { port } = target;
  if (classifyAddress(target.host) !== undefined) {
    return addressListed(list, target.host, port)
      ? { allowed: true, reason: 'address listed' }
      : { allowed: false, reason: `address ${target.host} port ${port} is not listed` };
  }
  const name = normaliseName(target.host);
  if (!NAME.test(name) || name.length > 253) return { allowed: false, reason: 'not a valid host name' };
  if (looksNumeric(name)) return { allowed: false, reason: 'numeric host name that is not a dotted-quad address' };
  for (const entry of list) {
    if (!entry.ports.includes(port)) continue;
    if (entry.kind === 'name' && entry.host === name) return { allowed: true, reason: 'name listed' };
    if (entry.kind === 'wildcard' && name.endsWith(entry.host) && name.length > entry.host.length) return { allowed: true, reason: `matches *${entry.host}` };
  }
  return { allowed: false, reason: `${name} port ${port} is not listed` };
}

/**
 * After resolving a listed name: every address must be public, or listed
 * itself (a name resolving to a private address is how DNS rebinding reaches
 * inside). Returns the addresses to connect to, in the resolver's order.
 */
export function checkResolved(list: readonly AllowEntry[], target: Target, addresses: readonly string[]): Verdict & { addresses: string[] } {
  if (addresses.length === 0) return { allowed: false, reason: `${target.host} has no address`, addresses: [] };
  for (const address of addresses) {
    const kind = classifyAddress(address);
    if (kind === undefined) return { allowed: false, reason: `${target.host} resolved to something that is not an address`, addresses: [] };
    if (kind !== 'public' && !addressListed(list, address, target.port)) {
      return { allowed: false, reason: `${target.host} resolves to ${kind} address ${address}, which is not listed`, addresses: [] };
    }
  }
  return { allowed: true, reason: 'resolved to allowed addresses', addresses: [...addresses] };
}
