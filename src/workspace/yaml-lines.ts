import { isMap, isScalar, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';

/**
 * The workspace YAML as a Document that knows where each node sits, so a
 * schema issue at `projects.1.timeout` can name its line.
 */

export interface LocatedYaml {
  doc: Document.Parsed;
  /** 1-based line of the node at `path`, or of its nearest existing parent. */
  lineOf(path: readonly PropertyKey[]): number;
  /** 1-based line of `key` inside the mapping at `path`. */
  keyLineOf(path: readonly PropertyKey[], key: string): number;
  /** Syntax errors and duplicate keys, with lines. */
  syntaxErrors: { line: number; column: number; message: string }[];
}

export function locateYaml(text: string): LocatedYaml {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false, prettyErrors: false });
  const lineAt = (offset: number | undefined) => (offset === undefined ? 1 : counter.linePos(offset).line);
  const nodeAt = (path: readonly PropertyKey[]): Node | undefined => {
    for (let length = path.length; length >= 0; length--) {
      const node: unknown = length === 0 ? doc.contents : doc.getIn(path.slice(0, length).map(keyOf), true);
      if (node !== null && typeof node === 'object' && 'range' in node) return node as Node;
    }
    return undefined;
  };
  const syntaxErrors = doc.errors.map((error) => {
    const pos = error.linePos?.[0];
    return { line: pos?.line ?? 1, column: pos?.col ?? 1, message: error.message.split('\n')[0] ?? error.message };
  });
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const item of map.items) {
        if (!isScalar(item.key)) continue;
        const key = String(item.key.value);
        if (seen.has(key)) {
          const pos = counter.linePos(item.key.range?.[0] ?? 0);
          syntaxErrors.push({ line: pos.line, column: pos.col, message: `duplicate key "${key}"` });
        }
        seen.add(key);
      }
    },
  });
  return {
    doc,
    syntaxErrors,
    lineOf: (path) => lineAt(nodeAt(path)?.range?.[0]),
    keyLineOf: (path, key) => {
      const node = nodeAt(path);
      if (isMap(node)) {
        for (const item of node.items) {
          if (isScalar(item.key) && String(item.key.value) === key) return lineAt(item.key.range?.[0]);
        }
      }
      return lineAt(node?.range?.[0]);
    },
  };
}

function keyOf(part: PropertyKey): unknown {
  return typeof part === 'symbol' ? String(part) : part;
}
