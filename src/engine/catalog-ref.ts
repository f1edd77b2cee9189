import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RefStore } from '../git/ref-store.js';

/**
 * The tip of a project's target branch read straight from its refs (loose
 * ref shadowing packed-refs, as git does), without starting git: the common
 * case of `orch ready` on an unchanged repo then costs a file read. Anything
 * unusual (a symbolic ref, reftable, a missing ref) answers undefined and the
 * catalog asks git instead.
 */

const OID = /^[0-9a-f]{40}$/;

/** The repo's common git dir (where refs live), from `.git` or a bare layout; undefined when unsure. */
export function findCommonDir(repoPath: string): string | undefined {
  const path = resolve(repoPath);
  const dotGit = join(path, '.git');
  let gitDir: string | undefined;
  try {
    const info = statSync(dotGit);
    if (info.isDirectory()) gitDir = dotGit;
    else if (info.isFile()) {
      const text = readFileSync(dotGit, 'utf8').trim();
      if (text.startsWith('gitdir: ')) gitDir = resolve(path, text.slice('gitdir: '.length));
    }
  } catch {
    if (isFileAt(join(path, 'HEAD')) && isDirAt(join(path, 'objects'))) gitDir = path;
  }
  if (gitDir === undefined) return undefined;
  try {
    return resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim());
  } catch {
    return gitDir;
  }
}

function isFileAt(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirAt(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Reads branch tips of one repo, re-reading packed-refs only when it changed. */
export class BranchTips {
  private readonly refs: RefStore | undefined;

  constructor(readonly repoPath: string) {
    const commonDir = findCommonDir(repoPath);
    this.refs = commonDir === undefined ? undefined : new RefStore(resolve(repoPath), commonDir);
  }

  /** The commit `ref` (refs/heads/<branch>, or a tracking ref) holds, or undefined when git should be asked. */
  async read(ref: string): Promise<string | undefined> {
    if (this.refs === undefined) return undefined;
    try {
      const value = await this.refs.read(ref);
      return value !== null && OID.test(value) ? value : undefined;
    } catch {
      return undefined;
    }
  }
}
