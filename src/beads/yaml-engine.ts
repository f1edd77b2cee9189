import { createRequire } from 'node:module';
import type matterType from 'gray-matter';
import { parseSimpleYaml } from './yaml-fast.js';

/**
 * The frontmatter YAML, parsed by gray-matter's YAML engine (js-yaml's safe
 * loader). orch splits the `---` block itself and never calls `matter()` on a
 * bead: gray-matter picks an engine from text after the opening `---`, and
 * `---js` would eval the block; it also accepts `----` as a closing line and
 * an unclosed block, and caches every text it sees forever.
 */

interface YamlEngine {
  parse(text: string): unknown;
}

interface YamlException {
  reason?: string;
  message?: string;
  mark?: { line?: number; column?: number };
}

let engine: YamlEngine | undefined;

/** gray-matter (with js-yaml) is loaded on first need: most bead sets never need it. */
function loadEngine(): YamlEngine {
  if (engine === undefined) {
    const matter = createRequire(import.meta.url)('gray-matter') as typeof matterType;
    engine = (matter as unknown as { engines: { yaml: YamlEngine } }).engines.yaml;
  }
  return engine;
}

export type YamlResult =
  | { ok: true; data: unknown }
  /** `line` is 0-based within the YAML text. */
  | { ok: false; line: number; reason: string };

export function parseFrontmatterYaml(yaml: string): YamlResult {
  const fast = parseSimpleYaml(yaml);
  if (fast !== undefined) return { ok: true, data: fast };
  try {
    return { ok: true, data: loadEngine().parse(yaml) };
  } catch (error) {
    const exception = error as YamlException;
    const line = typeof exception.mark?.line === 'number' ? exception.mark.line : 0;
    const reason = exception.reason ?? exception.message ?? String(error);
    return { ok: false, line, reason: reason.split('\n')[0] ?? reason };
  }
}

/** The full engine alone (for tests that compare it with the fast path). */
export function parseYamlWithEngine(yaml: string): unknown {
  return loadEngine().parse(yaml);
}
