import { findHighEntropy } from './secret-entropy.js';

/**
 * Finds secrets in text: private keys, common cloud and API token formats,
 * and high-entropy strings. Pure and general: lesson proposals use it, and so
 * does the engine's check of what an agent wrote.
 *
 * Excerpts are redacted (the first four characters and the length), so a
 * report about a secret never repeats the secret.
 */

export type SecretKind =
  | 'private-key'
  | 'aws-access-key-id'
  | 'aws-secret-access-key'
  | 'github-token'
  | 'gitlab-token'
  | 'slack-token'
  | 'slack-webhook'
  | 'stripe-key'
  | 'google-api-key'
  | 'openai-key'
  | 'anthropic-key'
  | 'npm-token'
  | 'huggingface-token'
  | 'jwt'
  | 'high-entropy';

export interface SecretFinding {
  kind: SecretKind;
  /** 1-based line and column of the start of the secret. */
  line: number;
  column: number;
  /** Redacted: never the secret itself. */
  excerpt: string;
}

interface Rule {
  kind: SecretKind;
  pattern: RegExp;
  /** Which capture group is the secret (default: the whole match). */
  group?: number;
  /** Extra test on the secret; a false result drops the match. */
  accept?: (secret: string, text: string, index: number) => boolean;
  /** Show this much of the match as it is (headers that are not secret themselves). */
  plain?: boolean;
}

const B64 = 'A-Za-z0-9+/';

function mixesCaseAndDigits(value: string): boolean {
  return /[a-z]/.test(value) && /[A-Z]/.test(value) && /[0-9]/.test(value);
}

function nearAwsLabel(_secret: string, text: string, index: number): boolean {
  const before = text.slice(Math.max(0, index - 160), index);
  return /aws/i.test(before) && /secret|private|key/i.test(before);
}

const RULES: readonly Rule[] = [
  { kind: 'private-key', pattern: /-----BEGIN[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----/g, plain: true },
  { kind: 'private-key', pattern: /PuTTY-User-Key-File-\d+:/g, plain: true },
  { kind: 'aws-access-key-id', pattern: /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Z0-9])/g },
  {
    kind: 'aws-secret-access-key',
    pattern: new RegExp(`(?<![${B64}])([${B64}]{40})(?![${B64}=])`, 'g'),
    group: 1,
    accept: (secret, text, index) => mixesCaseAndDigits(secret) && nearAwsLabel(secret, text, index),
  },
  { kind: 'github-token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/g },
  { kind: 'github-token', pattern: /\bgithub_pat_[A-Za-z0-9_]{22,255}/g },
  { kind: 'gitlab-token', pattern: /\bglpat-[A-Za-z0-9_-]{20,}/g },
  { kind: 'slack-token', pattern: /\bxox[abprse]-[A-Za-z0-9-]{10,}/g },
  { kind: 'slack-webhook', pattern: /hooks\.slack\.com\/services\/T[A-Za-z0-9_]+\/B[A-Za-z0-9_]+\/[A-Za-z0-9_]{8,}/g },
  { kind: 'stripe-key', pattern: /\b[rs]k_live_[A-Za-z0-9]{16,}/g },
  { kind: 'google-api-key', pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  { kind: 'anthropic-key', pattern: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  {
    kind: 'openai-key',
    pattern: /\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?([A-Za-z0-9_-]{32,})/g,
    accept: (secret) => mixesCaseAndDigits(secret),
  },
  { kind: 'npm-token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { kind: 'huggingface-token', pattern: /\bhf_[A-Za-z]{34}\b/g },
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*/g },
];

/** Line starts, for turning an index into line and column. */
function indexLines(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function positionOf(starts: readonly number[], index: number): { line: number; column: number } {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((starts[mid] ?? 0) <= index) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: index - (starts[low] ?? 0) + 1 };
}

/** "AKIA… (20 chars)": enough to find it, never enough to use it. */
export function redact(secret: string): string {
  return `${secret.slice(0, 4)}… (${secret.length} chars)`;
}

interface Span {
  kind: SecretKind;
  index: number;
  length: number;
  excerpt: string;
}

function overlaps(spans: readonly Span[], index: number, length: number): boolean {
  return spans.some((span) => index < span.index + span.length && span.index < index + length);
}

/** Every secret in `text`, in order of position. A span is reported once, by its most specific kind. */
export function findSecrets(text: string): SecretFinding[] {
  const spans: Span[] = [];
  for (const rule of RULES) {
    for (const match of text.matchAll(rule.pattern)) {
      const secret = match[rule.group ?? 0] ?? match[0];
      const index = match.index + (rule.group === undefined ? 0 : match[0].indexOf(secret));
      const length = rule.group === undefined ? match[0].length : secret.length;
      if (rule.accept !== undefined && !rule.accept(secret, text, index)) continue;
      if (overlaps(spans, index, length)) continue;
      spans.push({ kind: rule.kind, index, length, excerpt: rule.plain === true ? match[0] : redact(match[0]) });
    }
  }
  for (const hit of findHighEntropy(text)) {
    if (overlaps(spans, hit.index, hit.length)) continue;
    const value = text.slice(hit.index, hit.index + hit.length);
    spans.push({ kind: 'high-entropy', index: hit.index, length: hit.length, excerpt: `${redact(value)}, ${hit.entropy.toFixed(1)} bits/char` });
  }
  spans.sort((a, b) => a.index - b.index);
  const starts = indexLines(text);
  return spans.map((span) => ({ kind: span.kind, ...positionOf(starts, span.index), excerpt: span.excerpt }));
}

/** One line per finding, for error messages: "line 3: aws-access-key-id (AKIA… (20 chars))". */
export function describeSecrets(findings: readonly SecretFinding[]): string {
  return findings.map((f) => `line ${f.line}: ${f.kind} (${f.excerpt})`).join('; ');
}
