/**
 * The dashboard's fixed route table. Paths are matched raw (never
 * normalised, never mapped to files), so `/../x` or `/%2e%2e/` match
 * nothing; parameters are decoded one segment at a time and must fit a
 * strict shape.
 */

export type Route =
  | { kind: 'page' | 'script' | 'style' | 'state' | 'projects' | 'beads' | 'claims' | 'proposals' | 'problems' | 'events' }
  | { kind: 'runs'; project: string; bead: string }
  | { kind: 'run-diff'; project: string; commit: string }
  | { kind: 'bad-request'; reason: string }
  | { kind: 'not-found' };

export const PROJECT_NAME = /^[a-z][a-z0-9-]{0,39}$/;
export const BEAD_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/;
export const COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

const FIXED: Record<string, Route> = {
  '/': { kind: 'page' },
  '/app.js': { kind: 'script' },
  '/app.css': { kind: 'style' },
  '/api/state': { kind: 'state' },
  '/api/projects': { kind: 'projects' },
  '/api/beads': { kind: 'beads' },
  '/api/claims': { kind: 'claims' },
  '/api/proposals': { kind: 'proposals' },
  '/api/problems': { kind: 'problems' },
  '/api/events': { kind: 'events' },
};

/** The raw path and the parsed query of a request target (origin-form only). */
export function splitTarget(target: string): { path: string; query: URLSearchParams } {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  return { path, query: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)) };
}

export function matchRoute(path: string): Route {
  const fixed = Object.hasOwn(FIXED, path) ? FIXED[path] : undefined;
  if (fixed !== undefined) return fixed;
  const parts = path.split('/');
  // ['', 'api', 'runs', project, bead]
  if (parts.length !== 5 || parts[0] !== '' || parts[1] !== 'api') return { kind: 'not-found' };
  const project = decodeSegment(parts[3] ?? '');
  const last = decodeSegment(parts[4] ?? '');
  if (parts[2] === 'runs') {
    if (project === undefined || !PROJECT_NAME.test(project)) return { kind: 'bad-request', reason: 'project name must match ^[a-z][a-z0-9-]{0,39}$' };
    if (last === undefined || !BEAD_ID.test(last)) return { kind: 'bad-request', reason: 'bead id must be letters, digits, "-" or "_" (at most 80)' };
    return { kind: 'runs', project, bead: last };
  }
  if (parts[2] === 'run-diff') {
    if (project === undefined || !PROJECT_NAME.test(project)) return { kind: 'bad-request', reason: 'project name must match ^[a-z][a-z0-9-]{0,39}$' };
    if (last === undefined || !COMMIT_ID.test(last)) return { kind: 'bad-request', reason: 'commit must be 40 (or 64) lowercase hex digits' };
    return { kind: 'run-diff', project, commit: last };
  }
  return { kind: 'not-found' };
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
