import { isIPv4, isIPv6 } from 'node:net';

/**
 * IP address classification for the network proxy: which addresses are
 * public, and which are private, loopback, link-local, unique-local, CGNAT,
 * multicast or otherwise special (never reachable unless listed). Pure.
 */

export type AddressKind = 'public' | 'private' | 'loopback' | 'link-local' | 'unique-local' | 'shared' | 'multicast' | 'reserved' | 'unspecified';

/** The four bytes of a dotted-quad IPv4 address, or undefined. */
export function parseIPv4(text: string): [number, number, number, number] | undefined {
  if (!isIPv4(text)) return undefined;
  const parts = text.split('.').map(Number);
  return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, parts[3] ?? 0];
}

/** The eight 16-bit groups of an IPv6 address (no zone id), or undefined. */
export function parseIPv6(text: string): number[] | undefined {
  if (text.includes('%') || !isIPv6(text)) return undefined;
  let body = text.toLowerCase();
  const lastColon = body.lastIndexOf(':');
  const v4 = parseIPv4(body.slice(lastColon + 1));
  if (v4 !== undefined) body = `${body.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  const halves = body.split('::');
  const toGroups = (part: string | undefined): number[] => (part === undefined || part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const head = toGroups(halves[0]);
  const rest = halves.length > 1 ? toGroups(halves[1]) : [];
  const fill = 8 - head.length - rest.length;
  if (halves.length === 1 && fill !== 0) return undefined;
  if (fill < 0) return undefined;
  return [...head, ...Array<number>(halves.length > 1 ? fill : 0).fill(0), ...rest];
}

function classifyIPv4([a, b, c]: readonly number[]): AddressKind {
  if (a === undefined || b === undefined || c === undefined) return 'reserved';
  if (a === 0) return 'unspecified';
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'shared';
  if (a === 169 && b === 254) return 'link-local';
  if (a >= 224 && a <= 239) return 'multicast';
  if (a >= 240) return 'reserved';
  // IETF protocol assignments, documentation nets, benchmarking, 6to4 relay anycast.
  if ((a === 192 && b === 0 && (c === 0 || c === 2)) || (a === 198 && (b === 18 || b === 19)) || (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113) || (a === 192 && b === 88 && c === 99)) {
    return 'reserved';
  }
  return 'public';
}

function embeddedIPv4(groups: readonly number[], from: number): number[] {
  const hi = groups[from] ?? 0;
  const lo = groups[from + 1] ?? 0;
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff];
}

function classifyIPv6(g: readonly number[]): AddressKind {
  const first = g[0] ?? 0;
  const zeroUpTo = (n: number): boolean => g.slice(0, n).every((group) => group === 0);
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && g[7] === 1) return 'loopback';
  // v4-mapped ::ffff:a.b.c.d and the deprecated v4-compatible ::a.b.c.d
  if (zeroUpTo(5) && g[5] === 0xffff) return classifyIPv4(embeddedIPv4(g, 6));
  if (zeroUpTo(6)) return 'reserved';
  // NAT64 64:ff9b::/96 reaches the embedded v4 address.
  if (first === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((group) => group === 0)) return classifyIPv4(embeddedIPv4(g, 6));
  // 6to4 2002::/16 embeds a v4 address in groups 1-2.
  if (first === 0x2002) {
    return classifyIPv4(embeddedIPv4(g, 1));
  }
  if ((first & 0xfe00) === 0xfc00) return 'unique-local';
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  if ((first & 0xffc0) === 0xfec0) return 'private';
  if ((first & 0xff00) === 0xff00) return 'multicast';
  // Teredo 2001::/32, documentation 2001:db8::/32, ORCHID and benchmarking 2001:0000-01ff.
  if (first === 0x2001 && ((g[1] ?? 0) < 0x200 || g[1] === 0xdb8)) return 'reserved';
  if ((first & 0xe000) !== 0x2000) return 'reserved';
  return 'public';
}

/** The kind of an IP address literal; undefined when the text is not one. */
export function classifyAddress(text: string): AddressKind | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return classifyIPv4(v4);
  const v6 = parseIPv6(text);
  if (v6 !== undefined) return classifyIPv6(v6);
  return undefined;
}

/** One canonical spelling per address (v4 dotted quad; v6 as eight lower-case hex groups; v4-mapped v6 as its v4), for comparing. */
export function canonicalAddress(text: string): string | undefined {
  if (parseIPv4(text) !== undefined) return text;
  const v6 = parseIPv6(text);
  if (v6 === undefined) return undefined;
  if (v6.slice(0, 5).every((group) => group === 0) && v6[5] === 0xffff) return embeddedIPv4(v6, 6).join('.');
  return v6.map((group) => group.toString(16)).join(':');
}
