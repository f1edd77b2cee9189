import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCommandAdapter, substitutePlaceholders } from '../../src/agents/command.js';
import type { AgentInstall } from '../../src/agents/host-install.js';
import { createPresetAdapter, literalFiles } from '../../src/agents/presets.js';
import { resolveAgent } from '../../src/agents/resolve.js';
import type { AgentInput } from '../../src/agents/types.js';
import { isOrchError } from '../../src/errors/index.js';
import { HAS_BWRAP, skipUnless } from '../support/require.js';
import { tempDir } from '../support/tmp.js';
import { makeNpmInstall, makeVenvInstall } from './fake-installs.js';
import { runPlanInBwrap } from './run-plan.js';

function input(overrides: Partial<AgentInput> = {}): AgentInput {
  const body = 'Add a /health endpoint.\n';
  return {
    bead: { id: 'api-k3f9', title: 'Add a /health endpoint', project: 'api', body, files: ['src/server.ts', 'src/routes/**', '-odd.ts'], deps: [], rawText: body },
    beadPathInProject: '.agents/beads/api-k3f9.md',
    lessonsText: '',
    peers: [],
    projectName: 'api',
    ...overrides,
  };
}

const usrInstall = (program: string): AgentInstall => ({ program, roBinds: [], pathDirs: [] });
const PROMPT_ON_STDIN = ['/bin/sh', '-c', 'exec "$0" "$@" < /orch/PROMPT.md'];

async function thrown(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('preset command lines', () => {
  it('claude: claude -p with the prompt file on stdin, permissions prompts off', () => {
    const plan = createPresetAdapter('claude', usrInstall('/usr/local/bin/claude')).plan(input());
    expect(plan.command).toEqual([...PROMPT_ON_STDIN, '/usr/local/bin/claude', '-p', '--output-format', 'text', '--dangerously-skip-permissions']);
    expect(plan.files).toEqual([{ sandboxPath: '/orch/PROMPT.md', content: expect.stringContaining('# Add a /health endpoint'), mode: 0o644 }]);
    expect(plan.env).toBeUndefined();
    expect(plan.roBinds).toBeUndefined();
  });

  it('codex: codex exec reading the prompt from stdin (-), no git check, its own sandbox off', () => {
    const plan = createPresetAdapter('codex', usrInstall('/usr/bin/codex')).plan(input());
    expect(plan.command).toEqual([...PROMPT_ON_STDIN, '/usr/bin/codex', 'exec', '--skip-git-repo-check', '--sandbox', 'danger-full-access', '--color', 'never', '-']);
  });

  it('aider: --message-file with the prompt file, history kept out of /project, plain declared files added to the chat', () => {
    const plan = createPresetAdapter('aider', usrInstall('/usr/bin/aider')).plan(input());
    expect(plan.command[0]).toBe('/usr/bin/aider');
    expect(plan.command.slice(1, 3)).toEqual(['--message-file', '/orch/PROMPT.md']);
    expect(plan.command).toContain('--yes-always');
    expect(plan.command).toContain('--no-git');
    expect(plan.command[plan.command.indexOf('--chat-history-file') + 1]).toMatch(/^\/tmp\//);
    expect(plan.command[plan.command.indexOf('--input-history-file') + 1]).toMatch(/^\/tmp\//);
    // Globs are not passed; a file starting with "-" cannot be read as an option.
    expect(plan.command.slice(-2)).toEqual(['src/server.ts', './-odd.ts']);
    expect(literalFiles(['a/{b,c}.ts', 'x?.ts', 'ok.ts', ''])).toEqual(['ok.ts']);
  });

  it('gemini: gemini -p headless, yolo, the prompt file on stdin', () => {
    const plan = createPresetAdapter('gemini', usrInstall('/usr/bin/gemini')).plan(input());
    expect(plan.command.slice(0, 6)).toEqual([...PROMPT_ON_STDIN, '/usr/bin/gemini', '--yolo', '-p']);
  });

  it('warns when the preset\'s API host is not allowed by the project network', () => {
    const adapter = createPresetAdapter('claude', usrInstall('/usr/bin/claude'));
    expect(adapter.plan(input()).warnings?.[0]).toContain('api.anthropic.com');
    expect(adapter.plan(input({ network: { allow: ['api.anthropic.com'] } })).warnings).toBeUndefined();
    expect(adapter.plan(input({ network: 'full' })).warnings).toBeUndefined();
  });
});

describe('raw command arrays', () => {
  it('replaces {prompt_file} and {bead_file} in every element, every time', () => {
    expect(substitutePlaceholders(['agent', '--in={prompt_file}', '{bead_file}', '{prompt_file}:{prompt_file}', '{other}'], input())).toEqual([
      'agent',
      '--in=/orch/PROMPT.md',
      '/project/.agents/beads/api-k3f9.md',
      '/orch/PROMPT.md:/orch/PROMPT.md',
      '{other}',
    ]);
  });

  it('writes the prompt file and runs the program by its located path', () => {
    const plan = createCommandAdapter(['my-agent', '{prompt_file}'], usrInstall('/usr/local/bin/my-agent')).plan(input());
    expect(plan.command).toEqual(['/usr/local/bin/my-agent', '/orch/PROMPT.md']);
    expect(plan.files[0]?.sandboxPath).toBe('/orch/PROMPT.md');
  });
});

describe('resolveAgent', () => {
  it('defaults to the script agent', async () => {
    expect((await resolveAgent(undefined)).name).toBe('script');
    expect((await resolveAgent('script')).name).toBe('script');
  });

  it('refuses an unknown preset with AGENT_UNKNOWN (input) naming the choices', async () => {
    const error = await thrown(resolveAgent('claude-code'));
    expect(isOrchError(error, 'AGENT_UNKNOWN')).toBe(true);
    if (!isOrchError(error)) return;
    expect(error.category).toBe('input');
    expect(error.hint).toContain('script, claude, codex, aider, gemini');
  });

  it('fails with AGENT_MISSING when the preset\'s program is not on the host PATH', async () => {
    const error = await thrown(resolveAgent('codex', { pathEnv: '/nonexistent-orch-dir' }));
    expect(isOrchError(error, 'AGENT_MISSING')).toBe(true);
    if (isOrchError(error)) expect(error.message).toContain('"codex"');
  });

  it('locates a raw command\'s bare program, leaves sandbox paths and unknown programs alone', async () => {
    const sh = await resolveAgent(['sh', '-c', 'true'], { pathEnv: '/usr/bin' });
    expect(sh.plan(input()).command[0]).toBe('/usr/bin/sh');
    const inProject = await resolveAgent(['/project/tools/agent.sh', '{bead_file}']);
    expect(inProject.plan(input()).command).toEqual(['/project/tools/agent.sh', '/project/.agents/beads/api-k3f9.md']);
    const unknown = await resolveAgent(['not-on-host-orch-agent'], { pathEnv: '/usr/bin' });
    expect(unknown.plan(input()).command).toEqual(['not-on-host-orch-agent']);
  });
});

describe('presets in a sandbox', () => {
  it.skipIf(skipUnless(HAS_BWRAP, 'bwrap'))('an npm-installed claude outside /usr runs from its read-only binds and reads the prompt on stdin', async () => {
    const npm = await makeNpmInstall('claude', '@anthropic-ai/claude-code');
    const adapter = await resolveAgent('claude', { pathEnv: npm.pathEnv });
    const plan = adapter.plan(input({ network: { allow: ['api.anthropic.com'] } }));
    expect(plan.roBinds?.length).toBe(2);
    const project = await tempDir('orch-proj-');
    const result = await runPlanInBwrap(plan, project);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const ran = JSON.parse(await readFile(join(project, 'claude-ran.json'), 'utf8')) as Record<string, unknown>;
    expect(ran.argv).toEqual(['-p', '--output-format', 'text', '--dangerously-skip-permissions']);
    expect(ran.stdin).toBe(plan.files[0]?.content);
    expect(ran.cwd).toBe('/project');
    expect(ran.helper).toBe('helper');
    expect(String(ran.path).split(':')[0]).toBe(join(npm.prefix, 'bin'));
  });

  it.skipIf(skipUnless(HAS_BWRAP, 'bwrap'))('a venv-installed aider runs from its binds with the prompt file argument', async () => {
    const venv = await makeVenvInstall('aider');
    const adapter = await resolveAgent('aider', { pathEnv: venv.pathEnv });
    const project = await tempDir('orch-proj-');
    const result = await runPlanInBwrap(adapter.plan(input()), project);
    expect(result.status).toBe(0);
    expect(await readFile(join(project, 'aider-ran.txt'), 'utf8')).toContain('aider ran: --message-file /orch/PROMPT.md --yes-always');
  });

  it.skipIf(skipUnless(HAS_BWRAP, 'bwrap'))('a raw command gets the prompt and bead paths it asked for', async () => {
    const adapter = await resolveAgent(['sh', '-c', 'cp "$1" got-prompt.md && printf %s "$2" > bead-path.txt', 'agent', '{prompt_file}', '{bead_file}'], { pathEnv: '/usr/bin' });
    const plan = adapter.plan(input());
    const project = await tempDir('orch-proj-');
    const result = await runPlanInBwrap(plan, project);
    expect(result.status).toBe(0);
    expect(await readFile(join(project, 'got-prompt.md'), 'utf8')).toBe(plan.files[0]?.content);
    expect(await readFile(join(project, 'bead-path.txt'), 'utf8')).toBe('/project/.agents/beads/api-k3f9.md');
  });
});
