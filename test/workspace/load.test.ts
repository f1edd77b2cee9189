import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOrchError, type OrchError } from '../../src/errors/index.js';
import {
  addProjectToConfig,
  addProjectToWorkspace,
  createWorkspaceConfig,
  findWorkspaceRoot,
  loadWorkspace,
  parseWorkspaceConfig,
  workspaceFile,
  writeNewWorkspace,
} from '../../src/workspace/index.js';
import { tempDir } from '../support/tmp.js';

async function caught(promise: Promise<unknown>): Promise<OrchError> {
  try {
    await promise;
  } catch (error) {
    if (isOrchError(error)) return error;
    throw error;
  }
  throw new Error('expected an OrchError');
}

describe('finding and loading a workspace', () => {
  it('finds the nearest parent holding .orch/workspace.yaml', async () => {
    const root = await tempDir();
    await writeNewWorkspace(root);
    const deep = join(root, 'a', 'b', 'c');
    await mkdir(deep, { recursive: true });
    expect(await findWorkspaceRoot(deep)).toBe(root);
    expect(await findWorkspaceRoot(root)).toBe(root);
  });

  it('says CONFIG_NOT_FOUND, with a hint, when there is none', async () => {
    const dir = await tempDir();
    const error = await caught(findWorkspaceRoot(dir));
    expect(error.code).toBe('CONFIG_NOT_FOUND');
    expect(error.hint).toMatch(/orch init/);
    expect((await caught(loadWorkspace(dir))).code).toBe('CONFIG_NOT_FOUND');
  });

  it('loads a valid workspace with absolute paths', async () => {
    const root = await tempDir();
    await writeNewWorkspace(root, { reviewers: ['alice'] });
    await addProjectToWorkspace(root, { name: 'api', path: './api', branch: 'main' });
    const { config, warnings } = await loadWorkspace(root);
    expect(warnings).toEqual([]);
    expect(config.projects).toEqual([expect.objectContaining({ name: 'api', path: join(root, 'api'), branch: 'main' })]);
    expect(config.knowledge).toBe(join(root, 'knowledge'));
  });

  it('throws CONFIG_INVALID naming the file, line and every problem', async () => {
    const root = await tempDir();
    await mkdir(join(root, '.orch'));
    await writeFile(workspaceFile(root), 'version: 1\nmaxAgents: 2\nprojects:\n  - name: api\n    pth: ./api\n');
    const error = await caught(loadWorkspace(root));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.location).toEqual({ file: workspaceFile(root), line: 4 });
    expect(error.message).toBe('projects[0].path is required (and 1 more)');
    expect(error.data.problems).toEqual([
      expect.objectContaining({ line: 4, message: 'projects[0].path is required' }),
      expect.objectContaining({ line: 5, message: 'unknown key "pth" in projects[0]', hint: 'did you mean "path"?' }),
    ]);
  });

  it('refuses to init over an existing workspace', async () => {
    const root = await tempDir();
    await writeNewWorkspace(root);
    expect((await caught(writeNewWorkspace(root))).code).toBe('WORKSPACE_EXISTS');
  });
});

describe('editing the workspace file', () => {
  it('creates a valid file for orch init', () => {
    const text = createWorkspaceConfig({ knowledge: 'lessons repo', reviewers: ['alice', 'bob smith'], maxAgents: 5 });
    const { config, errors } = parseWorkspaceConfig(text, { file: '/w/.orch/workspace.yaml', root: '/w' });
    expect(errors).toEqual([]);
    expect(config).toMatchObject({ knowledge: '/w/lessons repo', reviewers: ['alice', 'bob smith'], maxAgents: 5, projects: [] });
  });

  it('adds a project keeping the comments and keys a person wrote', () => {
    const text = '# my workspace\nversion: 1\n# who reviews\nreviewers: [alice]\nmaxAgents: 2 # keep it low\nprojects:\n  # the API\n  - name: api\n    path: ./api\n    branch: main\n';
    const out = addProjectToConfig(text, { name: 'web', path: '../web', branch: 'trunk', share: ['api'] }, '/w');
    for (const comment of ['# my workspace', '# who reviews', '# keep it low', '# the API']) expect(out).toContain(comment);
    const { config } = parseWorkspaceConfig(out, { file: '/w/.orch/workspace.yaml', root: '/w' });
    expect(config?.projects.map((p) => [p.name, p.path, p.branch, p.share])).toEqual([
      ['api', '/w/api', 'main', []],
      ['web', '/web', 'trunk', ['api']],
    ]);
  });

  it('refuses a project whose name or path is taken', () => {
    const text = addProjectToConfig(createWorkspaceConfig(), { name: 'api', path: './api', branch: 'main' }, '/w');
    expect(() => addProjectToConfig(text, { name: 'api', path: './x', branch: 'main' }, '/w')).toThrow(expect.objectContaining({ code: 'PROJECT_EXISTS' }));
    expect(() => addProjectToConfig(text, { name: 'other', path: '/w/api/', branch: 'main' }, '/w')).toThrow(expect.objectContaining({ code: 'PROJECT_EXISTS' }));
    expect(() => addProjectToConfig(text, { name: 'Bad Name', path: './y', branch: 'main' }, '/w')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('writes the file atomically on disk', async () => {
    const root = await tempDir();
    await writeNewWorkspace(root);
    await addProjectToWorkspace(root, { name: 'api', path: './api', branch: 'main' });
    await addProjectToWorkspace(root, { name: 'web', path: './web', branch: 'main' });
    const text = await readFile(workspaceFile(root), 'utf8');
    expect(text).toContain('# orch workspace');
    expect((await loadWorkspace(root)).config.projects.map((p) => p.name)).toEqual(['api', 'web']);
  });
});
