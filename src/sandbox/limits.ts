import { readFileSync } from 'node:fs';

/**
 * Resource limits of a sandbox. They are set by the sandbox's first program
 * (`ulimit`, soft and hard together) before the command runs, so they cost no
 * extra exec and the command cannot raise them (no CAP_SYS_RESOURCE). A limit
 * can only be lowered: each is clamped to the engine's own hard limit, read
 * from /proc/self/limits.
 */

export interface SandboxLimits {
  /** RLIMIT_NPROC: processes of the agent's uid inside the sandbox. */
  processes?: number;
  /** RLIMIT_AS: address space of each process, in bytes (rounded down to KiB). */
  memoryBytes?: number;
  /** RLIMIT_FSIZE: largest file a process may write, in bytes (rounded down to 512-byte blocks). */
  fileSizeBytes?: number;
  /** RLIMIT_NOFILE: open descriptors per process. */
  openFiles?: number;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  processes: 4096,
  fileSizeBytes: 4 * 1024 * 1024 * 1024,
  openFiles: 4096,
};

type Key = keyof SandboxLimits;

const PROC_NAMES: Record<Key, string> = {
  processes: 'Max processes',
  memoryBytes: 'Max address space',
  fileSizeBytes: 'Max file size',
  openFiles: 'Max open files',
};

/** Hard limits from the text of /proc/<pid>/limits; undefined means unlimited. Pure. */
export function parseHardLimits(text: string): SandboxLimits {
  const out: SandboxLimits = {};
  for (const key of Object.keys(PROC_NAMES) as Key[]) {
    const line = text.split('\n').find((candidate) => candidate.startsWith(PROC_NAMES[key]));
    const hard = line?.slice(PROC_NAMES[key].length).trim().split(/\s+/)[1];
    if (hard !== undefined && /^\d+$/.test(hard)) out[key] = Number(hard);
  }
  return out;
}

let cachedHard: SandboxLimits | undefined;

function readHardLimits(): SandboxLimits {
  if (cachedHard === undefined) {
    try {
      cachedHard = parseHardLimits(readFileSync('/proc/self/limits', 'utf8'));
    } catch {
      cachedHard = {};
    }
  }
  return cachedHard;
}

/**
 * The `ulimit` arguments for the start script: nproc, nofile, address space
 * in KiB, file size in 512-byte blocks; "-" leaves one alone. Throws on a
 * limit that is not a positive whole number.
 */
export function ulimitArgs(requested: SandboxLimits, hard: SandboxLimits = readHardLimits()): [string, string, string, string] {
  const value = (key: Key, unit: number): string => {
    const wanted = requested[key];
    if (wanted === undefined) return '-';
    if (!Number.isSafeInteger(wanted) || wanted <= 0) throw new Error(`sandbox limit ${key} must be a positive whole number`);
    const ceiling = hard[key];
    const clamped = ceiling === undefined ? wanted : Math.min(wanted, ceiling);
    return String(Math.max(1, Math.floor(clamped / unit)));
  };
  return [value('processes', 1), value('openFiles', 1), value('memoryBytes', 1024), value('fileSizeBytes', 512)];
}
