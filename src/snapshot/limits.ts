import { describeSymlinkEscape } from '../git/symlink-target.js';

/**
 * Size caps for peer snapshots and the symlink rule for base checkouts. Pure.
 */

export interface SizeCaps {
  /** A file above this many bytes is skipped and recorded (reason too-large). */
  maxFileBytes: number;
  /** The snapshot's total size; see onTotalCap. */
  maxTotalBytes: number;
  /**
   * 'error' (default): the snapshot is refused with SNAPSHOT_FAILED naming the path where it went over.
   * 'truncate': files past the cap are skipped (reason total-cap) and the snapshot is marked truncated.
   */
  onTotalCap: 'error' | 'truncate';
}

export const DEFAULT_CAPS: SizeCaps = { maxFileBytes: 8 * 1024 * 1024, maxTotalBytes: 512 * 1024 * 1024, onTotalCap: 'error' };

/** A symlink blob longer than this is not a path anyone means (PATH_MAX). */
export const MAX_SYMLINK_TARGET = 4096;

export function resolveCaps(caps: Partial<SizeCaps> | undefined): SizeCaps {
  return { ...DEFAULT_CAPS, ...(caps ?? {}) };
}

/**
 * Why a symlink at repo-relative `path` pointing at `target` may lead out of
 * the tree, or undefined when it stays inside. Absolute targets leave. `..`
 * is accepted only as leading segments, climbing from the link's own
 * directory (whose components are real directories of the tree): in
 * `l/..` the `l` may itself be a symlink, so the lexical normal form would lie.
 */
export function describeEscape(path: string, target: string): string | undefined {
  return describeSymlinkEscape(path, target);
}
