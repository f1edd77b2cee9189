/**
 * Syscall numbers the seccomp filter names, per architecture. Taken from the
 * kernel's tables: arch/x86/entry/syscalls/syscall_64.tbl for x86_64 and the
 * generic include/uapi/asm-generic/unistd.h that aarch64 uses. The two
 * differ except for the syscalls added since 5.1 (io_uring, the new mount
 * API, clone3), which share one numbering.
 */

export type SeccompArch = 'x86_64' | 'aarch64';

export const AUDIT_ARCH: Record<SeccompArch, number> = {
  x86_64: 0xc000003e,
  aarch64: 0xc00000b7,
};

/** Syscalls denied outright with EPERM. */
export const DENIED_SYSCALLS = [
  'ptrace',
  'process_vm_readv',
  'process_vm_writev',
  'io_uring_setup',
  'io_uring_enter',
  'io_uring_register',
  'keyctl',
  'add_key',
  'request_key',
  'bpf',
  'userfaultfd',
  'perf_event_open',
  'unshare',
  'setns',
  'mount',
  'umount2',
  'pivot_root',
  'chroot',
  'open_tree',
  'move_mount',
  'fsopen',
  'fsconfig',
  'fsmount',
  'fspick',
  'mount_setattr',
  'open_tree_attr',
  'open_by_handle_at',
  'syslog',
] as const;

/** Syscalls whose arguments the filter inspects. */
export const INSPECTED_SYSCALLS = ['clone', 'clone3', 'ioctl', 'socket'] as const;

export type SyscallName = (typeof DENIED_SYSCALLS)[number] | (typeof INSPECTED_SYSCALLS)[number];

export const SYSCALLS: Record<SeccompArch, Record<SyscallName, number>> = {
  x86_64: {
    ptrace: 101,
    process_vm_readv: 310,
    process_vm_writev: 311,
    io_uring_setup: 425,
    io_uring_enter: 426,
    io_uring_register: 427,
    keyctl: 250,
    add_key: 248,
    request_key: 249,
    bpf: 321,
    userfaultfd: 323,
    perf_event_open: 298,
    unshare: 272,
    setns: 308,
    mount: 165,
    umount2: 166,
    pivot_root: 155,
    chroot: 161,
    open_tree: 428,
    move_mount: 429,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
    mount_setattr: 442,
    open_tree_attr: 467,
    open_by_handle_at: 304,
    syslog: 103,
    clone: 56,
    clone3: 435,
    ioctl: 16,
    socket: 41,
  },
  aarch64: {
    ptrace: 117,
    process_vm_readv: 270,
    process_vm_writev: 271,
    io_uring_setup: 425,
    io_uring_enter: 426,
    io_uring_register: 427,
    keyctl: 219,
    add_key: 217,
    request_key: 218,
    bpf: 280,
    userfaultfd: 282,
    perf_event_open: 241,
    unshare: 97,
    setns: 268,
    mount: 40,
    umount2: 39,
    pivot_root: 41,
    chroot: 51,
    open_tree: 428,
    move_mount: 429,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
    mount_setattr: 442,
    open_tree_attr: 467,
    open_by_handle_at: 265,
    syslog: 116,
    clone: 220,
    clone3: 435,
    ioctl: 29,
    socket: 198,
  },
};

/** x86_64 syscalls with this bit set are the x32 ABI: a second syscall table the filter must not let through. */
export const X32_SYSCALL_BIT = 0x40000000;

export const CLONE_NEWUSER = 0x10000000;
export const TIOCSTI = 0x5412;
export const TIOCLINUX = 0x541c;

/** Socket families a sandbox may open: AF_UNIX, AF_INET, AF_INET6, AF_NETLINK. */
export const ALLOWED_SOCKET_FAMILIES = [1, 2, 10, 16] as const;

export const ERRNO = { EPERM: 1, ENOSYS: 38, EAFNOSUPPORT: 97 } as const;
