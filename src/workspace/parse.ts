import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { parseDuration } from '../sys/duration.js';
import { checkWorkspaceRules } from './rules.js';
import { DEFAULTS, WORKSPACE_VERSION, projectSchema, workspaceSchema, type ProjectConfig, type ProjectEntry, type RemoteConfig, type WorkspaceConfig, type WorkspaceFile } from './schema.js';
import { locateYaml, type LocatedYaml } from './yaml-lines.js';

/**
 * workspace.yaml text -> schema -> normalised config -> rule checks, with
 * every problem located (file, line) and nothing thrown: the caller decides
 * (loadWorkspace throws CONFIG_INVALID, `orch doctor` lists them).
 */

export interface ConfigProblem {
  file: string;
  line: number;
  message: string;
  hint?: string;
}

export interface ParsedWorkspace {
  /** Undefined when there are errors. */
  config: WorkspaceConfig | undefined;
  errors: ConfigProblem[];
  warnings: ConfigProblem[];
}

export interface WorkspaceSource {
  /** The config file's path (for problems). */
  file: string;
  /** The workspace directory; relative paths resolve against it. */
  root: string;
}

export function parseWorkspaceConfig(text: string, source: WorkspaceSource): ParsedWorkspace {
  const located = locateYaml(text);
  const at = (line: number, message: string, hint?: string): ConfigProblem => ({ file: source.file, line, message, ...(hint === undefined ? {} : { hint }) });
  if (located.syntaxErrors.length > 0) {
    return { config: undefined, warnings: [], errors: located.syntaxErrors.map((error) => at(error.line, `invalid YAML: ${error.message}`)) };
  }
  const data: unknown = located.doc.toJS();
  if (data === null || data === undefined) {
    return { config: undefined, warnings: [], errors: [at(1, 'the workspace file is empty', `start it with "version: ${WORKSPACE_VERSION}" (orch init writes one)`)] };
  }
  const result = workspaceSchema.safeParse(data);
  if (!result.success) {
    const issues = result.error.issues.flatMap((issue) => describeIssue(issue, valueAt(data, issue.path) === undefined, located, at));
    return { config: undefined, warnings: [], errors: byLine(issues) };
  }
  const warnings: ConfigProblem[] = [];
  const config = normalize(result.data, source, located, (line, message) => warnings.push(at(line, message)));
  const rules = checkWorkspaceRules(config, located);
  const errors = rules.errors.map((problem) => at(problem.line, problem.message, problem.hint));
  warnings.push(...rules.warnings.map((problem) => at(problem.line, problem.message, problem.hint)));
  return errors.length > 0 ? { config: undefined, errors: byLine(errors), warnings: byLine(warnings) } : { config, errors: [], warnings: byLine(warnings) };
}

function describeIssue(
  issue: z.core.$ZodIssue,
  absent: boolean,
  located: LocatedYaml,
  at: (line: number, message: string, hint?: string) => ConfigProblem,
): ConfigProblem[] {
  const where = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeys(issue.path);
    return issue.keys.map((key) => {
      const close = closest(key, allowed);
      const hint = close === undefined ? `remove it; ${where || 'the top level'} takes ${allowed.join(', ')}` : `did you mean "${close}"?`;
      return at(located.keyLineOf(issue.path, key), `unknown key "${key}"${where === '' ? '' : ` in ${where}`}`, hint);
    });
  }
  const missing = absent && issue.path.length > 0;
  const line = missing ? located.lineOf(issue.path.slice(0, -1)) : located.lineOf(issue.path);
  const message = missing ? `${where} is required` : `${where === '' ? '' : `${where}: `}${issue.message}`;
  return [at(line, message)];
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function byLine(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.map((problem, index) => ({ problem, index })).sort((a, b) => a.problem.line - b.problem.line || a.index - b.index).map(({ problem }) => problem);
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`)).join('');
}

function allowedKeys(path: readonly PropertyKey[]): string[] {
  const [first, second, third] = path;
  if (path.length === 0) return Object.keys(workspaceSchema.shape);
  if (first === 'projects' && typeof second === 'number' && path.length === 2) return Object.keys(projectSchema.shape);
  if (first === 'projects' && third === 'network') return ['allow'];
  if (first === 'projects' && third === 'remote') return ['url', 'lease', 'poll'];
  if (first === 'snapshot') return ['deny', 'maxFileBytes', 'maxTotalBytes'];
  if (first === 'lessons') return ['budgetTokens'];
  return [];
}

/** A known key within edit distance 2 of a mistyped one. */
function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

/** A path-like remote (./x, ../x, /x) is resolved against the workspace, as every path in the file is. */
function remoteOf(entry: NonNullable<ProjectEntry['remote']>, root: string): RemoteConfig {
  const spec = typeof entry === 'string' ? { url: entry } : entry;
  const url = /^\.{1,2}(\/|$)/.test(spec.url) ? resolve(root, spec.url) : spec.url;
  return {
    url,
    leaseMs: parseDuration(spec.lease ?? DEFAULTS.remoteLease),
    pollMs: parseDuration(spec.poll ?? DEFAULTS.remotePoll),
  };
}

function normalize(file: WorkspaceFile, source: WorkspaceSource, located: LocatedYaml, warn: (line: number, message: string) => void): WorkspaceConfig {
  const root = resolve(source.root);
  const absolute = (path: string) => (isAbsolute(path) ? resolve(path) : resolve(root, path));
  const projects = file.projects.map((entry, index): ProjectConfig => {
    const line = located.lineOf(['projects', index]);
    if (entry.branch === undefined) warn(line, `project ${entry.name} names no branch; using ${DEFAULTS.branch}`);
    return {
      name: entry.name,
      path: absolute(entry.path),
      branch: entry.branch ?? DEFAULTS.branch,
      agent: entry.agent ?? DEFAULTS.agent,
      validate: entry.validate,
      maxAgents: entry.maxAgents ?? file.maxAgents,
      timeoutMs: parseDuration(entry.timeout ?? DEFAULTS.timeout),
      network: entry.network ?? DEFAULTS.network,
      env: entry.env ?? [],
      peers: entry.peers ?? [],
      share: entry.share ?? [],
      remote: entry.remote === undefined ? undefined : remoteOf(entry.remote, root),
      line,
    };
  });
  return {
    root,
    file: resolve(source.file),
    version: WORKSPACE_VERSION,
    knowledge: absolute(file.knowledge),
    reviewers: file.reviewers,
    maxAgents: file.maxAgents,
    projects,
    snapshot: { deny: file.snapshot?.deny ?? [], maxFileBytes: file.snapshot?.maxFileBytes, maxTotalBytes: file.snapshot?.maxTotalBytes },
    lessons: { budgetTokens: file.lessons?.budgetTokens ?? DEFAULTS.lessonBudgetTokens },
  };
}
