import { openSync, closeSync, readFileSync } from 'node:fs';
import { lstat, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxSpec } from '../../src/sandbox/index.js';
import { HAS_BWRAP, skipUnless } from '../support/require.js';
import {
  HAS_PYTHON,
  IS_ROOT,
  MODES,
  PLAIN_USER,
  SECRETS,
  expectResult,
  hostProcessesWith,
  makeWorld,
  runAs,
  runFixture,
  type Mode,
  type RunRequest,
  type World,
} from './harness.js';

/**
 * Each test is one concrete attack a hostile agent would try, and it must
 * fail. The suite runs twice: launched by root (the sandbox then runs as
 * nobody) and by the plain user cloudsdk (uid 1000).
 */

const SKIP = skipUnless(HAS_BWRAP, 'bwrap');
const SKIP_PY = SKIP || skipUnless(HAS_PYTHON, 'python3 at /usr/bin/python3');
const CANARY = `orch-canary-${process.pid}-${Date.now().toString(36)}`;
const EPERM = 1;
const ENOSYS = 38;
const EAFNOSUPPORT = 97;

beforeAll(() => {
  process.env.ORCH_CANARY_SECRET = CANARY;
});
afterAll(() => {
  delete process.env.ORCH_CANARY_SECRET;
});

function listen(server: Server, where: string | { port: number; host: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    if (typeof where === 'string') server.listen(where, resolve);
    else server.listen(where.port, where.host, resolve);
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function waitUntilGone(marker: string): Promise<number[]> {
  let found = await hostProcessesWith(marker);
  for (let tries = 0; tries < 50 && found.length > 0; tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    found = await hostProcessesWith(marker);
  }
  return found;
}

function parseJsonLine(output: string): Record<string, unknown> {
  const line = output.split('\n').find((candidate) => candidate.startsWith('{'));
  if (line === undefined) throw new Error(`no JSON in output: ${output.slice(0, 2000)}`);
  return JSON.parse(line) as Record<string, unknown>;
}

describe.each(MODES)('attacks on a sandbox launched as %s', (mode: Mode) => {
  const expectedHostUid = mode === 'root' ? 65534 : IS_ROOT ? PLAIN_USER.uid : process.getuid?.();

  function request(world: World, command: string[], spec: Partial<SandboxSpec> = {}, options: RunRequest['options'] = {}): RunRequest {
    return {
      spec: { project: { dir: world.project }, peers: [{ name: 'web', dir: world.peer }], env: { ALLOWED_VAR: 'allowed-value' }, ...spec },
      command,
      options: { timeoutMs: 30_000, ...options },
    };
  }

  async function sh(world: World, script: string, spec: Partial<SandboxSpec> = {}, options: RunRequest['options'] = {}) {
    return expectResult(await runAs(mode, request(world, ['/bin/sh', '-c', script], spec, options), { ORCH_CANARY_SECRET: CANARY }));
  }

  async function probes(world: World, names: string[], viaShell = false): Promise<Record<string, unknown>> {
    const command = viaShell ? `/usr/bin/python3 syscalls.py ${names.join(' ')}; true` : `exec /usr/bin/python3 syscalls.py ${names.join(' ')}`;
    const result = await sh(world, command);
    return parseJsonLine(result.output);
  }

  it.skipIf(SKIP)('cannot read /etc/shadow, /root, ~/.ssh or host home directories', async () => {
    const world = await makeWorld(mode);
    expect(readFileSync(join(world.home, '.ssh', 'id_ed25519'), 'utf8')).toContain(SECRETS.key); // readable on the host
    const targets = ['/etc/shadow', '/etc/gshadow', '/root', '/root/.ssh', '/home/cloudsdk', join(world.home, '.ssh', 'id_ed25519'), '/etc/sudoers'];
    const script = targets.map((t) => `if cat '${t}' >/dev/null 2>&1 || ls '${t}' >/dev/null 2>&1; then echo "REACHED ${t}"; fi`).join('\n');
    const result = await sh(world, `${script}\ncat /etc/passwd`);
    expect(result.exitCode).toBe(0);
    expect(result.output).not.toContain('REACHED');
    expect(result.output).not.toContain(SECRETS.key);
    // /etc/passwd is the synthetic one: no host accounts.
    expect(result.output).toContain('agent:x:1000:1000');
    expect(result.output).not.toContain('cloudsdk');
  });

  it.skipIf(SKIP)("cannot reach another project's checkout by its host path", async () => {
    const world = await makeWorld(mode);
    const result = await sh(world, `cat '${world.other}/secret.txt'; ls '${world.base}'; ls / ; echo done`);
    expect(result.output).not.toContain(SECRETS.other);
    expect(result.output).toContain(`cat: ${world.other}/secret.txt: No such file or directory`);
    expect(result.output).toContain(`cannot access '${world.base}': No such file or directory`);
    expect(result.output).toContain('done');
  });

  it.skipIf(SKIP)("the engine's environment reaches neither /proc/1/environ, /proc/1/cmdline nor env", async () => {
    const world = await makeWorld(mode);
    const result = await sh(world, 'for p in /proc/[0-9]*; do cat $p/environ $p/cmdline 2>/dev/null; echo; done; env; echo END');
    expect(result.output).toContain('END');
    expect(result.output).toContain('ALLOWED_VAR=allowed-value');
    expect(result.output).not.toContain(CANARY);
    expect(result.output).not.toContain('ORCH_CANARY_SECRET');
    const envLines = result.output.split('\n').filter((line) => /^[A-Z_]+=/.test(line)).map((line) => line.split('=')[0]);
    expect(new Set(envLines)).toEqual(new Set(['ALLOWED_VAR', 'HOME', 'LANG', 'LOGNAME', 'PATH', 'PWD', 'TERM', 'TMPDIR', 'USER']));
  });

  it.skipIf(SKIP)('a descriptor the engine holds, or inherited without close-on-exec, is not open inside', async () => {
    const world = await makeWorld(mode);
    const canaryPath = join(world.base, 'canary-fd-file');
    await writeFile(canaryPath, 'fd canary\n', { mode: 0o644 });
    const held = openSync(canaryPath, 'r');
    const inherited = openSync(canaryPath, 'r');
    try {
      // sh is pid 1; a child lists its descriptors.
      const script = 'ls -l /proc/1/fd; true';
      const req = request(world, ['/bin/sh', '-c', script]);
      // The fixture gets the canary as fd 9 and 42 (no close-on-exec), like a leaky parent would hand it.
      // (3-8 would be replaced by the launcher's own descriptors anyway.)
      const outcome = await runFixture(req, {
        extraFds: { 9: inherited, 42: inherited },
        env: { ORCH_CANARY_SECRET: CANARY },
        ...(mode === 'user' && IS_ROOT ? { uid: PLAIN_USER.uid, gid: PLAIN_USER.gid } : {}),
      });
      const inProcess = await sh(world, script);
      for (const result of [expectResult(outcome), inProcess]) {
        const fds = result.output.split('\n').filter((line) => line.includes(' -> ')).map((line) => /(\d+) -> /.exec(line)?.[1]);
        expect(fds.sort()).toEqual(['0', '1', '2']);
        expect(result.output).not.toContain('canary-fd-file');
      }
    } finally {
      closeSync(held);
      closeSync(inherited);
    }
  });

  it.skipIf(SKIP_PY)('no network: an external address and the host address are unreachable', async () => {
    const world = await makeWorld(mode);
    const hostAddresses = Object.values(networkInterfaces())
      .flat()
      .filter((info) => info !== undefined && info.family === 'IPv4' && !info.internal)
      .map((info) => `tcp:${info?.address}:22`);
    const targets = ['tcp:1.1.1.1:80', 'tcp:8.8.8.8:53', ...hostAddresses];
    const answers = parseJsonLine((await sh(world, `exec /usr/bin/python3 connect.py ${targets.join(' ')}`)).output);
    for (const target of targets) expect(answers[target], target).not.toBe('ok');
    const links = await sh(world, 'cat /proc/net/dev');
    expect(links.output.split('\n').filter((line) => line.includes(':')).map((line) => line.split(':')[0]?.trim())).toEqual(['lo']);
  });

  it.skipIf(SKIP_PY)("a listener on the host's loopback is unreachable", async () => {
    const world = await makeWorld(mode);
    let connections = 0;
    const server = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await listen(server, { port: 0, host: '127.0.0.1' });
    try {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const answers = parseJsonLine((await sh(world, `exec /usr/bin/python3 connect.py tcp:127.0.0.1:${port}`)).output);
      expect(answers[`tcp:127.0.0.1:${port}`]).toBe(111); // ECONNREFUSED: the sandbox's own, empty loopback
      expect(connections).toBe(0);
    } finally {
      await close(server);
    }
  });

  it.skipIf(SKIP_PY)('a host abstract unix socket is unreachable', async () => {
    const world = await makeWorld(mode);
    const name = `orch-test-abstract-${process.pid}-${mode}`;
    let connections = 0;
    const server = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await listen(server, `\0${name}`);
    try {
      // Control: the socket is live on the host, to anyone in its network namespace.
      await new Promise<void>((resolve, reject) => {
        const socket = createConnection(`\0${name}`, () => {
          socket.destroy();
          resolve();
        });
        socket.once('error', reject);
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(connections).toBe(1);
      const answers = parseJsonLine((await sh(world, `exec /usr/bin/python3 connect.py unix:@${name}`)).output);
      expect(answers[`unix:@${name}`]).toBe(111);
      expect(connections).toBe(1);
    } finally {
      await close(server);
    }
  });

  it.skipIf(SKIP_PY)('TIOCSTI and TIOCLINUX fail on a controlling tty, also with high bits set in the request', async () => {
    const world = await makeWorld(mode);
    const inside = await probes(world, ['tiocsti', 'tiocsti_high_bits', 'tioclinux', 'tiocgwinsz']);
    expect(inside).toEqual({ tiocsti: EPERM, tiocsti_high_bits: EPERM, tioclinux: EPERM, tiocgwinsz: 'ok' });
  });

  it.skipIf(SKIP_PY)('nested user namespaces fail: unshare -Ur, unshare(2), clone(CLONE_NEWUSER); clone3 says ENOSYS', async () => {
    const world = await makeWorld(mode);
    const result = await sh(world, '/usr/bin/unshare -Ur /bin/true; echo "unshare-exit=$?"');
    expect(result.output).toMatch(/unshare-exit=[1-9]/);
    const inside = await probes(world, ['unshare_user', 'clone_newuser', 'clone3', 'fork', 'setns']);
    expect(inside).toEqual({ unshare_user: EPERM, clone_newuser: EPERM, clone3: ENOSYS, fork: 'ok', setns: EPERM });
  });

  it.skipIf(SKIP)('writes to /usr, /, /etc, /dev and the peer snapshot fail; /project takes them', async () => {
    const world = await makeWorld(mode);
    const targets = ['/usr/orch-pwned', '/orch-pwned', '/etc/orch-pwned', '/etc/passwd', '/dev/orch-pwned', '/project/.shared/web/README.md', '/project/.shared/web/new', '/project/.shared/new', '/orch-pwned/x'];
    const script = [
      ...targets.map((t) => `if (echo pwned > '${t}') 2>/dev/null; then echo "WROTE ${t}"; fi`),
      "if rm -f /project/.shared/web/README.md 2>/dev/null && [ ! -e /project/.shared/web/README.md ]; then echo 'WROTE rm'; fi",
      "if mv /project/.shared /project/moved 2>/dev/null; then echo 'WROTE mv'; fi",
      "if umount /project/.shared 2>/dev/null; then echo 'WROTE umount'; fi",
      'echo fine > /project/made-here && echo project-ok',
    ].join('\n');
    const result = await sh(world, script);
    expect(result.output).not.toContain('WROTE');
    expect(result.output).toContain('project-ok');
    expect(await readdir(world.peer)).toEqual(['README.md']);
    expect(await readFile(join(world.peer, 'README.md'), 'utf8')).toBe(`${SECRETS.peer}\n`);
    expect(await readFile(join(world.project, 'made-here'), 'utf8')).toBe('fine\n');
    // The mount point orch made for the peers is gone again.
    await expect(lstat(join(world.project, '.shared'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.skipIf(SKIP)('a planted .shared symlink aborts the run and the host dir it points to is untouched', async () => {
    const world = await makeWorld(mode);
    await symlink(world.other, join(world.project, '.shared'));
    const before = await readdir(world.other);
    const outcome = await runAs(mode, request(world, ['/bin/sh', '-c', 'touch /project/.shared/pwned; touch /project/ran']));
    expect(outcome.error?.code).toBe('SANDBOX_UNSAFE');
    expect(await readdir(world.other)).toEqual(before);
    await expect(lstat(join(world.project, 'ran'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await lstat(join(world.project, '.shared'))).isSymbolicLink()).toBe(true);
  });

  it.skipIf(SKIP)('a planted .shared file (not a directory) also aborts the run', async () => {
    const world = await makeWorld(mode);
    await writeFile(join(world.project, '.shared'), 'not a dir\n');
    const outcome = await runAs(mode, request(world, ['/bin/true']));
    expect(outcome.error?.code).toBe('SANDBOX_UNSAFE');
  });

  it.skipIf(SKIP_PY)('ptrace of pid 1, of the parent, and process_vm_readv fail', async () => {
    const world = await makeWorld(mode);
    const inside = await probes(world, ['ptrace_attach_pid1', 'ptrace_attach_parent', 'ptrace_traceme', 'process_vm_readv'], true);
    expect(inside).toEqual({ ptrace_attach_pid1: EPERM, ptrace_attach_parent: EPERM, ptrace_traceme: EPERM, process_vm_readv: EPERM });
  });

  it.skipIf(SKIP)('a setsid background daemon does not outlive the run', async () => {
    const world = await makeWorld(mode);
    const marker = `987.${process.pid}${mode === 'root' ? 1 : 2}`;
    const result = await sh(world, `setsid /bin/sleep ${marker} </dev/null >/dev/null 2>&1 & sleep 0.3; echo daemon-started`);
    expect(result.output).toContain('daemon-started');
    expect(await waitUntilGone(marker)).toEqual([]);
  });

  it.skipIf(SKIP)('a timeout kills the whole sandbox, daemons included', async () => {
    const world = await makeWorld(mode);
    const marker = `986.${process.pid}${mode === 'root' ? 1 : 2}`;
    const result = await sh(world, `setsid /bin/sleep ${marker} </dev/null >/dev/null 2>&1 & echo up; exec /bin/sleep 60`, {}, { timeoutMs: 1500 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeUndefined();
    expect(await waitUntilGone(marker)).toEqual([]);
  });

  it.skipIf(SKIP)('killing the engine kills the sandbox', async () => {
    const world = await makeWorld(mode);
    const marker = `985.${process.pid}${mode === 'root' ? 1 : 2}`;
    let seen: number[] = [];
    const outcome = runFixture(request(world, ['/bin/sh', '-c', `setsid /bin/sleep ${marker} </dev/null >/dev/null 2>&1 & sleep 0.3; echo up; exec /bin/sleep 60`]), {
      ...(mode === 'user' && IS_ROOT ? { uid: PLAIN_USER.uid, gid: PLAIN_USER.gid } : {}),
      onReady: (pid) => {
        void hostProcessesWith(marker).then((found) => {
          seen = found;
          process.kill(pid, 'SIGKILL');
        });
      },
    });
    await expect(outcome).rejects.toThrow(/without an answer/);
    expect(seen.length).toBeGreaterThan(0); // the daemon was running while the engine lived
    expect(await waitUntilGone(marker)).toEqual([]);
  });

  it.skipIf(SKIP)('filling /tmp, $HOME or /dev/shm stops at the tmpfs cap', async () => {
    const world = await makeWorld(mode);
    const cap = 4 * 1024 * 1024;
    const script = ['/tmp/fill', '/home/agent/fill', '/dev/shm/fill']
      .map((path) => `dd if=/dev/zero of=${path} bs=65536 count=1024 2>/dev/null; echo "dd=$? $(stat -c %s ${path})"`)
      .join('\n');
    const result = await sh(world, script, { tmpfsSizes: { tmp: cap, home: cap, shm: cap } });
    const lines = result.output.split('\n').filter((line) => line.startsWith('dd='));
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      const [status, size] = line.slice(3).split(' ');
      expect(status).not.toBe('0');
      expect(Number(size)).toBeLessThanOrEqual(cap);
    }
  });

  it.skipIf(SKIP_PY)('every syscall on the deny list fails with EPERM', async () => {
    const world = await makeWorld(mode);
    const names = ['io_uring_setup', 'keyctl', 'add_key', 'request_key', 'bpf', 'userfaultfd', 'perf_event_open', 'mount', 'umount2', 'pivot_root', 'chroot', 'open_tree', 'fsopen', 'fspick', 'open_by_handle_at', 'syslog'];
    const inside = await probes(world, names);
    expect(inside).toEqual(Object.fromEntries(names.map((name) => [name, EPERM])));
  });

  it.skipIf(SKIP_PY)('sockets other than UNIX/INET/INET6/NETLINK are refused with EAFNOSUPPORT', async () => {
    const world = await makeWorld(mode);
    const inside = await probes(world, ['socket_packet', 'socket_vsock', 'socket_alg', 'socket_bluetooth', 'socket_unix', 'socket_inet', 'socket_inet6', 'socket_netlink']);
    expect(inside).toEqual({
      socket_packet: EAFNOSUPPORT,
      socket_vsock: EAFNOSUPPORT,
      socket_alg: EAFNOSUPPORT,
      socket_bluetooth: EAFNOSUPPORT,
      socket_unix: 'ok',
      socket_inet: 'ok',
      socket_inet6: 'ok',
      socket_netlink: 'ok',
    });
  });

  it.skipIf(SKIP_PY)('a syscall through the x32 ABI kills the process', async () => {
    const world = await makeWorld(mode);
    const result = await sh(world, `/usr/bin/python3 -c 'import ctypes; ctypes.CDLL(None).syscall(0x40000000 | 39); print("survived")'; echo "status=$?"`);
    expect(result.output).not.toContain('survived');
    expect(result.output).toContain('status=159'); // 128 + SIGSYS
  });

  it.skipIf(SKIP)('the sandbox runs as an unprivileged host uid and sees no host processes', async () => {
    const world = await makeWorld(mode);
    const result = await sh(world, 'id -u; touch /project/owned; ls /proc | grep -c "^[0-9]"; ls /sys 2>&1 | head -1');
    const [uid, processes] = result.output.split('\n');
    expect(uid).toBe('1000');
    expect(Number(processes)).toBeLessThan(5);
    expect((await lstat(join(world.project, 'owned'))).uid).toBe(expectedHostUid);
  });

  it.skipIf(SKIP)('a NUL byte cannot smuggle extra bwrap options', async () => {
    const world = await makeWorld(mode);
    const viaEnv = await runAs(mode, request(world, ['/bin/true'], { env: { X: `a\0--bind\0/\0/host` } }));
    expect(viaEnv.error?.code).toBe('SANDBOX_UNSAFE');
    const viaCommand = await runAs(mode, request(world, ['/bin/sh', '-c', 'true\0--bind\0/\0/host']));
    expect(viaCommand.error?.code).toBe('SANDBOX_UNSAFE');
  });

  it.skipIf(SKIP_PY)('a fork bomb stops at the process limit', async () => {
    const world = await makeWorld(mode);
    const bomb = 'import os, time\nn = 0\ntry:\n    for _ in range(2000):\n        if os.fork() == 0:\n            time.sleep(2)\n            os._exit(0)\n        n += 1\nexcept OSError as e:\n    print("stopped", n, e.errno)\n';
    await writeFile(join(world.project, 'bomb.py'), bomb, { mode: 0o644 });
    const result = await sh(world, 'exec /usr/bin/python3 bomb.py', {}, { limits: { processes: 64 } });
    const match = /stopped (\d+) (\d+)/.exec(result.output);
    expect(match, result.output).not.toBeNull();
    expect(Number(match?.[1])).toBeLessThan(64);
    expect(Number(match?.[2])).toBe(11); // EAGAIN
  });

  it.skipIf(SKIP)('output is capped in memory however much the command writes', async () => {
    const world = await makeWorld(mode);
    const result = await sh(world, 'head -c 20000000 /dev/zero | tr "\\0" a; echo; echo tail-marker', {}, { maxOutputBytes: 1024 * 1024 });
    expect(result.output.length).toBeLessThanOrEqual(1024 * 1024);
    expect(result.outputTruncated).toBe(true);
    expect(result.output).toContain('tail-marker');
  });
});

describe.skipIf(SKIP_PY)('the attacks are real', () => {
  it('outside the sandbox, as a plain process, the same probes succeed', async () => {
    const world = await makeWorld('user');
    const { run } = await import('../../src/sys/process.js');
    const names = ['ptrace_traceme', 'process_vm_readv', 'keyctl', 'add_key', 'open_tree', 'clone3', 'socket_unix'];
    const ttyLegacy = readFileSync('/proc/sys/dev/tty/legacy_tiocsti', 'utf8').trim() === '1';
    if (ttyLegacy) names.push('tiocsti', 'tiocsti_high_bits');
    const result = await run('/usr/bin/python3', [join(world.project, 'syscalls.py'), ...names], {
      env: { PATH: '/usr/bin:/bin' },
      ...(IS_ROOT ? { uid: PLAIN_USER.uid, gid: PLAIN_USER.gid } : {}),
    });
    expect(parseJsonLine(result.stdout)).toEqual(Object.fromEntries(names.map((name) => [name, 'ok'])));
  });
});
