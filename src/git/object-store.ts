import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, utimesSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { OrchError } from '../errors/index.js';
import { CatFile, parseTree, type TreeEntry } from './cat-file.js';
import { unlinkQuietly } from './lock-file.js';
import { encodeCommit, encodeTree, hashObject, parseCommit, type CommitData, type ObjectType, type ParsedCommit, type WriteEntry } from './object-format.js';

/**
 * Objects in and out of one repository, in-process. Writes are loose objects
 * made the way git makes them (temp file in the fan-out directory, then
 * renamed into place, never half-written under the final name); an object
 * that already exists is only freshened. Reads go through one long-lived
 * `git cat-file --batch`, which also sees packs and alternates.
 */
export class ObjectStore {
  private cat: CatFile | undefined;
  private readonly knownDirs = new Set<string>();
  private readonly unsynced = new Set<string>();
  /** Parsed trees and commits by object id (immutable; also filled by this store's own writes, so reading back what was just built costs no round trip). */
  private readonly trees = new Map<string, TreeEntry[]>();
  private readonly commits = new Map<string, ParsedCommit>();

  constructor(readonly repo: string, readonly objectsDir: string) {}

  write(type: ObjectType, data: Uint8Array): string {
    const { oid, header } = hashObject(type, data);
    const dir = join(this.objectsDir, oid.slice(0, 2));
    const final = join(dir, oid.slice(2));
    if (existsSync(final)) {
      // Freshen, as git does, so `git gc --prune` keeps an object about to become reachable.
      const now = new Date();
      try {
        utimesSync(final, now, now);
      } catch {
        // Read-only object store: the object is there, which is what matters.
      }
      return oid;
    }
    if (!this.knownDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.knownDirs.add(dir);
    }
    const tmp = join(dir, `tmp_obj_${randomBytes(6).toString('hex')}`);
    const fd = openSync(tmp, 'wx', 0o444);
    try {
      const bytes = deflateSync(Buffer.concat([header, data]));
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
    } catch (error) {
      closeSync(fd);
      unlinkQuietly(tmp);
      throw error;
    }
    closeSync(fd);
    renameSync(tmp, final);
    this.unsynced.add(final);
    return oid;
  }

  writeBlob(data: Uint8Array | string): string {
    return this.write('blob', typeof data === 'string' ? Buffer.from(data) : data);
  }

  writeTree(entries: readonly WriteEntry[]): string {
    const data = encodeTree(entries);
    const oid = this.write('tree', data);
    remember(this.trees, oid, parseTree(data));
    return oid;
  }

  writeCommit(commit: CommitData): string {
    const data = encodeCommit(commit);
    const oid = this.write('commit', data);
    remember(this.commits, oid, parseCommit(data));
    return oid;
  }

  /**
   * fsync every object written since the last flush (and their directories),
   * all at once so the file system can group them. Call before a ref points
   * at them.
   */
  async flush(): Promise<void> {
    const files = [...this.unsynced];
    this.unsynced.clear();
    const dirs = new Set(files.map((file) => dirname(file)));
    await Promise.all([...files, ...dirs].map(async (path) => {
      const handle = await open(path, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }));
  }

  /** The store's long-lived reader, for callers that stream many objects of this repo (snapshots). */
  catFile(): CatFile {
    this.cat ??= new CatFile(this.repo);
    return this.cat;
  }

  async read(oid: string, type?: ObjectType): Promise<Buffer> {
    const object = await this.catFile().read(oid);
    if (object === undefined) throw new OrchError('GIT_FAILED', `object ${oid} is missing in ${this.repo}`, { data: { oid } });
    if (type !== undefined && object.type !== type) {
      throw new OrchError('GIT_FAILED', `object ${oid} is a ${object.type}, expected a ${type}`, { data: { oid } });
    }
    return object.data;
  }

  /** Whether the object exists (any type). */
  async has(oid: string): Promise<boolean> {
    return (await this.catFile().read(oid)) !== undefined;
  }

  /** The entries of a tree (shared with the cache: do not modify). */
  async readTree(oid: string): Promise<TreeEntry[]> {
    const cached = this.trees.get(oid);
    if (cached !== undefined) return cached;
    const entries = parseTree(await this.read(oid, 'tree'));
    if (OID.test(oid)) remember(this.trees, oid, entries);
    return entries;
  }

  /** A parsed commit (shared with the cache: do not modify). */
  async readCommit(oid: string): Promise<ParsedCommit> {
    const cached = this.commits.get(oid);
    if (cached !== undefined) return cached;
    const commit = parseCommit(await this.read(oid, 'commit'));
    if (OID.test(oid)) remember(this.commits, oid, commit);
    return commit;
  }

  async close(): Promise<void> {
    const cat = this.cat;
    this.cat = undefined;
    await cat?.close();
  }
}

const OID = /^[0-9a-f]{40}$/;
const CACHE_LIMIT = 4096;

function remember<T>(cache: Map<string, T>, oid: string, value: T): void {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(oid, value);
}
