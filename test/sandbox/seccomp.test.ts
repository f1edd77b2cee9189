import { describe, expect, it } from 'vitest';
import { isOrchError } from '../../src/errors/index.js';
import { buildSeccompProgram, hostSeccompArch, SECCOMP_RET } from '../../src/sandbox/seccomp.js';
import { AUDIT_ARCH, DENIED_SYSCALLS, SYSCALLS, type SeccompArch } from '../../src/sandbox/seccomp-table.js';
import { evaluate } from './bpf-interpreter.js';

const ALLOW = SECCOMP_RET.ALLOW;
const KILL = SECCOMP_RET.KILL_PROCESS;
const errno = (n: number): number => (SECCOMP_RET.ERRNO | n) >>> 0;
const EPERM = errno(1);

describe.each(['x86_64', 'aarch64'] as SeccompArch[])('the seccomp filter for %s', (arch) => {
  const program = buildSeccompProgram(arch);
  const nr = SYSCALLS[arch];
  const call = (name: keyof typeof nr, args: bigint[] = []): number => evaluate(program, { arch: AUDIT_ARCH[arch], nr: nr[name], args });

  it('is whole struct sock_filter records, small enough for the kernel (4096 instructions)', () => {
    expect(program.length % 8).toBe(0);
    expect(program.length / 8).toBeLessThan(4096);
  });

  it('kills a process calling with another architecture', () => {
    const other = arch === 'x86_64' ? AUDIT_ARCH.aarch64 : AUDIT_ARCH.x86_64;
    expect(evaluate(program, { arch: other, nr: 0 })).toBe(KILL);
    expect(evaluate(program, { arch: 0x40000003, nr: 0 })).toBe(KILL); // i386
    expect(evaluate(program, { arch: 0x40000028, nr: 0 })).toBe(KILL); // 32-bit arm
  });

  it('denies every listed syscall with EPERM', () => {
    for (const name of DENIED_SYSCALLS) expect(call(name), name).toBe(EPERM);
  });

  it('lets ordinary syscalls through', () => {
    for (const number of [0, 1, 2, 3, 57, 59, 60, 231]) {
      if (Object.values(nr).includes(number)) continue;
      expect(evaluate(program, { arch: AUDIT_ARCH[arch], nr: number })).toBe(ALLOW);
    }
  });

  it('denies clone with CLONE_NEWUSER, whatever else is set, and allows a plain fork or thread', () => {
    expect(call('clone', [0x10000000n])).toBe(EPERM);
    expect(call('clone', [0x10000000n | 0x11n])).toBe(EPERM);
    expect(call('clone', [0xffffffff_10000000n])).toBe(EPERM);
    expect(call('clone', [0x01200011n])).toBe(ALLOW); // fork()
    expect(call('clone', [0x003d0f00n])).toBe(ALLOW); // pthread_create
  });

  it('answers clone3 with ENOSYS so libc falls back to clone', () => {
    expect(call('clone3')).toBe(errno(38));
  });

  it('denies TIOCSTI and TIOCLINUX on the low 32 bits, so high bits do not slip past', () => {
    for (const request of [0x5412n, 0x541cn, 0x1_00005412n, 0xffffffff_00005412n, 0xdead0000_0000541cn]) {
      expect(call('ioctl', [0n, request]), request.toString(16)).toBe(EPERM);
    }
    expect(call('ioctl', [0n, 0x5413n])).toBe(ALLOW); // TIOCGWINSZ
    expect(call('ioctl', [0n, 0x5401n])).toBe(ALLOW); // TCGETS
    expect(call('ioctl', [0x5412n, 0n])).toBe(ALLOW); // the fd number is not the request
  });

  it('allows only UNIX, INET, INET6 and NETLINK sockets', () => {
    for (const family of [1n, 2n, 10n, 16n]) expect(call('socket', [family])).toBe(ALLOW);
    for (const family of [0n, 3n, 4n, 5n, 17n, 31n, 38n, 40n, 44n, 45n]) expect(call('socket', [family]), String(family)).toBe(errno(97));
  });
});

describe('architecture specifics', () => {
  it('kills x32 ABI syscalls on x86_64', () => {
    const program = buildSeccompProgram('x86_64');
    expect(evaluate(program, { arch: AUDIT_ARCH.x86_64, nr: 0x40000000 | 39 })).toBe(KILL);
    expect(evaluate(program, { arch: AUDIT_ARCH.x86_64, nr: 0x40000000 | 101 })).toBe(KILL);
  });

  it('uses the generic table on aarch64, not the x86_64 numbers', () => {
    const program = buildSeccompProgram('aarch64');
    // 101 is ptrace on x86_64 but nanosleep on aarch64.
    expect(evaluate(program, { arch: AUDIT_ARCH.aarch64, nr: 101 })).toBe(ALLOW);
    expect(evaluate(program, { arch: AUDIT_ARCH.aarch64, nr: 117 })).toBe(EPERM);
  });

  it('names the host architecture and refuses others', () => {
    expect(hostSeccompArch('x64')).toBe('x86_64');
    expect(hostSeccompArch('arm64')).toBe('aarch64');
    expect(() => hostSeccompArch('ia32')).toThrow();
    try {
      hostSeccompArch('riscv64');
    } catch (error) {
      expect(isOrchError(error, 'SANDBOX_UNAVAILABLE')).toBe(true);
    }
  });
});
