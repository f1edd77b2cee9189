import { OrchError } from '../errors/index.js';
import { ORCH_IDENTITY } from './exec.js';
import { localTzOffset, type Signature } from './object-format.js';

/** Commit messages with trailers, and orch's own signature. Pure. */

export type Trailer = readonly [key: string, value: string];

const TRAILER_KEY = /^[A-Za-z][A-Za-z0-9-]*$/;

/** "subject\n\nbody\n\nKey: value\n...", one line per trailer. */
export function formatMessage(subject: string, body: string | undefined, trailers: readonly Trailer[] = []): string {
  const parts = [subject.replace(/\s*\n\s*/g, ' ').trim() || 'orch'];
  const trimmedBody = body?.trim();
  if (trimmedBody !== undefined && trimmedBody.length > 0) parts.push(trimmedBody);
  if (trailers.length > 0) {
    const lines = trailers.map(([key, value]) => {
      if (!TRAILER_KEY.test(key)) throw new OrchError('INTERNAL', `invalid trailer key "${key}"`);
      return `${key}: ${value.replace(/\s*\n\s*/g, ' ').trim()}`;
    });
    parts.push(lines.join('\n'));
  }
  return `${parts.join('\n\n')}\n`;
}

/** The trailers of the message's last paragraph (every line "Key: value"), in order. */
export function parseTrailers(message: string): Trailer[] {
  const paragraphs = message.trim().split(/\n\s*\n/);
  const last = paragraphs.length > 1 ? paragraphs[paragraphs.length - 1] : undefined;
  if (last === undefined) return [];
  const trailers: Trailer[] = [];
  for (const line of last.split('\n')) {
    const match = /^([A-Za-z][A-Za-z0-9-]*): ?(.*)$/.exec(line);
    if (match === null) return [];
    trailers.push([match[1] ?? '', match[2] ?? '']);
  }
  return trailers;
}

/** orch's author and committer identity (ORCH_IDENTITY) at `time`. */
export function orchSignature(time: number): Signature {
  return {
    name: ORCH_IDENTITY.GIT_AUTHOR_NAME ?? 'orch',
    email: ORCH_IDENTITY.GIT_AUTHOR_EMAIL ?? 'orch@localhost',
    time,
    tzOffset: localTzOffset(time),
  };
}

/** The trailers of a landing commit: `Bead: <project>/<id>`, `Run: <run commit>`, `Wave: <n>`. */
export function landingTrailers(landing: { bead: string; run: string; wave: number | string }): Trailer[] {
  return [
    ['Bead', landing.bead],
    ['Run', landing.run],
    ['Wave', String(landing.wave)],
  ];
}
