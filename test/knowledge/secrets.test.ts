import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { findSecrets, redact, type SecretKind } from '../../src/knowledge/secrets.js';
import { findHighEntropy, shannonEntropy } from '../../src/knowledge/secret-entropy.js';

// Secrets are assembled at run time so that this file itself holds none.
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function random(length: number, alphabet = ALNUM): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  // Make sure every class is present, as real tokens almost always have.
  return `${out.slice(0, -3)}aZ7`;
}
const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function kinds(text: string): SecretKind[] {
  return findSecrets(text).map((f) => f.kind);
}

describe('findSecrets: named formats', () => {
  const cases: [string, string, SecretKind][] = [
    ['PEM RSA private key', ['-----BEGIN RSA ', 'PRIVATE KEY-----'].join(''), 'private-key'],
    ['PEM PKCS8 private key', ['-----BEGIN ', 'PRIVATE KEY-----'].join(''), 'private-key'],
    ['OpenSSH private key', ['-----BEGIN OPENSSH ', 'PRIVATE KEY-----'].join(''), 'private-key'],
    ['encrypted PEM', ['-----BEGIN ENCRYPTED ', 'PRIVATE KEY-----'].join(''), 'private-key'],
    ['PGP private key block', ['-----BEGIN PGP ', 'PRIVATE KEY BLOCK-----'].join(''), 'private-key'],
    ['PuTTY key', 'PuTTY-User-Key-File-3: ssh-ed25519', 'private-key'],
    ['AWS access key id', `key id ${'AKIA'}${random(16, UPPER_DIGITS).toUpperCase().replace(/[^A-Z2-7]/g, 'Q')}`, 'aws-access-key-id'],
    ['AWS temporary key id', `${'ASIA'}${'Q'.repeat(4)}${random(12, UPPER_DIGITS).toUpperCase().replace(/[^A-Z2-7]/g, 'Q')}`, 'aws-access-key-id'],
    ['GitHub classic token', `token: ${'ghp'}_${random(36)}`, 'github-token'],
    ['GitHub OAuth token', `${'gho'}_${random(36)}`, 'github-token'],
    ['GitHub app token', `${'ghs'}_${random(36)}`, 'github-token'],
    ['GitHub fine-grained token', `${'github'}_pat_${random(22)}_${random(59)}`, 'github-token'],
    ['GitLab token', `${'glpat'}-${random(20)}`, 'gitlab-token'],
    ['Slack bot token', `${'xoxb'}-1234567890-1234567890123-${random(24)}`, 'slack-token'],
    ['Slack webhook', `https://hooks.slack.com/services/T${random(8, UPPER_DIGITS)}/B${random(8, UPPER_DIGITS)}/${random(24)}`, 'slack-webhook'],
    ['Stripe live key', `${'sk'}_live_${random(24)}`, 'stripe-key'],
    ['Google API key', `${'AIza'}${random(35)}`, 'google-api-key'],
    ['OpenAI key', `OPENAI_API_KEY=${'sk'}-${random(48)}`, 'openai-key'],
    ['OpenAI project key', `${'sk'}-proj-${random(64)}`, 'openai-key'],
    ['Anthropic key', `${'sk'}-ant-api03-${random(90)}`, 'anthropic-key'],
    ['npm token', `//registry.npmjs.org/:_authToken=${'npm'}_${random(36)}`, 'npm-token'],
    ['Hugging Face token', `${'hf'}_${random(34, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ').replace(/7/g, 'x')}`, 'huggingface-token'],
    ['JWT', `Authorization: Bearer ${'eyJ'}hbGciOiJIUzI1NiJ9.${'eyJ'}zdWIiOiIxMjM0NTY3ODkwIn0.${random(43)}`, 'jwt'],
  ];
  it.each(cases)('finds a %s', (_name, text, kind) => {
    expect(kinds(`some text before\n  ${text}  \nand after`)).toContain(kind);
  });

  it('finds an AWS secret access key next to an aws label', () => {
    const secret = random(40, `${ALNUM}/+`);
    expect(kinds(`aws_secret_access_key = ${secret}`)).toEqual(['aws-secret-access-key']);
    expect(kinds(`[default]\naws_access_key_id = x\naws_secret_access_key=${secret}\n`)).toContain('aws-secret-access-key');
  });

  it('reports 1-based line and column, and reports a span once by its most specific kind', () => {
    const token = `${'ghp'}_${random(36)}`;
    const findings = findSecrets(`first line\nsecond ${token} line`);
    expect(findings).toEqual([{ kind: 'github-token', line: 2, column: 8, excerpt: redact(token) }]);
  });

  it('never repeats the secret in the excerpt', () => {
    const token = `${'glpat'}-${random(20)}`;
    const [finding] = findSecrets(token);
    expect(finding?.excerpt).not.toContain(token.slice(4));
    expect(finding?.excerpt).toBe(`glpa… (${token.length} chars)`);
  });

  it('finds several secrets in one text, in order', () => {
    const text = `a ${'AKIA'}QQQQQQQQQQQQQQQQ\nb ${['-----BEGIN ', 'PRIVATE KEY-----'].join('')}\nc ${'ghp'}_${random(36)}`;
    expect(findSecrets(text).map((f) => [f.kind, f.line])).toEqual([
      ['aws-access-key-id', 1],
      ['private-key', 2],
      ['github-token', 3],
    ]);
  });
});

describe('findSecrets: high entropy', () => {
  it('flags random base64 and hex strings of 32+ characters', () => {
    expect(kinds(`value: ${randomBytes(30).toString('base64')}`)).toEqual(['high-entropy']);
    expect(kinds(`seed ${randomBytes(16).toString('hex')} here`)).toEqual(['high-entropy']);
    expect(kinds(`url-safe ${randomBytes(32).toString('base64url')}`)).toEqual(['high-entropy']);
  });

  it('flags a 40- or 64-hex value only when a key-like label is near it', () => {
    const hex40 = randomBytes(20).toString('hex');
    expect(kinds(`fixed in commit ${hex40}`)).toEqual([]);
    expect(kinds(`api_key: ${hex40}`)).toEqual(['high-entropy']);
    const hex64 = randomBytes(32).toString('hex');
    expect(kinds(`sha256 ${hex64}  dist.tar.gz`)).toEqual([]);
    expect(kinds(`SECRET=${hex64}`)).toEqual(['high-entropy']);
  });

  it('catches at least 95% of random 40-character base64 tokens', () => {
    let caught = 0;
    for (let i = 0; i < 400; i++) {
      const token = randomBytes(40).toString('base64').replace(/[+/=]/g, '').slice(0, 40);
      if (findHighEntropy(`x ${token} y`).length > 0) caught++;
    }
    expect(caught / 400).toBeGreaterThanOrEqual(0.95);
  });

  const negatives: [string, string][] = [
    ['prose', 'Commit the lockfile with every dependency change, and run npm ci in CI rather than npm install.'],
    ['git oid in prose', 'See commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904 for the empty tree.'],
    ['short sha', 'reverted in 4b825dc'],
    ['UUID', 'request id 123e4567-e89b-12d3-a456-426614174000 failed'],
    ['npm integrity hash', '"integrity": "sha512-TR4w1+G4kS0B1yr1XjgQZQ9/ZGtLZsqRTaAxWvXvLkxhgTGWmK4Lyy8vN5IUdhmm0sn6nhnE2K9DSxWYbWI31ZH5Jg=="'],
    ['go.sum line', 'golang.org/x/text v0.3.7 h1:olpwvP2KacW1ZWvsR7uQhoyTYvKAupfQrRGBFM352Gk='],
    ['camelCase identifier', 'export function getUser2FactorAuthenticationTokenForAccount() {}'],
    ['SCREAMING constant', 'throw new Error(ERR_INVALID_ARG_TYPE_FOR_BUFFER_V8_COMPAT_MODE)'],
    ['snake_case message id', '"A_class_member_cannot_have_the_0_keyword_1248": "..."'],
    ['URL path', 'https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Global_Objects/Uint8Array'],
    ['GitHub commit URL', 'https://github.com/inspect-js/hasOwn/commit/fdab00e2703e65411424e19bf86a7e72a8f10da9'],
    ['file path', 'src/knowledge/proposal-check/parseLessonFrontmatter2Strict.ts'],
    ['base64 alphabet', 'const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";'],
    ['data URI', 'background: url(data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==)'],
    ['kebab-case slug', 'lessons/pin-lockfile-versions-before-upgrading-typescript-compiler.md'],
    ['the word sk- in prose', 'a risk-based approach with desk-side review of task-specific checklists'],
    ['PEM public key', ['-----BEGIN ', 'PUBLIC KEY-----'].join('')],
    ['AWS docs placeholder text', 'set AWS_SECRET_ACCESS_KEY in your environment, never in a file'],
  ];
  it.each(negatives)('does not flag %s', (_name, text) => {
    expect(findSecrets(text)).toEqual([]);
  });

  it('computes Shannon entropy in bits per character', () => {
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abab')).toBe(1);
    expect(shannonEntropy('0123456789abcdef')).toBe(4);
  });
});
