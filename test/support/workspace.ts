import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serializeNewBead } from '../../src/beads/index.js';
import { installProjectHooks } from '../../src/cli/commands/hooks.js';
import { git } from '../../src/git/exec.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { Runner, type RunSummary } from '../../src/engine/runner.js';
import { Session } from '../../src/engine/session.js';
import { createKnowledgeRepo } from '../../src/knowledge/index.js';
import { loadWorkspace, type WorkspaceConfig } from '../../src/workspace/index.js';
import { commitFiles, makeRepo, PERSON } from './git-repo.js';
import { tempDir } from './tmp.js';

/**
 * A real orch workspace for engine tests: `.orch/workspace.yaml` written
 * directly (every key the tests need), one real repo per project on branch
 * main, a knowledge repo, and optionally the shipped hooks (the same call
 * `orch add` makes). Beads are real bead files with `orch-script` blocks,
 * committed on main as a person would.
 */

export interface ProjectSpec {
  name: string;
  /** Initial files (default: a README). */
  files?: Record<string, string>;
  validate?: string[];
  peers?: string[];
  share?: string[];
  maxAgents?: number;
  timeout?: string;
  /** The project's network policy (default: none). */
  network?: 'none' | 'full' | { allow: string[] };
}

export interface WorkspaceSpec {
  projects: ProjectSpec[];
  maxAgents?: number;
  /** Install the shipped project hooks (as `orch add` does). Default false. */
  hooks?: boolean;
}

export interface TestWorkspace {
  root: string;
  config: WorkspaceConfig;
  /** Project name -> absolute repo path. */
  repos: Record<string, string>;
  repo(name: string): string;
}

export interface BeadSpec {
  id: string;
  title?: string;
  files?: string[];
  deps?: string[];
  priority?: number;
  status?: 'open' | 'proposed';
  /** Shell run by the script agent (one `orch-script` block each). */
  script: string | string[];
}

function yamlList(values: readonly string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
}

function workspaceYaml(spec: WorkspaceSpec): string {
  const lines = ['version: 1', 'knowledge: ./knowledge', 'reviewers: [alice]', `maxAgents: ${spec.maxAgents ?? 3}`, 'projects:'];
  for (const p of spec.projects) {
    lines.push(`  - name: ${p.name}`, `    path: ./${p.name}`, '    branch: main', '    agent: script');
    if (p.validate !== undefined) lines.push(`    validate: ${yamlList(p.validate)}`);
    if (p.peers !== undefined) lines.push(`    peers: ${yamlList(p.peers)}`);
    if (p.share !== undefined) lines.push(`    share: ${yamlList(p.share)}`);
    if (p.maxAgents !== undefined) lines.push(`    maxAgents: ${p.maxAgents}`);
    if (p.timeout !== undefined) lines.push(`    timeout: ${p.timeout}`);
    if (p.network !== undefined) lines.push(`    network: ${typeof p.network === 'string' ? p.network : `{allow: ${yamlList(p.network.allow)}}`}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Builds the workspace in a fresh temp dir (world-traversable, as a home directory would be). */
export async function makeWorkspace(spec: WorkspaceSpec): Promise<TestWorkspace> {
  const root = await tempDir('orch-ws-');
  // mkdtemp makes 0700; sandboxes run as an unprivileged uid when the tests run as root.
  await chmod(root, 0o755);
  await mkdir(join(root, '.orch'), { recursive: true });
  await writeFile(join(root, '.orch', 'workspace.yaml'), workspaceYaml(spec));
  await writeFile(join(root, '.orch', '.gitignore'), 'run/\n');
  const repos: Record<string, string> = {};
  for (const p of spec.projects) {
    const dir = join(root, p.name);
    await mkdir(dir);
    repos[p.name] = await makeRepo(p.files ?? { 'README.md': `# ${p.name}\n` }, dir);
  }
  const { config } = await loadWorkspace(root);
  await createKnowledgeRepo(config.knowledge, config.reviewers);
  if (spec.hooks === true) {
    for (const project of config.projects) await installProjectHooks(root, project);
  }
  return {
    root,
    config,
    repos,
    repo(name) {
      const path = repos[name];
      if (path === undefined) throw new Error(`no project ${name}`);
      return path;
    },
  };
}

/** A bead file's text: frontmatter by the real serializer, one `orch-script` block per script. */
export function beadText(bead: BeadSpec, project = ''): string {
  const scripts = Array.isArray(bead.script) ? bead.script : [bead.script];
  const body = `Test bead ${bead.id}.\n\n${scripts.map((s) => `\`\`\`orch-script\n${s.trimEnd()}\n\`\`\`\n`).join('\n')}`;
  return serializeNewBead(
    {
      id: bead.id,
      title: bead.title ?? `bead ${bead.id}`,
      created: new Date(Date.UTC(2025, 0, 1)),
      ...(bead.files === undefined ? {} : { files: bead.files }),
      ...(bead.deps === undefined ? {} : { deps: bead.deps }),
      ...(bead.priority === undefined ? {} : { priority: bead.priority }),
      ...(bead.status === undefined ? {} : { status: bead.status }),
      body,
    },
    project,
  );
}

export function beadFiles(beads: readonly BeadSpec[], project = ''): Record<string, string> {
  return Object.fromEntries(beads.map((b) => [`.agents/beads/${b.id}.md`, beadText(b, project)]));
}

/** Writes and commits the beads on the checked-out branch (hooks off). Returns the commit. */
export function commitBeads(ws: TestWorkspace, project: string, beads: readonly BeadSpec[], message = 'beads'): Promise<string> {
  return commitFiles(ws.repo(project), beadFiles(beads, project), message);
}

/** Writes the bead files and stages them (`git add`), without committing. */
export async function stageBeads(ws: TestWorkspace, project: string, beads: readonly BeadSpec[]): Promise<void> {
  const repo = ws.repo(project);
  await mkdir(join(repo, '.agents', 'beads'), { recursive: true });
  for (const [path, text] of Object.entries(beadFiles(beads, project))) await writeFile(join(repo, path), text);
  await git(repo, ['add', '-A', '.agents/beads']);
}

/** `git commit` of what is staged, with native git and hooks ON (as a person's commit would run them). */
export async function commitStagedWithHooks(ws: TestWorkspace, project: string, message = 'beads'): Promise<string> {
  const repo = ws.repo(project);
  await git(repo, ['commit', '-q', '-m', message], { hooks: true, env: PERSON });
  return (await git(repo, ['rev-parse', 'HEAD'])).stdout.trim();
}

/** Writes the beads and commits them with native git, hooks ON. */
export async function commitBeadsWithHooks(ws: TestWorkspace, project: string, beads: readonly BeadSpec[], message = 'beads'): Promise<string> {
  await stageBeads(ws, project, beads);
  return commitStagedWithHooks(ws, project, message);
}

// ---- inspecting what the engine did ------------------------------------------------

export interface BranchCommit {
  oid: string;
  subject: string;
  body: string;
  trailers: Record<string, string>;
}

/** Every commit on `ref` (newest first) with its trailers. */
export async function commitsOn(repo: string, ref = 'refs/heads/main'): Promise<BranchCommit[]> {
  const out = (await git(repo, ['log', '--format=%H%x1f%s%x1f%B%x1e', ref])).stdout;
  return out
    .split('\x1e')
    .map((chunk) => chunk.replace(/^\n/, ''))
    .filter((chunk) => chunk.trim() !== '')
    .map((chunk) => {
      const [oid = '', subject = '', body = ''] = chunk.split('\x1f');
      const trailers: Record<string, string> = {};
      for (const line of body.split('\n')) {
        const match = /^(Bead|Run|Wave): (.+)$/.exec(line);
        if (match !== null) trailers[match[1] ?? ''] = (match[2] ?? '').trim();
      }
      return { oid, subject, body, trailers };
    });
}

/** Commits carrying `Bead: <project>/<id>`. */
export async function landingsOf(repo: string, project: string, id: string): Promise<BranchCommit[]> {
  return (await commitsOn(repo)).filter((c) => c.trailers.Bead === `${project}/${id}`);
}

/** Files a commit changed relative to its first parent. */
export async function changedIn(repo: string, commit: string): Promise<string[]> {
  const out = (await git(repo, ['diff-tree', '--no-commit-id', '--name-only', '-r', '-m', '--first-parent', commit])).stdout;
  return out.split('\n').filter((l) => l !== '').sort();
}

/** The `status:` of a bead file at a revision (undefined when the file is not there). */
export async function beadStatusAt(repo: string, rev: string, id: string): Promise<string | undefined> {
  const shown = await git(repo, ['show', `${rev}:.agents/beads/${id}.md`], { reject: false });
  if (shown.exitCode !== 0) return undefined;
  return /^status: *(\S+)/m.exec(shown.stdout)?.[1];
}

export async function fileAt(repo: string, rev: string, path: string): Promise<string | undefined> {
  const shown = await git(repo, ['show', `${rev}:${path}`], { reject: false });
  return shown.exitCode === 0 ? shown.stdout : undefined;
}

/** `run.json` of the latest attempt in `refs/orch/runs/<id>`. */
export async function runRecordOf(repo: string, id: string): Promise<Record<string, unknown>> {
  return JSON.parse((await git(repo, ['show', `refs/orch/runs/${id}:run.json`])).stdout) as Record<string, unknown>;
}

/** Paths under `work/` in the latest attempt of `refs/orch/runs/<id>`. */
export async function runWorkFiles(repo: string, id: string): Promise<string[]> {
  const out = (await git(repo, ['ls-tree', '-r', '--name-only', `refs/orch/runs/${id}:work`])).stdout;
  return out.split('\n').filter((l) => l !== '');
}

export async function refsUnder(repo: string, prefix: string): Promise<string[]> {
  const out = (await git(repo, ['for-each-ref', '--format=%(refname)', prefix])).stdout;
  return out.split('\n').filter((l) => l !== '');
}

/** `git fsck --strict` output; throws GIT_FAILED when fsck fails. */
export async function fsck(repo: string): Promise<string> {
  const result = await git(repo, ['fsck', '--strict', '--no-progress', '--no-dangling']);
  return `${result.stdout}${result.stderr}`;
}

/** `git status --porcelain` lines (untracked included). */
export async function statusLines(repo: string): Promise<string[]> {
  return (await git(repo, ['status', '--porcelain=v1', '--untracked-files=all'])).stdout.split('\n').filter((l) => l !== '');
}

/**
 * Live processes whose command line or mount table mentions `path`: a
 * sandbox's bwrap gets its options on a descriptor, but its mount namespace
 * holds the overlay whose layers live under the workspace's `.orch/run/`.
 * This process is excluded.
 */
export async function processesMentioning(path: string): Promise<{ pid: number; cmdline: string }[]> {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`)).toString('utf8').replace(/\0/g, ' ');
      const mounts = await readFile(`/proc/${entry}/mountinfo`, 'utf8').catch(() => '');
      if (cmdline.includes(path) || mounts.includes(path)) found.push({ pid: Number(entry), cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Polls `check` until it returns a value that is not undefined, or throws after `deadlineMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, deadlineMs = 30_000, everyMs = 25): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

// ---- the real CLI ----------------------------------------------------------------------

/** bin/orch.js of this checkout (runs the built dist/; `npm test` builds first). */
export const ORCH_BIN = fileURLToPath(new URL('../../bin/orch.js', import.meta.url));

export interface OrchResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `orch ARGS --workspace ROOT` to the end. */
export function runOrch(root: string, args: readonly string[], timeoutMs = 60_000): Promise<OrchResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [ORCH_BIN, ...args, '--workspace', root], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, stdout, stderr });
    });
  });
}

/** Starts `orch ARGS --workspace ROOT` and leaves it running; `lines` grows as it prints. */
export function startOrch(root: string, args: readonly string[]): { child: ChildProcess; output: () => string; exited: Promise<OrchResult> } {
  const child = spawn(process.execPath, [ORCH_BIN, ...args, '--workspace', root], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<OrchResult>((resolveExit) => child.on('close', (code, signal) => resolveExit({ code, signal, stdout, stderr })));
  return { child, output: () => `${stdout}${stderr}`, exited };
}

/** Runs the engine in-process over the workspace until nothing is ready (as `orch run` does), recording its events into `events` when given; the session is closed after. */
export async function runEngineOnce(ws: TestWorkspace, events?: EngineEvent[]): Promise<RunSummary> {
  const session = new Session(ws.config);
  if (events !== undefined) session.bus.subscribe((event) => events.push(event));
  try {
    return await new Runner(session).runUntilIdle();
  } finally {
    await session.close();
  }
}
