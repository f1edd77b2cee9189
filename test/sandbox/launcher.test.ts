import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInSandbox, type SandboxSpec } from '../../src/sandbox/index.js';
import { HAS_BWRAP, skipUnless } from '../support/require.js';
import { tempDir } from '../support/tmp.js';

const SKIP = skipUnless(HAS_BWRAP, 'bwrap');

async function project(): Promise<{ base: string; spec: SandboxSpec }> {
  const base = await tempDir('orch-launch-');
  await chmod(base, 0o755);
  await mkdir(join(base, 'project'));
  return { base, spec: { project: { dir: join(base, 'project') } } };
}

describe('launchSandbox', () => {
  it.skipIf(SKIP)('returns the exit code and the output, and streams it as it comes', async () => {
    const { spec } = await project();
    const chunks: string[] = [];
    const result = await runInSandbox(spec, ['/bin/sh', '-c', 'echo out; echo err >&2; exit 7'], { onOutput: (chunk, stream) => chunks.push(`${stream}:${chunk}`) });
    expect(result.exitCode).toBe(7);
    expect(result.timedOut).toBe(false);
    expect(result.output).toContain('out\n');
    expect(result.output).toContain('err\n');
    expect(chunks).toContain('stdout:out\n');
    expect(chunks).toContain('stderr:err\n');
  });

  it.skipIf(SKIP)('feeds input on stdin', async () => {
    const { spec } = await project();
    const result = await runInSandbox(spec, ['/bin/sh', '-c', 'read line; echo "got $line"'], { input: 'hello\n' });
    expect(result.output).toBe('got hello\n');
  });

  it.skipIf(SKIP)('stops the sandbox when the caller aborts', async () => {
    const { spec } = await project();
    const controller = new AbortController();
    const running = runInSandbox(spec, ['/bin/sh', '-c', 'echo up; exec sleep 60'], {
      signal: controller.signal,
      onOutput: () => controller.abort(),
    });
    const result = await running;
    expect(result.cancelled).toBe(true);
    expect(result.signal).toBe('SIGKILL');
  });

  it.skipIf(SKIP)('fails with SANDBOX_FAILED when a mount source is missing', async () => {
    const { base, spec } = await project();
    await expect(runInSandbox({ ...spec, peers: [{ name: 'web', dir: join(base, 'missing') }] }, ['/bin/true'])).rejects.toMatchObject({ code: 'SANDBOX_FAILED' });
  });

  it.skipIf(SKIP)('tells bwrap failing during setup from a command that fails, even one that prints like bwrap', async () => {
    const { base, spec } = await project();
    // bwrap itself refuses a bind onto a path it cannot create (a file where a directory must go).
    await writeFile(join(base, 'file'), 'x', { mode: 0o644 });
    await expect(
      runInSandbox({ ...spec, extraRoBinds: [{ source: join(base, 'project'), dest: '/opt/x' }, { source: join(base, 'project'), dest: '/opt/x/y' }, { source: join(base, 'file'), dest: '/opt/x/y/z/w' }] }, ['/bin/true']),
    ).rejects.toMatchObject({ code: 'SANDBOX_FAILED' });
    const faked = await runInSandbox(spec, ['/bin/sh', '-c', 'echo "bwrap: Can\'t find source path /x: No such file or directory" >&2; exit 1']);
    expect(faked.exitCode).toBe(1);
    const missing = await runInSandbox(spec, ['/no/such/program']);
    expect(missing.exitCode).toBe(127);
  });

  it.skipIf(SKIP)('runs sh, git, node, python3 and awk, with a writable home', async () => {
    const { spec } = await project();
    const script = [
      'git init -q . && git -c user.name=a -c user.email=a@example.com commit -q --allow-empty -m first && git log --format=%s',
      'node -e "console.log(\'node\', 1 + 1)"',
      'python3 -c "print(\'python\', 3)"',
      "echo 'a b' | awk '{ print $2 }'",
      'echo x > ~/.probe && echo home-writable',
      'whoami; hostname',
    ].join('\n');
    const result = await runInSandbox(spec, ['/bin/sh', '-ec', script]);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output.split('\n')).toEqual(['first', 'node 2', 'python 3', 'b', 'home-writable', 'agent', 'sandbox', '']);
  });

  it.skipIf(SKIP)('sets the resource limits, soft and hard, before the command runs', async () => {
    const { spec } = await project();
    const limits = { processes: 300, openFiles: 500, memoryBytes: 2 * 1024 * 1024 * 1024, fileSizeBytes: 1024 * 1024 };
    const result = await runInSandbox(spec, ['/bin/sh', '-c', 'ulimit -p; ulimit -Hp; ulimit -n; ulimit -Hn; ulimit -v; ulimit -f; ulimit -n 600 2>/dev/null || echo cannot-raise'], { limits });
    expect(result.output.split('\n')).toEqual(['300', '300', '500', '500', String(2 * 1024 * 1024), '2048', 'cannot-raise', '']);
  });

  it.skipIf(SKIP)('gives TLS roots and name resolution only to a sandbox with network', async () => {
    const { spec } = await project();
    const script = 'test -s /etc/ssl/certs/ca-certificates.crt && echo certs; test -e /etc/resolv.conf && echo resolv; true';
    expect((await runInSandbox(spec, ['/bin/sh', '-c', script])).output).toBe('');
    expect((await runInSandbox({ ...spec, network: 'full' }, ['/bin/sh', '-c', script])).output).toBe('certs\nresolv\n');
  });

  it.skipIf(SKIP)('shows the /orch dir, lessons and prompt read-only', async () => {
    const { base, spec } = await project();
    const orch = join(base, 'orch');
    await mkdir(orch, { mode: 0o755 });
    await writeFile(join(orch, 'PROMPT.md'), 'do the thing\n', { mode: 0o644 });
    const withDir = await runInSandbox({ ...spec, orchDir: orch }, ['/bin/sh', '-c', 'cat /orch/PROMPT.md; echo no > /orch/PROMPT.md || echo refused']);
    expect(withDir.output).toContain('do the thing');
    expect(withDir.output).toContain('refused');
    await writeFile(join(base, 'LESSONS.md'), 'lesson one\n', { mode: 0o644 });
    const withFile = await runInSandbox({ ...spec, lessonsFile: join(base, 'LESSONS.md') }, ['/bin/sh', '-c', 'cat /orch/LESSONS.md; touch /orch/new || echo refused']);
    expect(withFile.output).toContain('lesson one');
    expect(withFile.output).toContain('refused');
    expect(await readFile(join(orch, 'PROMPT.md'), 'utf8')).toBe('do the thing\n');
  });

  it.skipIf(SKIP)('runs twice in the same checkout (agent, then validate) and leaves no mount point behind', async () => {
    const { base, spec } = await project();
    await mkdir(join(base, 'peer'), { mode: 0o755 });
    const withPeer = { ...spec, peers: [{ name: 'web', dir: join(base, 'peer') }] };
    const first = await runInSandbox(withPeer, ['/bin/sh', '-c', 'echo work > result.txt']);
    const second = await runInSandbox(withPeer, ['/bin/sh', '-c', 'cat result.txt; ls -a /project']);
    expect(first.exitCode).toBe(0);
    expect(second.output).toContain('work');
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(join(base, 'project'))).sort()).toEqual(['result.txt']);
  });
});
