import picomatch from 'picomatch';
import { parseBead } from '../beads/parse.js';
import { setBeadFields } from '../beads/rewrite.js';
import { isOrchError, OrchError } from '../errors/index.js';
import { findSecrets, type SecretFinding } from '../knowledge/secrets.js';
import { ancestorsOf, checkPath, checkSymlinkTarget, foldComponent } from './scope-paths.js';

/**
 * The scope guard (SPEC 3.3 step 4), pure: given what an agent changed
 * against the base tree, decide what may land in the project.
 * - always rejected: a path that is malformed, touches `.git` (any component,
 *   any case) or `.shared/` (first component, any case), a symlink leaving the
 *   repo, content holding a secret;
 * - rejected: editing or deleting an existing bead file (the bead's own
 *   included: the engine writes its closing), anything else under
 *   `.agents/beads/`, and any other path outside the declared `files` globs
 *   (a bead declaring no files may change the whole repo);
 * - new `.agents/beads/<id>.md` files that are valid beads land, their status
 *   line rewritten to `proposed`; an invalid one rejects the attempt;
 * - `.agents/lessons/<slug>.md` files never land: they are returned as lessons.
 * landChanges holds only accepted changes; on a rejected verdict nothing
 * lands and the sandbox's whole tree is what the run ref keeps.
 */

export interface CollectedChange {
  /** Repo-relative, `/`-separated. */
  path: string;
  kind: 'write' | 'delete' | 'symlink';
  /** Git file mode of a write (0o100644 or 0o100755). */
  mode?: number;
  /** The link text of a symlink. */
  target?: string;
  /** The bytes of a write (required for writes: the secret scan reads them). */
  content?: Buffer;
}

export type ScopeRule =
  | 'invalid-path'
  | 'git'
  | 'shared'
  | 'symlink-escape'
  | 'secret'
  | 'out-of-scope'
  | 'bead-edit'
  | 'bead-path'
  | 'bead-invalid'
  | 'lesson-invalid';

export interface ScopeViolation {
  path: string;
  rule: ScopeRule;
  detail: string;
}

export interface LandedFile {
  path: string;
  content: Buffer;
}

export interface ScopeInput {
  changes: readonly CollectedChange[];
  bead: { id: string; files?: readonly string[] | undefined };
  project: string;
  /** Whether the base tree (the target-branch tip the sandbox started from) has this path. */
  baseHas: (path: string) => boolean;
}

export interface ScopeResult {
  verdict: 'ok' | 'rejected';
  violations: ScopeViolation[];
  /** What goes to the project: every accepted change, new beads with their rewritten content, lessons left out. */
  landChanges: CollectedChange[];
  newBeads: LandedFile[];
  lessons: LandedFile[];
}

export const BEADS_DIR = '.agents/beads/';
export const LESSONS_DIR = '.agents/lessons/';

/** `.agents/<dir>/<name>.md` directly inside the folder: the name, else undefined. */
function mdFileIn(dir: string, path: string): string | undefined {
  if (!path.startsWith(dir)) return undefined;
  const name = path.slice(dir.length);
  if (name.includes('/') || !name.endsWith('.md') || name.length <= 3) return undefined;
  return name.slice(0, -3);
}

/** `.Agents/BEADS/...`: the beads folder on a case-insensitive checkout, but not on this one. */
function isBeadsDirVariant(path: string): boolean {
  const [first, second] = path.split('/');
  return !path.startsWith(BEADS_DIR) && first !== undefined && second !== undefined && foldComponent(first) === '.agents' && foldComponent(second) === 'beads';
}

/** Text for the secret scan: UTF-8, or byte-for-char for a binary file (so ASCII tokens inside it still show). */
function textOf(content: Buffer): { text: string; binary: boolean } {
  const binary = content.subarray(0, 8000).includes(0);
  return { text: content.toString(binary ? 'latin1' : 'utf8'), binary };
}

function describeFinding(finding: SecretFinding, binary: boolean): string {
  const where = binary ? 'in a binary file' : `line ${finding.line}`;
  return `${finding.kind} ${where} (${finding.excerpt})`;
}

/**
 * A new bead file as it lands: a valid bead (parseBead) whose status line is
 * rewritten to `proposed`, every other byte kept (setBeadFields).
 */
function proposeBead(path: string, content: Buffer, project: string): { ok: true; content: Buffer } | { ok: false; detail: string } {
  const text = content.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(content)) return { ok: false, detail: 'a bead file must be UTF-8 text' };
  const parsed = parseBead(text, { file: path, project });
  if (!parsed.ok) return { ok: false, detail: parsed.problems.map((problem) => `line ${problem.line}: ${problem.reason}`).join('; ') };
  try {
    return { ok: true, content: Buffer.from(setBeadFields(text, { status: 'proposed' }, path), 'utf8') };
  } catch (error) {
    if (isOrchError(error, 'BEAD_INVALID')) return { ok: false, detail: error.message };
    throw error;
  }
}

/**
 * The declared `files` as one test (picomatch, dot files included). A glob
 * starting with `!` excludes: a path is in scope when a positive glob matches
 * (or there is none) and no negated one does. No globs: the whole repo.
 */
export function compileScope(globs: readonly string[]): (path: string) => boolean {
  if (globs.length === 0) return () => true;
  const positive = globs.filter((glob) => !glob.startsWith('!'));
  const negative = globs.filter((glob) => glob.startsWith('!')).map((glob) => glob.slice(1));
  const included = positive.length === 0 ? () => true : picomatch(positive, { dot: true });
  const excluded = negative.length === 0 ? () => false : picomatch(negative, { dot: true });
  return (path) => included(path) && !excluded(path);
}

export function checkScope(input: ScopeInput): ScopeResult {
  const violations: ScopeViolation[] = [];
  const landChanges: CollectedChange[] = [];
  const newBeads: LandedFile[] = [];
  const lessons: LandedFile[] = [];
  const reject = (path: string, rule: ScopeRule, detail: string): void => void violations.push({ path, rule, detail });

  const globs = (input.bead.files ?? []).filter((glob) => glob !== '');
  const inScope = compileScope(globs);
  const ownBead = `${BEADS_DIR}${input.bead.id}.md`;
  const seen = new Set<string>();
  const links = new Set(input.changes.filter((c) => c.kind === 'symlink').map((c) => c.path));

  for (const change of input.changes) {
    const { path } = change;
    if (change.kind === 'write' && change.content === undefined) {
      throw new OrchError('INTERNAL', `scope guard: the write of ${path} came without its content`, { data: { path } });
    }
    const before = violations.length;
    if (seen.has(path)) reject(path, 'invalid-path', 'the same path was collected twice');
    seen.add(path);
    for (const problem of checkPath(path)) reject(path, problem.rule, problem.detail);
    if (change.kind === 'write' && change.mode !== undefined && change.mode !== 0o100644 && change.mode !== 0o100755) {
      reject(path, 'invalid-path', `unsupported file mode ${change.mode.toString(8)} (only regular files 100644 and 100755 land)`);
    }
    const viaLink = ancestorsOf(path).find((ancestor) => links.has(ancestor));
    if (viaLink !== undefined) reject(path, 'invalid-path', `path goes through the new symlink ${viaLink}`);
    if (change.kind === 'symlink') {
      const reason = checkSymlinkTarget(path, change.target ?? '');
      if (reason !== undefined) reject(path, 'symlink-escape', reason);
    }
    if (change.content !== undefined) {
      const { text, binary } = textOf(change.content);
      for (const finding of findSecrets(text)) reject(path, 'secret', describeFinding(finding, binary));
    }
    if (violations.length > before) continue;

    const beadName = mdFileIn(BEADS_DIR, path);
    if (path.startsWith(BEADS_DIR) || isBeadsDirVariant(path)) {
      if (isBeadsDirVariant(path)) {
        reject(path, 'bead-path', `a case variant of ${BEADS_DIR} (the same folder on a case-insensitive checkout)`);
      } else if (beadName === undefined) {
        reject(path, 'bead-path', `only new <id>.md bead files may be created directly in ${BEADS_DIR}`);
      } else if (change.kind === 'delete' || input.baseHas(path)) {
        const whose = path === ownBead ? "this bead's own file (orch writes its closing itself)" : 'another bead';
        reject(path, 'bead-edit', `${change.kind === 'delete' ? 'deletes' : 'changes'} ${whose}`);
      } else if (change.kind !== 'write') {
        reject(path, 'bead-invalid', 'a new bead must be a regular file, not a symlink');
      } else {
        const proposed = proposeBead(path, change.content ?? Buffer.alloc(0), input.project);
        if (!proposed.ok) {
          reject(path, 'bead-invalid', proposed.detail);
        } else {
          newBeads.push({ path, content: proposed.content });
          landChanges.push({ ...change, content: proposed.content });
        }
      }
      continue;
    }

    if (mdFileIn(LESSONS_DIR, path) !== undefined && change.kind !== 'delete') {
      if (change.kind === 'write') lessons.push({ path, content: change.content ?? Buffer.alloc(0) });
      else reject(path, 'lesson-invalid', 'a lesson must be a regular file, not a symlink');
      continue;
    }

    if (!inScope(path)) {
      reject(path, 'out-of-scope', `outside the bead's declared files (${globs.join(', ')})`);
      continue;
    }
    landChanges.push(change);
  }

  return { verdict: violations.length === 0 ? 'ok' : 'rejected', violations, landChanges, newBeads, lessons };
}

/** One line per violation, for logs and the run record: "path: rule: detail". */
export function describeViolations(violations: readonly ScopeViolation[]): string {
  return violations.map((v) => `${v.path}: ${v.rule}: ${v.detail}`).join('\n');
}
