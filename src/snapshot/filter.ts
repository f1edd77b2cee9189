import picomatch from 'picomatch';

/**
 * Which tree entries may travel into a peer snapshot (SPEC §3.5). Pure: no
 * fs, no git. Names are checked one component at a time as the tree is
 * walked, so a denied directory is pruned whole and never descended into.
 *
 * Every name is tested in several spellings so that look-alikes of a denied
 * name are denied too: as written; folded (NFKC, format characters such as
 * zero-width joiners removed, case folded through upper then lower case so
 * `ı` and `ſ` fold to `i` and `s`); and folded with trailing dots and spaces
 * removed (Windows drops them: `.env.` is `.env` there).
 */

export const BUILTIN_DENY: readonly string[] = [
  '.env*', '.envrc', '.git/', '.ssh/', '.aws/', '.gnupg/', '.claude/', '.codex/', '.config/',
  '.cursor/', '.vscode/', '.idea/', '.docker/', 'credentials.json', 'service-account*.json',
  '.npmrc', '.pypirc', '.netrc', '.htpasswd', '.pgpass', 'id_rsa*', 'id_ed25519*', '*.pem',
  '*.key', 'node_modules/',
];

export type SkipReason =
  | 'unsafe-name' | 'denied' | 'symlink' | 'submodule' | 'bad-mode' | 'duplicate'
  | 'too-large' | 'total-cap' | 'escaping-symlink';

export type PathCheck = { ok: true } | { ok: false; reason: SkipReason; detail: string };

export type EntryKind = 'file' | 'symlink' | 'dir' | 'submodule';

const OK: PathCheck = { ok: true };
const FORMAT_CHARS = /\p{Cf}/gu;
const TRAILING_DOTS_SPACES = /[. ]+$/;
const PLAIN_ASCII = /^[\x21-\x7e]*$/;

/** The spellings of one name that the rules are tested against. */
export function spellingsOf(name: string): string[] {
  if (PLAIN_ASCII.test(name)) {
    const lower = name.toLowerCase();
    const trimmed = lower.replace(TRAILING_DOTS_SPACES, '');
    return trimmed === lower ? (lower === name ? [name] : [name, lower]) : [name, lower, trimmed];
  }
  const folded = name.normalize('NFKC').replace(FORMAT_CHARS, '').toUpperCase().toLowerCase();
  const trimmed = folded.replace(TRAILING_DOTS_SPACES, '');
  return [...new Set([name, folded, trimmed])];
}

/** A component that can never be written safely, whatever the deny-list says. */
export function checkComponent(name: string): PathCheck {
  if (name === '' || name === '.' || name === '..') return refuse(`"${name}" is not a usable name`);
  if (name.includes('\\')) return refuse(`"${name}" contains a backslash`);
  if (name.includes('/') || name.includes('\0')) return refuse(`"${name}" contains a path separator or NUL`);
  for (const spelling of spellingsOf(name)) {
    if (spelling === '.git' || spelling === 'git~1' || spelling === '' || spelling === '.' || spelling === '..') {
      return refuse(`"${name}" reads as "${spelling || '(empty)'}"`);
    }
  }
  return OK;
}

function refuse(detail: string): PathCheck {
  return { ok: false, reason: 'unsafe-name', detail };
}

/** Only regular files travel; symlinks and submodules are dropped (SPEC §3.5). */
export function checkPeerMode(mode: string): PathCheck {
  if (mode === '100644' || mode === '100755' || mode === '040000') return OK;
  if (mode === '120000') return { ok: false, reason: 'symlink', detail: 'symlinks are not copied into peer snapshots' };
  if (mode === '160000') return { ok: false, reason: 'submodule', detail: 'submodules are not copied into peer snapshots' };
  return { ok: false, reason: 'bad-mode', detail: `mode ${mode} is not a regular file` };
}

export interface PathFilter {
  /** The patterns in force, built-in first. */
  readonly patterns: readonly string[];
  /** Check one entry: `parent` is the already-accepted directory path ('' at the root). */
  checkEntry(parent: string, name: string): PathCheck;
  /** Check a whole repo-relative path, every component and every prefix. */
  checkPath(path: string): PathCheck;
}

interface Rule {
  pattern: string;
  re: RegExp;
}

const GLOB_OPTIONS = { nocase: true, dot: true } as const;

/**
 * Compile the deny rules: the built-in list plus the workspace's additions.
 * A pattern without a slash (or with only a trailing one) is tested against
 * every component; a pattern with an inner or leading slash is tested against
 * the repo-relative path of every file and directory (gitignore-like, so
 * `docs/*` prunes the directory `docs/internal`).
 */
export function compileFilter(extraDeny: readonly string[] = []): PathFilter {
  const patterns = [...BUILTIN_DENY, ...extraDeny.map((p) => p.trim()).filter((p) => p !== '')];
  const componentRules: Rule[] = [];
  const pathRules: Rule[] = [];
  for (const pattern of patterns) {
    const body = pattern.replace(/\/+$/, '');
    if (body === '') continue;
    if (body.includes('/')) {
      pathRules.push({ pattern, re: picomatch.makeRe(body.replace(/^\/+/, ''), GLOB_OPTIONS) });
    } else {
      componentRules.push({ pattern, re: picomatch.makeRe(body, GLOB_OPTIONS) });
    }
  }

  const anyComponent = combine(componentRules);

  function checkEntry(parent: string, name: string): PathCheck {
    const unsafe = checkComponent(name);
    if (!unsafe.ok) return unsafe;
    const spellings = spellingsOf(name);
    const denied = anyComponent !== undefined && spellings.some((s) => anyComponent.test(s));
    for (const rule of denied ? componentRules : []) {
      const hit = spellings.find((s) => rule.re.test(s));
      if (hit !== undefined) return { ok: false, reason: 'denied', detail: `"${name}" matches ${rule.pattern}` };
    }
    if (pathRules.length > 0) {
      const path = parent === '' ? name : `${parent}/${name}`;
      const folded = parent === '' ? spellings : spellings.map((s) => `${parent}/${s}`);
      for (const rule of pathRules) {
        if (rule.re.test(path) || folded.some((p) => rule.re.test(p))) {
          return { ok: false, reason: 'denied', detail: `"${path}" matches ${rule.pattern}` };
        }
      }
    }
    return OK;
  }

  function checkPath(path: string): PathCheck {
    const parts = path.split('/');
    let parent = '';
    for (const part of parts) {
      const verdict = checkEntry(parent, part);
      if (!verdict.ok) return verdict;
      parent = parent === '' ? part : `${parent}/${part}`;
    }
    return OK;
  }

  return { patterns, checkEntry, checkPath };
}

/** One regular expression for a list of component globs: one test per spelling instead of one per rule. */
function combine(rules: readonly Rule[]): RegExp | undefined {
  if (rules.length === 0) return undefined;
  return new RegExp(rules.map((r) => `(?:${r.re.source})`).join('|'), 'i');
}

const compiled = new Map<string, PathFilter>();

/** Check one repo-relative path against SPEC §3.5 plus `extraDeny` (compiled once per list). */
export function checkPath(path: string, extraDeny: readonly string[] = []): PathCheck {
  const key = JSON.stringify(extraDeny);
  let filter = compiled.get(key);
  if (filter === undefined) {
    filter = compileFilter(extraDeny);
    if (compiled.size > 64) compiled.clear();
    compiled.set(key, filter);
  }
  return filter.checkPath(path);
}
