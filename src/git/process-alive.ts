import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { LeaseRecord } from './lease-record.js';

/** Whether a lease holder's process still runs, told from this host. */

let ownStart: { value: number | undefined } | undefined;

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or undefined off Linux. */
export function processStartTime(pid: number): number | undefined {
  if (pid === process.pid && ownStart !== undefined) return ownStart.value;
  const value = readStartTime(pid);
  if (pid === process.pid) ownStart = { value };
  return value;
}

function readStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]);
    return Number.isInteger(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

export function isProcessAlive(pid: number, startTime?: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (startTime === undefined) return true;
  const actual = processStartTime(pid);
  return actual === undefined || actual === startTime;
}

export const HOST = hostname();

/** The liveness test for records: only a holder on this host with a pid can be judged. */
export function holderAlive(record: LeaseRecord): boolean | undefined {
  if (record.host !== HOST || record.pid === undefined) return undefined;
  return isProcessAlive(record.pid, record.pidStart);
}
