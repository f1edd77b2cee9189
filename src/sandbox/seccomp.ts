import { OrchError } from '../errors/index.js';
import {
  ALLOWED_SOCKET_FAMILIES,
  AUDIT_ARCH,
  CLONE_NEWUSER,
  DENIED_SYSCALLS,
  ERRNO,
  SYSCALLS,
  TIOCLINUX,
  TIOCSTI,
  X32_SYSCALL_BIT,
  type SeccompArch,
} from './seccomp-table.js';

/**
 * The sandbox's seccomp filter as a classic-BPF program (struct sock_filter:
 * u16 code, u8 jt, u8 jf, u32 k, little endian), generated here rather than
 * with libseccomp. bwrap reads it from a descriptor (`--seccomp FD`) and
 * installs it on the command after setting no_new_privs.
 *
 * Layout: wrong architecture (and the x32 ABI) kills the process; listed
 * syscalls fail with EPERM; clone with CLONE_NEWUSER fails with EPERM; clone3
 * fails with ENOSYS (its flags live in memory the filter cannot read, and libc
 * falls back to clone); ioctl TIOCSTI/TIOCLINUX fail with EPERM, compared on
 * the low 32 bits only because the kernel ignores the high ones; socket
 * families other than UNIX/INET/INET6/NETLINK fail with EAFNOSUPPORT.
 */

const BPF = {
  LD_W_ABS: 0x20,
  JEQ_K: 0x15,
  JGE_K: 0x35,
  JSET_K: 0x45,
  RET_K: 0x06,
} as const;

export const SECCOMP_RET = {
  KILL_PROCESS: 0x80000000,
  ERRNO: 0x00050000,
  ALLOW: 0x7fff0000,
} as const;

/** Offsets into struct seccomp_data. Argument words are little endian: the low half comes first. */
const DATA = {
  nr: 0,
  arch: 4,
  argLow: (index: number): number => 16 + 8 * index,
} as const;

type Label = 'allow' | 'eperm' | 'enosys' | 'kill' | 'clone' | 'ioctl' | 'socket';

type Instruction =
  | { op: 'ld'; offset: number }
  | { op: 'jeq' | 'jge' | 'jset'; k: number; jt: Label | null; jf: Label | null }
  | { op: 'ret'; k: number }
  | { op: 'label'; name: Label };

/** Resolves labels into relative jumps and encodes the program. */
function assemble(program: Instruction[]): Uint8Array {
  const positions = new Map<Label, number>();
  const real: Exclude<Instruction, { op: 'label' }>[] = [];
  for (const ins of program) {
    if (ins.op === 'label') positions.set(ins.name, real.length);
    else real.push(ins);
  }
  const out = new Uint8Array(real.length * 8);
  const view = new DataView(out.buffer);
  real.forEach((ins, index) => {
    let code: number;
    let jt = 0;
    let jf = 0;
    let k: number;
    if (ins.op === 'ld') {
      code = BPF.LD_W_ABS;
      k = ins.offset;
    } else if (ins.op === 'ret') {
      code = BPF.RET_K;
      k = ins.k;
    } else {
      code = ins.op === 'jeq' ? BPF.JEQ_K : ins.op === 'jge' ? BPF.JGE_K : BPF.JSET_K;
      k = ins.k;
      const offset = (label: Label | null): number => {
        if (label === null) return 0;
        const target = positions.get(label);
        if (target === undefined) throw new Error(`seccomp: unknown label ${label}`);
        const delta = target - index - 1;
        if (delta < 0 || delta > 255) throw new Error(`seccomp: jump to ${label} out of range (${delta})`);
        return delta;
      };
      jt = offset(ins.jt);
      jf = offset(ins.jf);
    }
    view.setUint16(index * 8, code, true);
    view.setUint8(index * 8 + 2, jt);
    view.setUint8(index * 8 + 3, jf);
    view.setUint32(index * 8 + 4, k >>> 0, true);
  });
  return out;
}

function jeq(k: number, jt: Label | null, jf: Label | null = null): Instruction {
  return { op: 'jeq', k, jt, jf };
}

/** The filter for one architecture, ready to hand to bwrap. Pure. */
export function buildSeccompProgram(arch: SeccompArch): Uint8Array {
  const nr = SYSCALLS[arch];
  const program: Instruction[] = [
    { op: 'ld', offset: DATA.arch },
    jeq(AUDIT_ARCH[arch], null, 'kill'),
    { op: 'ld', offset: DATA.nr },
  ];
  if (arch === 'x86_64') program.push({ op: 'jge', k: X32_SYSCALL_BIT, jt: 'kill', jf: null });
  for (const name of DENIED_SYSCALLS) program.push(jeq(nr[name], 'eperm'));
  program.push(
    jeq(nr.clone, 'clone'),
    jeq(nr.clone3, 'enosys'),
    jeq(nr.ioctl, 'ioctl'),
    jeq(nr.socket, 'socket'),
    { op: 'ret', k: SECCOMP_RET.ALLOW },
    // clone(flags, ...): flags are the first argument on both architectures.
    { op: 'label', name: 'clone' },
    { op: 'ld', offset: DATA.argLow(0) },
    { op: 'jset', k: CLONE_NEWUSER, jt: 'eperm', jf: 'allow' },
    // ioctl(fd, request, ...): the kernel reads request as 32 bits, so must we.
    { op: 'label', name: 'ioctl' },
    { op: 'ld', offset: DATA.argLow(1) },
    jeq(TIOCSTI, 'eperm'),
    jeq(TIOCLINUX, 'eperm', 'allow'),
    // socket(domain, ...): domain is an int.
    { op: 'label', name: 'socket' },
    { op: 'ld', offset: DATA.argLow(0) },
    ...ALLOWED_SOCKET_FAMILIES.map((family) => jeq(family, 'allow')),
    { op: 'ret', k: SECCOMP_RET.ERRNO | ERRNO.EAFNOSUPPORT },
    { op: 'label', name: 'allow' },
    { op: 'ret', k: SECCOMP_RET.ALLOW },
    { op: 'label', name: 'eperm' },
    { op: 'ret', k: SECCOMP_RET.ERRNO | ERRNO.EPERM },
    { op: 'label', name: 'enosys' },
    { op: 'ret', k: SECCOMP_RET.ERRNO | ERRNO.ENOSYS },
    { op: 'label', name: 'kill' },
    { op: 'ret', k: SECCOMP_RET.KILL_PROCESS },
  );
  return assemble(program);
}

/** The architecture of this host, as the filter knows it. */
export function hostSeccompArch(arch: string = process.arch): SeccompArch {
  if (arch === 'x64') return 'x86_64';
  if (arch === 'arm64') return 'aarch64';
  throw new OrchError('SANDBOX_UNAVAILABLE', `no seccomp filter for the ${arch} architecture`, {
    hint: 'orch sandboxes run on x86_64 and aarch64 Linux',
    data: { arch },
  });
}
