import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, YAMLSeq } from 'yaml';
import { OrchError } from '../errors/index.js';
import { writeFileAtomic } from '../sys/atomic-file.js';
import { workspaceFile } from './load.js';
import { parseWorkspaceConfig } from './parse.js';
import type { AgentPreset, NetworkPolicy } from './schema.js';

/**
 * Writing workspace.yaml: the first text for `orch init`, and adding a
 * project for `orch add` by editing the YAML Document, so the person's
 * comments and other keys survive.
 */

export interface NewWorkspace {
  knowledge?: string;
  reviewers?: readonly string[];
  maxAgents?: number;
}

export interface NewProject {
  name: string;
  /** As it should be written: relative to the workspace, or absolute. */
  path: string;
  branch: string;
  agent?: AgentPreset | string[];
  validate?: string[];
  maxAgents?: number;
  timeout?: string;
  network?: NetworkPolicy;
  env?: string[];
  /** A shared remote (name, URL or path) that arbitrates claims and receives landings. */
  remote?: string;
  peers?: string[];
  share?: string[];
}

export function createWorkspaceConfig(options: NewWorkspace = {}): string {
  const reviewers = options.reviewers ?? [];
  const text = [
    '# orch workspace. Reference: `orch --help`; every key is checked, unknown keys are errors.',
    'version: 1',
    `knowledge: ${plainOrQuoted(options.knowledge ?? './knowledge')}    # the knowledge repo: lessons land there only through reviewed merges`,
    `reviewers: [${reviewers.map(plainOrQuoted).join(', ')}]    # who may run \`orch lessons approve ID --as NAME\``,
    `maxAgents: ${options.maxAgents ?? 3}    # sandboxes running at once, across all projects`,
    '# snapshot: {deny: ["*.sqlite"]}    # more paths never copied into peer snapshots',
    '# lessons: {budgetTokens: 1500}    # how much of the approved lessons an agent gets',
    '# projects: registered by `orch add PATH`; each may set agent, validate, maxAgents, timeout, network, env, peers, share',
    'projects: []',
    '',
  ].join('\n');
  assertValid(text, '/workspace', 'the new workspace file');
  return text;
}

/** The workspace text with one more project; PROJECT_EXISTS when its name or path is taken. */
export function addProjectToConfig(text: string, project: NewProject, root: string): string {
  const source = { file: workspaceFile(root), root };
  const before = parseWorkspaceConfig(text, source);
  if (before.config === undefined) {
    const first = before.errors[0];
    throw new OrchError('CONFIG_INVALID', `cannot add a project: ${first?.message ?? 'the workspace file is invalid'}`, {
      location: { file: source.file, line: first?.line ?? 1 },
      hint: 'fix the workspace file first',
      data: { problems: before.errors },
    });
  }
  const path = isAbsolute(project.path) ? resolve(project.path) : resolve(root, project.path);
  const clash = before.config.projects.find((existing) => existing.name === project.name || existing.path === path);
  if (clash !== undefined) {
    const what = clash.name === project.name ? `a project named ${project.name}` : `${path} (as ${clash.name})`;
    throw new OrchError('PROJECT_EXISTS', `the workspace already has ${what}`, {
      location: { file: source.file, line: clash.line },
      hint: clash.name === project.name ? 'pick another name with --name' : 'it is registered already',
    });
  }

  const doc = parseDocument(text);
  const entry: Record<string, unknown> = { name: project.name, path: project.path, branch: project.branch };
  for (const key of ['agent', 'validate', 'maxAgents', 'timeout', 'network', 'env', 'peers', 'share', 'remote'] as const) {
    if (project[key] !== undefined) entry[key] = project[key];
  }
  const node = doc.createNode(entry);
  for (const pair of node.items) {
    if (isSeq(pair.value) || isMap(pair.value)) pair.value.flow = true;
  }
  const projects = doc.get('projects', true);
  if (isSeq(projects)) {
    projects.flow = false;
    projects.items.push(node);
  } else {
    const list = new YAMLSeq();
    list.items.push(node);
    if (isScalar(projects) || projects === undefined) doc.set('projects', list);
    else throw new OrchError('CONFIG_INVALID', 'projects is not a list', { location: { file: source.file } });
  }
  const out = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  assertValid(out, root, 'the workspace file after adding the project');
  return out;
}

function plainOrQuoted(value: string): string {
  return /^[A-Za-z0-9_./][A-Za-z0-9_./-]*$/.test(value) ? value : JSON.stringify(value);
}

function assertValid(text: string, root: string, what: string): void {
  const parsed = parseWorkspaceConfig(text, { file: workspaceFile(root), root });
  const first = parsed.errors[0];
  if (first !== undefined) {
    throw new OrchError('CONFIG_INVALID', `${what} would be invalid: ${first.message}`, { data: { problems: parsed.errors }, ...(first.hint === undefined ? {} : { hint: first.hint }) });
  }
}

/** `orch init`: write `.orch/workspace.yaml`; WORKSPACE_EXISTS when there is one. */
export async function writeNewWorkspace(root: string, options: NewWorkspace = {}): Promise<string> {
  const file = workspaceFile(resolve(root));
  await mkdir(dirname(file), { recursive: true });
  try {
    await writeFile(file, createWorkspaceConfig(options), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new OrchError('WORKSPACE_EXISTS', `${file} already exists`, { location: { file }, hint: 'this directory is a workspace already; use orch add to register projects' });
    }
    throw error;
  }
  return file;
}

/** `orch add`: add the project to the workspace file on disk (atomic replace). */
export async function addProjectToWorkspace(root: string, project: NewProject): Promise<void> {
  const file = workspaceFile(resolve(root));
  const text = await readFile(file, 'utf8');
  await writeFileAtomic(file, addProjectToConfig(text, project, resolve(root)));
}
