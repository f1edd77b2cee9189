import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { git } from '../../src/git/exec.js';
import { HAS_BWRAP, skipUnless } from '../support/require.js';
import { makeWorkspace, type TestWorkspace } from './cli-harness.js';

const SKIP = skipUnless(HAS_BWRAP, 'bwrap');

describe.skipIf(SKIP)('orch sandbox exec', () => {
  let ws: TestWorkspace;
  beforeAll(async () => {
    ws = await makeWorkspace(
      [
        { name: 'api', files: { 'README.md': '# api\n', 'src/main.ts': 'main\n' }, extra: ['peers: [web]', 'env: [ALLOWED_VAR]'] },
        { name: 'web', files: { 'README.md': '# web\n', '.env': 'WEB_SECRET=1\n' }, extra: ['share: [api]'] },
      ],
      { knowledge: false },
    );
  });

  it("runs the command as the sandbox's own user, streams its output and passes its exit code", async () => {
    const id = await ws.orch(['sandbox', 'exec', 'api', '--', 'id', '-u']);
    expect(id.exitCode, id.stderr).toBe(0);
    expect(id.stdout.trim()).toBe('1000');
    const failing = await ws.orch(['sandbox', 'exec', 'api', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect(failing.exitCode).toBe(7);
    expect(failing.stdout).toBe('out\n');
    expect(failing.stderr).toContain('err');
  });

  it('cannot read /root, and sees the committed tip at /project', async () => {
    const root = await ws.orch(['sandbox', 'exec', 'api', '--', 'ls', '/root']);
    expect(root.exitCode).not.toBe(0);
    expect(root.stderr).toMatch(/No such file|Permission denied/);
    const project = await ws.orch(['sandbox', 'exec', 'api', '--', 'cat', '/project/src/main.ts']);
    expect(project.exitCode, project.stderr).toBe(0);
    expect(project.stdout).toBe('main\n');
  });

  it('nothing lands: changes inside are discarded with the private layer', async () => {
    const head = (await git(ws.projects.api ?? '', ['rev-parse', 'HEAD'])).stdout;
    const result = await ws.orch(['sandbox', 'exec', 'api', '--', 'sh', '-c', 'echo new > /project/new.txt && rm /project/README.md && ls /project']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout.split('\n')).toContain('new.txt');
    expect(await readdir(ws.projects.api ?? '')).not.toContain('new.txt');
    expect(await readFile(join(ws.projects.api ?? '', 'README.md'), 'utf8')).toBe('# api\n');
    expect((await git(ws.projects.api ?? '', ['rev-parse', 'HEAD'])).stdout).toBe(head);
    expect((await git(ws.projects.api ?? '', ['status', '--porcelain'])).stdout).toBe('');
    expect(await readdir(join(ws.root, '.orch', 'run', 'sandboxes'))).toEqual([]);
  });

  it('passes piped stdin through', async () => {
    const result = await ws.orch(['sandbox', 'exec', 'api', '--', 'tr', 'a-z', 'A-Z'], { input: 'hello sandbox\n' });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('HELLO SANDBOX\n');
  });

  it("with --peers mounts the granted peer's filtered snapshot; only allow-listed env crosses", async () => {
    const script = 'cat /project/.shared/web/README.md; ls -A /project/.shared/web; echo "allowed=$ALLOWED_VAR other=$OTHER_VAR"';
    const result = await ws.orch(['sandbox', 'exec', 'api', '--peers', '--', 'sh', '-c', script], { env: { ALLOWED_VAR: 'yes', OTHER_VAR: 'leak' } });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('# web');
    expect(result.stdout).not.toContain('.env');
    expect(result.stdout).toContain('allowed=yes other=\n');
    const without = await ws.orch(['sandbox', 'exec', 'api', '--', 'ls', '/project/.shared']);
    expect(without.exitCode).not.toBe(0);
  });

  it('no command, or an unknown project, is bad usage (exit 2)', async () => {
    expect((await ws.orch(['sandbox', 'exec', 'api'])).exitCode).toBe(2);
    const unknown = await ws.orch(['sandbox', 'exec', 'nope', '--', 'true']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('[PROJECT_UNKNOWN]');
  });
});
