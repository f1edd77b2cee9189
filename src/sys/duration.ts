import { OrchError } from '../errors/index.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "20m", "90s", "1h30m", "500ms" or a number of milliseconds. */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (Number.isFinite(input) && input >= 0) return input;
    throw new OrchError('USAGE', `invalid duration ${input}`, { hint: 'use a form like 90s, 20m or 1h30m' });
  }
  const text = input.trim();
  const pattern = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  for (const match of text.matchAll(pattern)) {
    total += Number(match[1]) * (UNITS[match[2] ?? ''] ?? 0);
    matched += match[0].length;
  }
  if (text.length === 0 || matched !== text.length) {
    if (/^\d+$/.test(text)) return Number(text);
    throw new OrchError('USAGE', `invalid duration "${input}"`, { hint: 'use a form like 90s, 20m or 1h30m' });
  }
  return total;
}
