import { parseSimpleYaml } from './yaml-fast.js';

/**
 * Writing single YAML values for orch's own frontmatter lines: plain when the
 * plain form reads back as the same string, else double-quoted with
 * JSON-style escapes (valid YAML), with the few characters js-yaml refuses
 * raw escaped too.
 */

const NEEDS_ESCAPE = /[\x7F-\x9F\u2028\u2029\uFEFF\uFFFE\uFFFF]/g;

function quote(value: string): string {
  return JSON.stringify(value).replace(NEEDS_ESCAPE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A string as a block-context value (`key: <here>`). */
export function formatScalar(value: string): string {
  if (value !== '' && value === value.trim() && !/[\r\n]/.test(value)) {
    const back = parseSimpleYaml(`k: ${value}`);
    if (back !== undefined && back.k === value) return value;
  }
  return quote(value);
}

/** A list of strings as a flow sequence, `[a, "b c,d"]`. */
export function formatFlowList(values: readonly string[]): string {
  const items = values.map((value) => {
    if (value !== '' && value === value.trim() && !/[\r\n]/.test(value)) {
      const back = parseSimpleYaml(`k: [${value}]`)?.k;
      if (Array.isArray(back) && back.length === 1 && back[0] === value) return value;
    }
    return quote(value);
  });
  return `[${items.join(', ')}]`;
}

