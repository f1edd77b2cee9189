/**
 * What `git push --porcelain` printed, ref by ref, and what it means for a
 * compare-and-swap: the expectation did not hold (a lost race), the server
 * refused for another reason, or nothing was reported at all (the remote was
 * not reached, or the connection broke: the outcome is unknown). Pure.
 */

export interface PushedRef {
  /** The remote ref (the right side of the refspec). */
  ref: string;
  /** ' ' fast-forward, '+' forced, '-' deleted, '*' new, '!' rejected, '=' up to date. */
  flag: string;
  summary: string;
}

export type PushVerdict =
  | { kind: 'ok'; refs: PushedRef[] }
  /** The server answered and refused. `stale`: refs whose expected value did not hold (somebody else moved them). */
  | { kind: 'rejected'; stale: string[]; refused: PushedRef[]; refs: PushedRef[] }
  /** No answer about the refs: a network error, a missing repository, a broken connection. */
  | { kind: 'unreachable'; message: string };

const LINE = /^([ +\-*!=])\t([^\t]*)\t(.*)$/;

export function parsePushPorcelain(stdout: string): PushedRef[] {
  const refs: PushedRef[] = [];
  for (const line of stdout.split('\n')) {
    const match = LINE.exec(line);
    if (match === null) continue;
    const spec = match[2] ?? '';
    const colon = spec.lastIndexOf(':');
    refs.push({ flag: match[1] ?? '', ref: colon === -1 ? spec : spec.slice(colon + 1), summary: match[3] ?? '' });
  }
  return refs;
}

/**
 * A rejection that means "the value was not what you expected" (a lost
 * compare-and-swap): either the client saw it in the advertisement, or two
 * pushes raced and the server's own ref lock or old-value check failed for
 * this one (git then says only that the transaction failed; the caller
 * re-reads the ref to learn who won).
 */
function isStale(ref: PushedRef): boolean {
  return /\((stale info|fetch first|already exists|non-fast-forward|atomic transaction failed|failed to update ref|failed to lock)\)/.test(ref.summary);
}

/** A ref that failed only because another ref of the same atomic push failed. */
function isAtomicCasualty(ref: PushedRef): boolean {
  return /atomic push failed/.test(ref.summary);
}

export function judgePush(exitCode: number, stdout: string, stderr: string): PushVerdict {
  const refs = parsePushPorcelain(stdout);
  const rejected = refs.filter((ref) => ref.flag === '!');
  if (exitCode === 0 && rejected.length === 0) return { kind: 'ok', refs };
  if (rejected.length === 0) return { kind: 'unreachable', message: firstFatal(stderr) };
  const stale = rejected.filter(isStale).map((ref) => ref.ref);
  const refused = rejected.filter((ref) => !isStale(ref) && !isAtomicCasualty(ref));
  return { kind: 'rejected', stale, refused, refs };
}

/** The line of git's stderr that says what went wrong (fatal: first), trimmed. */
export function firstFatal(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
  let at = lines.findIndex((line) => line.startsWith('fatal:'));
  if (at < 0) at = lines.findIndex((line) => line.startsWith('error:'));
  if (at < 0) at = 0;
  // git often puts the reason on the next line ("fatal: unable to connect to host:" then "...errno=Connection refused").
  const said = lines.slice(at, at + 2).join(' ');
  return (said.length > 0 ? said : 'git reported no reason').slice(0, 500);
}
