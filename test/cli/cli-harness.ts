import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createKnowledgeRepo } from '../../src/knowledge/index.js';
import { hostToolEnv, run, type RunResult } from '../../src/sys/process.js';
import { makeRepo } from '../support/git-repo.js';
import { tempDir } from '../support/tmp.js';

/**
 * Runs the built CLI (`bin/orch.js` over `dist/`; `npm test` builds first) as
 * a child process with a clean environment, and makes temp workspaces by
 * writing `.orch/workspace.yaml` directly.
 */

export const ORCH_BIN = resolve(import.meta.dirname, '../../bin/orch.js');

export interface CliOptions {
  cwd?: string;
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export function orch(args: readonly string[], options: CliOptions = {}): Promise<RunResult> {
  return run(process.execPath, [ORCH_BIN, ...args], {
    reject: false,
    env: hostToolEnv(options.env ?? {}),
    timeoutMs: options.timeoutMs ?? 45_000,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.input === undefined ? {} : { input: options.input }),
  });
}

export interface ProjectSpec {
  name: string;
  files?: Record<string, string>;
  /** Extra YAML lines for the project entry, e.g. ['peers: [web]']. */
  extra?: string[];
}

export interface TestWorkspace {
  root: string;
  knowledge: string;
  projects: Record<string, string>;
  /** orch with --workspace set to this workspace. */
  orch(args: readonly string[], options?: CliOptions): Promise<RunResult>;
}

/** A workspace (mode 0755, so a sandbox uid can reach its run dir) with real project repos and a knowledge repo. */
export async function makeWorkspace(projects: ProjectSpec[], options: { reviewers?: string[]; knowledge?: boolean } = {}): Promise<TestWorkspace> {
  const root = await tempDir('orch-cli-');
  await chmod(root, 0o755);
  const reviewers = options.reviewers ?? ['alice'];
  const paths: Record<string, string> = {};
  const entries: string[] = [];
  for (const project of projects) {
    const path = join(root, project.name);
    await mkdir(path);
    await makeRepo(project.files ?? { 'README.md': `# ${project.name}\n` }, path);
    paths[project.name] = path;
    entries.push(`  - name: ${project.name}`, `    path: ./${project.name}`, '    branch: main', ...(project.extra ?? []).map((line) => `    ${line}`));
  }
  const knowledge = join(root, 'knowledge');
  if (options.knowledge !== false) await createKnowledgeRepo(knowledge, reviewers);
  await mkdir(join(root, '.orch'));
  await writeFile(
    join(root, '.orch', 'workspace.yaml'),
    ['version: 1', 'knowledge: ./knowledge', `reviewers: [${reviewers.join(', ')}]`, entries.length === 0 ? 'projects: []' : 'projects:', ...entries, ''].join('\n'),
  );
  return { root, knowledge, projects: paths, orch: (args, cliOptions = {}) => orch(['--workspace', root, ...args], cliOptions) };
}

/** The JSON a `--json` command printed on stdout. */
export function parseJson<T = Record<string, unknown>>(result: RunResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.exitCode}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}
