import { findConflictMarkers, lineOfKey, splitFrontmatter, type FrontmatterBlock } from './frontmatter.js';
import type { BeadProblem, BeadProblemKind } from './problem.js';
import { beadFrontmatterSchema, type Bead } from './schema.js';
import { parseFrontmatterYaml } from './yaml-engine.js';

/**
 * Parse one bead file. Pure and total: any input gives either a bead or a
 * list of problems, each with the file, a 1-based line and a reason; it never
 * throws.
 */

export interface BeadSource {
  /** The path to name in problems (and whose base name must equal the id). */
  file: string;
  project: string;
}

/** Everything in the frontmatter (unknown keys included) and the body, untouched. */
export interface BeadRaw {
  data: Record<string, unknown>;
  body: string;
}

export type BeadParseResult =
  | { ok: true; bead: Bead; raw: BeadRaw }
  | { ok: false; problems: BeadProblem[] };

/** `api-k3f9` for `.../api-k3f9.md`. */
export function idFromFileName(file: string): string {
  const base = file.slice(file.lastIndexOf('/') + 1);
  return base.endsWith('.md') ? base.slice(0, -3) : base;
}

export function parseBead(text: string, source: BeadSource): BeadParseResult {
  try {
    return parseOrReport(text, source);
  } catch (error) {
    return fail(source, [{ kind: 'read', line: 1, reason: `could not parse the bead: ${String(error)}` }]);
  }
}

interface Found {
  kind: BeadProblemKind;
  line: number;
  reason: string;
}

function fail(source: BeadSource, found: Found[], id = idFromFileName(source.file)): BeadParseResult {
  return {
    ok: false,
    problems: found.map((problem) => ({ ...problem, file: source.file, project: source.project, id })),
  };
}

function parseOrReport(text: string, source: BeadSource): BeadParseResult {
  const split = splitFrontmatter(text);
  const markers = findConflictMarkers(text, split.ok ? split.block.bodyStart : 0);
  if (markers.length > 0) {
    return fail(
      source,
      markers.map((line) => ({ kind: 'conflict', line, reason: 'merge conflict marker: resolve the conflict and commit the file' })),
    );
  }
  if (!split.ok) return fail(source, [{ kind: 'frontmatter', line: split.line, reason: split.reason }]);
  const block = split.block;
  const lastYamlLine = Math.max(2, block.closeLine - 1);

  const parsed = parseFrontmatterYaml(block.yaml);
  if (!parsed.ok) {
    const line = Math.min(parsed.line + 2, lastYamlLine);
    return fail(source, [{ kind: 'yaml', line, reason: `invalid YAML: ${parsed.reason}` }]);
  }
  const data = parsed.data ?? {};
  if (typeof data !== 'object' || Array.isArray(data) || data instanceof Date) {
    return fail(source, [{ kind: 'yaml', line: 2, reason: 'the frontmatter must be `key: value` lines (a YAML mapping)' }]);
  }
  const record = data as Record<string, unknown>;
  const knownId = typeof record.id === 'string' ? record.id : idFromFileName(source.file);

  const result = beadFrontmatterSchema.safeParse(record);
  if (!result.success) {
    const found = result.error.issues.map((issue) => ({
      kind: 'schema' as const,
      line: lineOf(block, issue.path[0]),
      reason: issue.message,
    }));
    return fail(source, found, knownId);
  }
  const front = result.data;
  const expected = idFromFileName(source.file);
  if (front.id !== expected) {
    return fail(
      source,
      [{ kind: 'id', line: lineOf(block, 'id'), reason: `id "${front.id}" does not match the file name ${expected}.md: rename the file or fix the id` }],
      front.id,
    );
  }

  const bead: Bead = {
    project: source.project,
    file: source.file,
    id: front.id,
    title: front.title,
    status: front.status,
    priority: front.priority,
    type: front.type,
    deps: front.deps,
    files: front.files,
    labels: front.labels,
    lines: { id: lineOf(block, 'id'), status: lineOf(block, 'status'), deps: lineOf(block, 'deps', 'id') },
  };
  if (front.created !== undefined) bead.created = front.created;
  if (front.reason !== undefined) bead.reason = front.reason;
  return { ok: true, bead, raw: { data: record, body: text.slice(block.bodyStart) } };
}

/** The line of a top-level key, else of a fallback key, else line 1 (the opening `---`). */
function lineOf(block: FrontmatterBlock, key: PropertyKey | undefined, fallback?: string): number {
  if (typeof key === 'string') {
    const line = lineOfKey(block, key);
    if (line !== undefined) return line;
  }
  if (fallback !== undefined) return lineOfKey(block, fallback) ?? 1;
  return 1;
}
