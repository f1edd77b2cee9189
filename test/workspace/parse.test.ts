import { describe, expect, it } from 'vitest';
import { parseWorkspaceConfig } from '../../src/workspace/index.js';

const SOURCE = { file: '/ws/.orch/workspace.yaml', root: '/ws' };

const SPEC_EXAMPLE = `version: 1
knowledge: ./knowledge            # path of the knowledge repo
reviewers: [alice]
maxAgents: 3
projects:
  - name: api
    path: ./api
    branch: main
    agent: script
    validate: [npm, test]
    maxAgents: 2
    timeout: 20m
    network: none
    env: [ANTHROPIC_API_KEY]
    peers: [web]
    share: [web]
  - name: web
    path: /abs/web
    branch: trunk
    agent: [my-agent, --prompt, "{prompt_file}"]
    network: {allow: [api.anthropic.com, "registry.npmjs.org:443"]}
    share: ["*"]
    peers: [api]
snapshot: {deny: ["*.sqlite"], maxFileBytes: 1000000}
lessons: {budgetTokens: 800}
`;

function errorsOf(text: string) {
  return parseWorkspaceConfig(text, SOURCE).errors.map((e) => ({ line: e.line, message: e.message, hint: e.hint }));
}

describe('parseWorkspaceConfig', () => {
  it('reads the SPEC example and normalises it', () => {
    const { config, errors, warnings } = parseWorkspaceConfig(SPEC_EXAMPLE, SOURCE);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      root: '/ws',
      knowledge: '/ws/knowledge',
      reviewers: ['alice'],
      maxAgents: 3,
      snapshot: { deny: ['*.sqlite'], maxFileBytes: 1000000, maxTotalBytes: undefined },
      lessons: { budgetTokens: 800 },
    });
    expect(config?.projects[0]).toMatchObject({ name: 'api', path: '/ws/api', branch: 'main', agent: 'script', validate: ['npm', 'test'], maxAgents: 2, timeoutMs: 1_200_000, network: 'none', env: ['ANTHROPIC_API_KEY'], peers: ['web'], share: ['web'], line: 6 });
    expect(config?.projects[1]).toMatchObject({ name: 'web', path: '/abs/web', branch: 'trunk', agent: ['my-agent', '--prompt', '{prompt_file}'], network: { allow: ['api.anthropic.com', 'registry.npmjs.org:443'] }, line: 17 });
  });

  it('fills defaults: agent script, maxAgents from the workspace, timeout 20m, network none', () => {
    const { config, warnings } = parseWorkspaceConfig('version: 1\nmaxAgents: 4\nprojects:\n  - name: api\n    path: api\n', SOURCE);
    expect(config?.projects[0]).toMatchObject({ agent: 'script', maxAgents: 4, timeoutMs: 1_200_000, network: 'none', branch: 'main', env: [], peers: [], share: [] });
    expect(config).toMatchObject({ knowledge: '/ws/knowledge', reviewers: [], lessons: { budgetTokens: 1500 } });
    expect(warnings).toEqual([expect.objectContaining({ line: 4, message: 'project api names no branch; using main' })]);
  });

  it('names an unknown key and its line, with a suggestion', () => {
    expect(errorsOf('version: 1\nmaxAgent: 3\n')).toEqual([{ line: 2, message: 'unknown key "maxAgent"', hint: 'did you mean "maxAgents"?' }]);
    expect(errorsOf('version: 1\nprojects:\n  - name: api\n    path: ./api\n    colour: red\n')).toEqual([
      { line: 5, message: 'unknown key "colour" in projects[0]', hint: expect.stringMatching(/^remove it; projects\[0\] takes name, path, branch/) },
    ]);
    expect(errorsOf('version: 1\nprojects:\n  - name: api\n    path: ./api\n    network: {allow: [a.com], deny: [b.com]}\n')[0]?.line).toBe(5);
    expect(errorsOf('version: 1\nsnapshot:\n  deny: []\n  maxFileByte: 3\n')).toEqual([{ line: 4, message: 'unknown key "maxFileByte" in snapshot', hint: 'did you mean "maxFileBytes"?' }]);
  });

  it('reports bad values with their lines', () => {
    const text = `version: 1
projects:
  - name: Api
    path: ./api
  - name: web
    path: ./web
    timeout: soon
    network: some
    agent: robot
    env: [not-a-var]
    maxAgents: 0
`;
    expect(errorsOf(text).map((e) => [e.line, e.message])).toEqual([
      [3, expect.stringMatching(/^projects\[0\]\.name: a project name is lower-case/)],
      [7, 'projects[1].timeout: timeout must be a duration like 20m, 90s or 1h30m'],
      [8, 'projects[1].network: network must be none, full, or {allow: [host, ...]}'],
      [9, expect.stringMatching(/^projects\[1\]\.agent: agent must be one of script, claude/)],
      [10, expect.stringMatching(/^projects\[1\]\.env\[0\]: env lists variable names/)],
      [11, 'projects[1].maxAgents: maxAgents must be at least 1'],
    ]);
  });

  it('reports a missing or wrong version and missing project keys', () => {
    expect(errorsOf('knowledge: ./k\n')).toEqual([{ line: 1, message: 'version is required', hint: undefined }]);
    expect(errorsOf('version: 2\n')[0]).toMatchObject({ line: 1, message: 'version: version must be 1' });
    expect(errorsOf('version: 1\nprojects:\n  - name: api\n')[0]).toMatchObject({ line: 3, message: 'projects[0].path is required' });
  });

  it('reports YAML syntax errors and duplicate keys with their lines', () => {
    expect(errorsOf('version: 1\nprojects: [\n')[0]?.message).toMatch(/^invalid YAML/);
    expect(errorsOf('version: 1\nmaxAgents: 2\nmaxAgents: 3\n')).toEqual([{ line: 3, message: 'invalid YAML: duplicate key "maxAgents"', hint: undefined }]);
    expect(errorsOf('')).toEqual([expect.objectContaining({ line: 1, message: 'the workspace file is empty' })]);
  });

  it('checks the rules: unique names and paths, peers and share naming projects', () => {
    const text = `version: 1
projects:
  - name: api
    path: ./api
    branch: main
    peers: [web, ghost, api]
    share: [nobody]
  - name: api
    path: ./other
    branch: main
  - name: web
    path: ./api/
    branch: main
`;
    expect(errorsOf(text).map((e) => [e.line, e.message])).toEqual([
      [6, 'peer "ghost" of project api is not a project'],
      [6, 'project api lists itself in peers'],
      [7, 'share entry "nobody" of project api is not a project'],
      [8, 'project name "api" is used twice'],
      [12, 'project web has the same path as api (/ws/api)'],
    ]);
  });

  it('warns when a peer does not share back, when network is full, and when a project cap exceeds the global one', () => {
    const text = 'version: 1\nmaxAgents: 2\nprojects:\n  - {name: api, path: ./api, branch: main, peers: [web], network: full, maxAgents: 5}\n  - {name: web, path: ./web, branch: main}\n';
    const { errors, warnings } = parseWorkspaceConfig(text, SOURCE);
    expect(errors).toEqual([]);
    expect(warnings.map((w) => w.message)).toEqual([
      'project api allows 5 agents but the workspace caps all at 2',
      'project api shares the host network with its agents (network: full)',
      'api lists web in peers, but web does not share with api: no snapshot will be given',
    ]);
  });

  describe('remote (issue 10)', () => {
    const withRemote = (remote: string) => `version: 1\nprojects:\n  - name: api\n    path: ./api\n    branch: main\n    remote: ${remote}\n`;

    it('takes a remote name, a URL, or a path resolved against the workspace, with default lease and poll', () => {
      const urls = ['origin', 'git://127.0.0.1:9418/api.git', '/srv/git/api.git', './remotes/api.git', '../api.git'].map((remote) => parseWorkspaceConfig(withRemote(remote), SOURCE).config?.projects[0]?.remote);
      expect(urls).toEqual([
        { url: 'origin', leaseMs: 30_000, pollMs: 2_000 },
        { url: 'git://127.0.0.1:9418/api.git', leaseMs: 30_000, pollMs: 2_000 },
        { url: '/srv/git/api.git', leaseMs: 30_000, pollMs: 2_000 },
        { url: '/ws/remotes/api.git', leaseMs: 30_000, pollMs: 2_000 },
        { url: '/api.git', leaseMs: 30_000, pollMs: 2_000 },
      ]);
      expect(parseWorkspaceConfig('version: 1\nprojects:\n  - {name: api, path: ./api, branch: main}\n', SOURCE).config?.projects[0]?.remote).toBeUndefined();
    });

    it('takes the object form with lease and poll', () => {
      const { config, errors } = parseWorkspaceConfig(withRemote('{url: origin, lease: 10s, poll: 500ms}'), SOURCE);
      expect(errors).toEqual([]);
      expect(config?.projects[0]?.remote).toEqual({ url: 'origin', leaseMs: 10_000, pollMs: 500 });
    });

    it('refuses a value git would read as an option, an unknown key, and a bad duration, each with its line', () => {
      expect(errorsOf(withRemote('"--upload-pack=touch /tmp/x"'))[0]).toMatchObject({ line: 6 });
      expect(errorsOf(withRemote('"--upload-pack=touch /tmp/x"'))[0]?.message).toContain('not starting with -');
      const unknown = errorsOf(withRemote('{url: origin, leese: 10s}'));
      expect(unknown[0]?.line).toBe(6);
      expect(unknown[0]?.message).toContain('leese');
      expect(errorsOf(withRemote('{url: origin, lease: soon}'))[0]?.message).toContain('remote.lease must be a duration');
    });
  });
});
