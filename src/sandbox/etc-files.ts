import type { SandboxPolicy } from './policy.js';

/**
 * The synthetic /etc files of a sandbox. The host's passwd and group never
 * enter: the sandbox knows only itself, root and nobody. Pure.
 */

export interface SandboxFiles {
  passwd: string;
  group: string;
  hosts: string;
}

export const AGENT_USER = 'agent';

/**
 * Host /etc entries bound read-only when they exist. Each bind costs launch
 * time, so the list is short: the dynamic loader's cache, Debian's
 * alternatives (awk, editor, ...), name-service order and the time zone.
 * Programs that reach a network (a proxy or full) also get TLS roots and the
 * protocol and service tables; only full network gets resolv.conf and hosts.
 */
export const HOST_ETC_ALLOW_LIST = ['/etc/ld.so.cache', '/etc/alternatives', '/etc/nsswitch.conf', '/etc/localtime'] as const;

export const HOST_ETC_FOR_NETWORK = ['/etc/ssl/certs', '/etc/ssl/openssl.cnf', '/etc/pki', '/etc/protocols', '/etc/services'] as const;

export const HOST_ETC_FULL_NETWORK = ['/etc/resolv.conf', '/etc/hosts', '/etc/gai.conf'] as const;

export function buildSandboxFiles(policy: Pick<SandboxPolicy, 'uid' | 'gid' | 'hostname'>): SandboxFiles {
  const { uid, gid, hostname } = policy;
  const passwd = [
    ...(uid === 0 ? [] : ['root:x:0:0:root:/root:/usr/sbin/nologin']),
    `${AGENT_USER}:x:${uid}:${gid}:${AGENT_USER}:/home/${AGENT_USER}:/bin/sh`,
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  ];
  const group = [
    ...(gid === 0 ? [] : ['root:x:0:']),
    `${AGENT_USER}:x:${gid}:`,
    'nogroup:x:65534:',
  ];
  const hosts = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', `127.0.1.1\t${hostname}`];
  return { passwd: `${passwd.join('\n')}\n`, group: `${group.join('\n')}\n`, hosts: `${hosts.join('\n')}\n` };
}
