import { chmodSync, chownSync, mkdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { tryLink, writeBlobs, writeSymlink, chargeBudget, type BlobJob, type Budget, type Owner } from './blob-writer.js';
import { joinPath, listSkipped, type DirNode, type FileNode, type Skipped, type SnapshotKind, type TreeListing } from './tree-walk.js';

/**
 * Turn a walked listing into files in a fresh directory: directories made
 * once, parents first; unchanged blobs hardlinked from a previous snapshot of
 * the same kind and owner when one is given; the rest in one blob pass.
 *
 * Modes. Peer snapshots: files 0444, directories 0555 once filled (SPEC
 * §3.5). Base checkouts: the files' own modes (0644/0755), directories 0755:
 * the checkout is an overlay lower layer, which the kernel never writes, and
 * copy-up keeps the mode, so a 0444 lower file would stay read-only for the
 * sandbox user (no CAP_DAC_OVERRIDE) in its own checkout. The cache directory
 * itself is private to orch.
 */

export interface MaterializeOptions {
  repo: string;
  listing: TreeListing;
  /** Must not exist yet; its parent must. */
  dest: string;
  kind: SnapshotKind;
  budget: Budget;
  /** chown everything written (base checkouts for a sandbox running as another uid). */
  owner?: Owner;
  /** A previous snapshot of the same kind and owner to hardlink unchanged blobs from. */
  linkFrom?: { dir: string; listing: TreeListing };
}

export interface Materialized {
  /** The listing as written: files left out are moved to `skipped` of their directory. */
  listing: TreeListing;
  written: number;
  linked: number;
}

export function permOf(kind: SnapshotKind, mode: FileNode['mode']): number {
  if (kind === 'peer') return 0o444;
  return mode === '100755' ? 0o755 : 0o644;
}

export function dirPermOf(kind: SnapshotKind): number {
  return kind === 'peer' ? 0o555 : 0o755;
}

/** The key under which a previous snapshot's file can stand in for a new one. */
export function reuseKey(kind: SnapshotKind, file: FileNode): string {
  return kind === 'peer' || file.mode === '120000' ? `${file.mode === '120000' ? 'l' : 'f'}:${file.oid}` : `${file.mode}:${file.oid}`;
}

interface Reusable {
  absPath: string;
  file: FileNode;
}

export function indexFiles(kind: SnapshotKind, dir: string, listing: TreeListing): Map<string, Reusable> {
  const index = new Map<string, Reusable>();
  for (const [dirPath, node] of listing) {
    for (const file of node.files) index.set(reuseKey(kind, file), { absPath: join(dir, dirPath, file.name), file });
  }
  return index;
}

export async function materialize(options: MaterializeOptions): Promise<Materialized> {
  const { dest, kind, owner, budget } = options;
  const reuse = options.linkFrom === undefined ? undefined : indexFiles(kind, options.linkFrom.dir, options.linkFrom.listing);
  const jobs: BlobJob[] = [];
  const dirs: string[] = [];
  const skipped: Skipped[] = [];
  let linked = 0;
  for (const [dirPath, node] of options.listing) {
    const absDir = dirPath === '' ? dest : join(dest, dirPath);
    mkdirSync(absDir, { mode: 0o755 });
    if (owner !== undefined) chownSync(absDir, owner.uid, owner.gid);
    dirs.push(absDir);
    for (const file of node.files) {
      const path = joinPath(dirPath, file.name);
      const absPath = join(absDir, file.name);
      const known = reuse?.get(reuseKey(kind, file));
      if (known !== undefined && known.file.mode === '120000' && known.file.target !== undefined) {
        file.target = known.file.target;
        file.size = known.file.size;
        writeSymlink(absPath, known.file.target, owner);
        linked += 1;
        continue;
      }
      if (known !== undefined && known.file.mode !== '120000') {
        const over = chargeBudget(budget, path, known.file.size);
        if (over !== undefined) {
          skipped.push(over);
          continue;
        }
        if (tryLink(known.absPath, absPath)) {
          file.size = known.file.size;
          linked += 1;
          continue;
        }
        budget.bytes -= known.file.size;
      }
      jobs.push({ path, absPath, file, perm: permOf(kind, file.mode) });
    }
  }
  skipped.push(...(await writeBlobs(options.repo, jobs, budget, owner)));
  const dirPerm = dirPermOf(kind);
  for (let i = dirs.length - 1; i >= 0; i--) chmodSync(dirs[i] ?? dest, dirPerm);
  return { listing: withSkipped(options.listing, skipped), written: jobs.length, linked };
}

/** The listing with `skipped` files taken out of their directories and recorded there. */
export function withSkipped(listing: TreeListing, skipped: readonly Skipped[]): TreeListing {
  if (skipped.length === 0) return listing;
  const out: TreeListing = new Map(listing);
  const byDir = new Map<string, Skipped[]>();
  for (const skip of skipped) {
    const parent = posix.dirname(skip.path) === '.' ? '' : posix.dirname(skip.path);
    byDir.set(parent, [...(byDir.get(parent) ?? []), skip]);
  }
  for (const [dirPath, skips] of byDir) {
    const node = out.get(dirPath);
    if (node === undefined) continue;
    const names = new Set(skips.map((s) => posix.basename(s.path)));
    out.set(dirPath, { ...node, files: node.files.filter((f) => !names.has(f.name)), skipped: [...node.skipped, ...skips] } satisfies DirNode);
  }
  return out;
}

/** Files, bytes and skipped entries of a written listing. */
export function summarize(listing: TreeListing): { files: number; bytes: number; skipped: Skipped[] } {
  let files = 0;
  let bytes = 0;
  for (const node of listing.values()) {
    files += node.files.length;
    for (const file of node.files) if (file.mode !== '120000') bytes += file.size;
  }
  return { files, bytes, skipped: listSkipped(listing) };
}
