import { z } from 'zod';
import { OrchError } from '../errors/index.js';
import type { DirNode, TreeListing } from './tree-walk.js';

/**
 * What the cache keeps beside each snapshot: `meta.json` (small, read on the
 * unchanged-tree fast path) and `listing.json` (path -> blob oid, mode, size
 * per directory, with the directory's tree id; read only to build the next
 * snapshot of the same source by reuse, or by collect for a base tree).
 */

const SKIP_REASONS = [
  'unsafe-name', 'denied', 'symlink', 'submodule', 'bad-mode', 'duplicate', 'too-large', 'total-cap', 'escaping-symlink',
] as const;

export const SkippedSchema = z.object({ path: z.string(), reason: z.enum(SKIP_REASONS), detail: z.string() });

export const MetaSchema = z.object({
  version: z.literal(1),
  kind: z.enum(['peer', 'base']),
  /** Identifies the source (repo and branch) for reuse and garbage collection. */
  source: z.string(),
  /** Identifies the filter, caps and owner the snapshot was made with. */
  policy: z.string(),
  treeOid: z.string().regex(/^[0-9a-f]{40,64}$/),
  createdAt: z.number(),
  files: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  truncated: z.boolean(),
  skipped: z.array(SkippedSchema),
});

export type SnapshotMeta = z.infer<typeof MetaSchema>;

const FileTuple = z.union([
  z.tuple([z.string(), z.string(), z.enum(['100644', '100755', '120000']), z.number()]),
  z.tuple([z.string(), z.string(), z.literal('120000'), z.number(), z.string()]),
]);
const DirTuple = z.tuple([z.string(), z.string(), z.array(FileTuple), z.array(z.string()), z.array(SkippedSchema)]);
const ListingSchema = z.object({ version: z.literal(1), dirs: z.array(DirTuple) });

export function serializeListing(listing: TreeListing): string {
  const dirs = [...listing].map(([path, node]) => [
    path,
    node.tree,
    node.files.map((f) => (f.target === undefined ? [f.name, f.oid, f.mode, f.size] : [f.name, f.oid, f.mode, f.size, f.target])),
    node.dirs,
    node.skipped,
  ]);
  return JSON.stringify({ version: 1, dirs });
}

export function parseListing(text: string, file: string): TreeListing {
  const parsed = ListingSchema.safeParse(safeJson(text, file));
  if (!parsed.success) throw corrupt(file, parsed.error.issues[0]?.message ?? 'bad shape');
  const listing: TreeListing = new Map();
  for (const [path, tree, files, dirs, skipped] of parsed.data.dirs) {
    const node: DirNode = {
      tree,
      files: files.map(([name, oid, mode, size, target]) => (target === undefined ? { name, oid, mode, size } : { name, oid, mode, size, target })),
      dirs,
      skipped,
    };
    listing.set(path, node);
  }
  return listing;
}

export function parseMeta(text: string, file: string): SnapshotMeta {
  const parsed = MetaSchema.safeParse(safeJson(text, file));
  if (!parsed.success) throw corrupt(file, parsed.error.issues[0]?.message ?? 'bad shape');
  return parsed.data;
}

function safeJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw corrupt(file, (error as Error).message);
  }
}

function corrupt(file: string, why: string): OrchError {
  return new OrchError('SNAPSHOT_FAILED', `snapshot cache file ${file} is damaged: ${why}`, {
    hint: 'delete that snapshot directory; it is rebuilt on the next request',
  });
}
