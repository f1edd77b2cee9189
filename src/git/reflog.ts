import { closeSync, constants, openSync, writeSync } from 'node:fs';
import type { Signature } from './object-format.js';
import { ZERO_OID } from './ref-name.js';

/**
 * Reflog entries for a ref orch moves (a branch it lands on), written the way
 * git writes them: appended under the ref's lock, before the new value is
 * renamed into place. orch appends only to reflogs that already exist (git
 * creates them per core.logAllRefUpdates); it never creates one.
 */

export interface ReflogEntry {
  who: Signature;
  message: string;
}

export function formatReflogLine(old: string | null, next: string, entry: ReflogEntry): string {
  const sig = entry.who;
  const offset = Math.abs(sig.tzOffset);
  const tz = `${sig.tzOffset < 0 ? '-' : '+'}${String(Math.floor(offset / 60)).padStart(2, '0')}${String(offset % 60).padStart(2, '0')}`;
  const message = entry.message.replace(/\s*\n\s*/g, ' ').trim();
  return `${old ?? ZERO_OID} ${next} ${sig.name} <${sig.email}> ${Math.floor(sig.time / 1000)} ${tz}\t${message}\n`;
}

/** Append `line` to the reflog at `path` if that reflog exists. */
export function appendReflog(path: string, line: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    writeSync(fd, line);
  } finally {
    closeSync(fd);
  }
}
