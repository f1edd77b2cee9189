import { describe, expect, it } from 'vitest';
import { isOrchError } from '../../src/errors/index.js';
import { makePolicy } from '../../src/sandbox/exec.js';
import { buildSandboxFiles } from '../../src/sandbox/etc-files.js';
import { MERGED_USR_ROOT, type SandboxPolicy } from '../../src/sandbox/policy.js';
import { buildBwrapArgs, encodeArgs, SANDBOX_FDS } from '../../src/sandbox/profile.js';

function policy(overrides: Partial<SandboxPolicy> = {}): SandboxPolicy {
  return {
    ...makePolicy({ project: { dir: '/work/checkout' }, peers: [{ name: 'web', dir: '/snap/web' }, { name: 'api', dir: '/snap/api' }] }),
    hostRoot: MERGED_USR_ROOT,
    ...overrides,
  };
}

/** Index of the first `option` whose next arguments equal `rest`. */
function indexOf(args: string[], option: string, ...rest: string[]): number {
  return args.findIndex((arg, i) => arg === option && rest.every((value, j) => args[i + 1 + j] === value));
}

function expectUnsafe(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    expect(isOrchError(error, 'SANDBOX_UNSAFE'), String(error)).toBe(true);
    return;
  }
  throw new Error('expected SANDBOX_UNSAFE');
}

describe('buildBwrapArgs', () => {
  it('unshares every namespace and hardens the process', () => {
    const args = buildBwrapArgs(policy());
    for (const flag of ['--unshare-user', '--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try', '--disable-userns', '--die-with-parent', '--new-session', '--as-pid-1', '--clearenv']) {
      expect(args, flag).toContain(flag);
    }
    expect(indexOf(args, '--cap-drop', 'ALL')).toBeGreaterThanOrEqual(0);
    expect(indexOf(args, '--seccomp', String(SANDBOX_FDS.seccomp))).toBeGreaterThanOrEqual(0);
  });

  it('is an allow-list: never binds the host root or /etc wholesale', () => {
    const args = buildBwrapArgs(policy({ network: 'full' }));
    for (let i = 0; i < args.length; i += 1) {
      if (args[i]?.includes('bind')) {
        expect(args[i + 1], `${args[i]} ${args[i + 1]}`).not.toBe('/');
        expect(args[i + 1]).not.toBe('/etc');
        expect(args[i + 1]).not.toMatch(/^\/(root|home|var|run|sys)\b/);
      }
    }
    expect(indexOf(args, '--ro-bind', '/usr', '/usr')).toBeGreaterThanOrEqual(0);
    expect(indexOf(args, '--symlink', 'usr/bin', '/bin')).toBeGreaterThanOrEqual(0);
    expect(indexOf(args, '--symlink', 'usr/lib64', '/lib64')).toBeGreaterThanOrEqual(0);
  });

  it('puts --size right before each --tmpfs', () => {
    const args = buildBwrapArgs(policy({ tmpfsSizes: { tmp: 1_000_000, home: 2_000_000, shm: 3_000_000 } }));
    expect(indexOf(args, '--size', '1000000', '--tmpfs', '/tmp')).toBeGreaterThanOrEqual(0);
    expect(indexOf(args, '--size', '2000000', '--tmpfs', '/home/agent')).toBeGreaterThanOrEqual(0);
    expect(indexOf(args, '--size', '3000000', '--tmpfs', '/dev/shm')).toBeGreaterThanOrEqual(0);
    args.forEach((arg, i) => {
      if (arg === '--tmpfs') expect(args[i - 2], `tmpfs ${args[i + 1]}`).toBe('--size');
    });
  });

  it('mounts the project, then a read-only .shared tmpfs, then the peers under it; /dev is made read-only after /dev/shm', () => {
    const args = buildBwrapArgs(policy());
    const project = indexOf(args, '--bind', '/work/checkout', '/project');
    const shared = indexOf(args, '--tmpfs', '/project/.shared');
    const api = indexOf(args, '--ro-bind', '/snap/api', '/project/.shared/api');
    const web = indexOf(args, '--ro-bind', '/snap/web', '/project/.shared/web');
    const sharedRo = indexOf(args, '--remount-ro', '/project/.shared');
    expect(project).toBeGreaterThan(0);
    expect(shared).toBeGreaterThan(project);
    expect(api).toBeGreaterThan(shared);
    expect(web).toBeGreaterThan(api);
    expect(sharedRo).toBeGreaterThan(web);
    expect(indexOf(args, '--remount-ro', '/dev')).toBeGreaterThan(indexOf(args, '--tmpfs', '/dev/shm'));
    expect(indexOf(args, '--dev', '/dev')).toBeLessThan(indexOf(args, '--tmpfs', '/dev/shm'));
  });

  it('remounts / read-only after every other mount and chdirs to /project', () => {
    const args = buildBwrapArgs(policy({ lessonsFile: '/k/LESSONS.md', promptFile: '/k/PROMPT.md', extraRoBinds: [{ source: '/opt/agent', dest: '/opt/agent' }] }));
    const remount = indexOf(args, '--remount-ro', '/');
    const mountOptions = ['--bind', '--ro-bind', '--ro-bind-try', '--tmpfs', '--proc', '--dev', '--symlink', '--file', '--remount-ro'];
    args.forEach((arg, i) => {
      if (mountOptions.includes(arg) && i !== remount) expect(i, `${arg} ${args[i + 1]}`).toBeLessThan(remount);
    });
    expect(args.slice(-2)).toEqual(['--chdir', '/project']);
    expect(indexOf(args, '--ro-bind', '/k/LESSONS.md', '/orch/LESSONS.md')).toBeGreaterThan(0);
    expect(indexOf(args, '--ro-bind', '/k/PROMPT.md', '/orch/PROMPT.md')).toBeGreaterThan(0);
    expect(indexOf(args, '--ro-bind', '/opt/agent', '/opt/agent')).toBeGreaterThan(0);
  });

  it('binds an orch dir read-only at /orch, and refuses it together with single files', () => {
    expect(indexOf(buildBwrapArgs(policy({ orchDir: '/run/x/orch' })), '--ro-bind', '/run/x/orch', '/orch')).toBeGreaterThan(0);
    expectUnsafe(() => buildBwrapArgs(policy({ orchDir: '/run/x/orch', promptFile: '/k/PROMPT.md' })));
  });

  it('writes synthetic passwd, group and hosts from descriptors, never the host files', () => {
    const args = buildBwrapArgs(policy());
    expect(indexOf(args, '--perms', '0444', '--file', String(SANDBOX_FDS.passwd), '/etc/passwd')).toBeGreaterThan(0);
    expect(indexOf(args, '--perms', '0444', '--file', String(SANDBOX_FDS.group), '/etc/group')).toBeGreaterThan(0);
    expect(indexOf(args, '--perms', '0444', '--file', String(SANDBOX_FDS.hosts), '/etc/hosts')).toBeGreaterThan(0);
    expect(args).not.toContain('/etc/resolv.conf');
    const files = buildSandboxFiles({ uid: 1000, gid: 1000, hostname: 'sandbox' });
    expect(files.passwd).toContain('agent:x:1000:1000:agent:/home/agent:/bin/sh');
    expect(files.passwd.split('\n').filter(Boolean)).toHaveLength(3);
    expect(files.group).toContain('agent:x:1000:');
  });

  it('shares the host network only for network: full, with resolv.conf', () => {
    const full = buildBwrapArgs(policy({ network: 'full' }));
    expect(full).not.toContain('--unshare-net');
    expect(indexOf(full, '--ro-bind-try', '/etc/resolv.conf', '/etc/resolv.conf')).toBeGreaterThan(0);
    const proxied = buildBwrapArgs(policy({ network: { proxySocket: '/run/orch/p.sock' } }));
    expect(proxied).toContain('--unshare-net');
    expect(indexOf(proxied, '--bind', '/run/orch/p.sock', '/run/orch/proxy.sock')).toBeGreaterThan(0);
    expect(indexOf(proxied, '--setenv', 'ORCH_PROXY_SOCKET', '/run/orch/proxy.sock')).toBeGreaterThan(0);
  });

  it('sets the allowed environment and keeps HOME, USER and LOGNAME its own', () => {
    const args = buildBwrapArgs(policy({ env: { API_KEY: 'k', HOME: '/root', USER: 'root', PATH: '/opt/bin:/usr/bin' } }));
    expect(indexOf(args, '--setenv', 'API_KEY', 'k')).toBeGreaterThan(0);
    expect(indexOf(args, '--setenv', 'HOME', '/home/agent')).toBeGreaterThan(0);
    expect(indexOf(args, '--setenv', 'USER', 'agent')).toBeGreaterThan(0);
    expect(indexOf(args, '--setenv', 'PATH', '/opt/bin:/usr/bin')).toBeGreaterThan(0);
    expect(indexOf(args, '--setenv', 'HOME', '/root')).toBe(-1);
    expect(args.indexOf('--clearenv')).toBeLessThan(args.indexOf('--setenv'));
  });

  it('builds an overlay project from the merged dir the launcher provides', () => {
    const overlay = policy({ project: { overlay: { lower: ['/base/a', '/base/b'], upper: '/s/upper', work: '/s/work' } } });
    expect(indexOf(buildBwrapArgs(overlay, '/s/merged'), '--bind', '/s/merged', '/project')).toBeGreaterThan(0);
    expect(() => buildBwrapArgs(overlay)).toThrow();
  });

  it('refuses policies that could mount the wrong thing', () => {
    expectUnsafe(() => buildBwrapArgs(policy({ env: { X: 'a\0--bind\0/\0/x' } })));
    expectUnsafe(() => buildBwrapArgs(policy({ env: { 'BAD NAME': 'x' } })));
    expectUnsafe(() => buildBwrapArgs(policy({ peers: [{ name: '../etc', dir: '/snap' }] })));
    expectUnsafe(() => buildBwrapArgs(policy({ peers: [{ name: 'web', dir: '/a' }, { name: 'web', dir: '/b' }] })));
    expectUnsafe(() => buildBwrapArgs(policy({ project: { dir: 'relative/dir' } })));
    expectUnsafe(() => buildBwrapArgs(policy({ project: { dir: '/a/../etc' } })));
    expectUnsafe(() => buildBwrapArgs(policy({ extraRoBinds: [{ source: '/opt/x', dest: '/project/x' }] })));
    expectUnsafe(() => buildBwrapArgs(policy({ extraRoBinds: [{ source: '/opt/x', dest: '/' }] })));
    expectUnsafe(() => buildBwrapArgs(policy({ extraRoBinds: [{ source: '/opt/x', dest: '/etc/x' }] })));
    expectUnsafe(() => buildBwrapArgs(policy({ extraRoBinds: [{ source: '/opt/x', dest: '/home' }] })));
    expectUnsafe(() => buildBwrapArgs(policy({ project: { overlay: { lower: ['/a,upperdir=/etc'], upper: '/u', work: '/w' } } })));
    expectUnsafe(() => buildBwrapArgs(policy({ project: { overlay: { lower: [], upper: '/u', work: '/w' } } })));
    expectUnsafe(() => buildBwrapArgs(policy({ uid: 65534 })));
    expectUnsafe(() => buildBwrapArgs(policy({ tmpfsSizes: { tmp: 0, home: 4096, shm: 4096 } })));
    expectUnsafe(() => buildBwrapArgs(policy({ hostname: 'a b' })));
  });
});

describe('encodeArgs', () => {
  it('NUL-terminates each option for --args and refuses embedded NULs', () => {
    expect(new TextDecoder().decode(encodeArgs(['--a', 'b c']))).toBe('--a\0b c\0');
    expectUnsafe(() => encodeArgs(['--a', 'x\0y']));
  });
});
