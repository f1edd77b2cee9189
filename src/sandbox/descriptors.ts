import { closeSync, readdirSync, readFileSync } from 'node:fs';

/**
 * Descriptor hygiene before a sandbox starts. Node opens everything it owns
 * close-on-exec, and passes a child only the stdio it is given. A descriptor
 * this process inherited without close-on-exec (a leaky parent shell, a
 * socket handed down by a supervisor) would still pass into every child and
 * on into the sandbox, where bwrap keeps it open. Such descriptors are closed
 * here: orch never uses a descriptor it did not open.
 */

const O_CLOEXEC = 0o2000000;

/** Parses the `flags:` line of /proc/<pid>/fdinfo/<fd> (octal). Pure. */
export function parseFdinfoFlags(text: string): number | undefined {
  const match = /^flags:\s*([0-7]+)$/m.exec(text);
  return match?.[1] === undefined ? undefined : parseInt(match[1], 8);
}

/** Descriptors >= 3 of this process that a child would inherit. */
export function findInheritableDescriptors(): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc/self/fdinfo');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const name of names) {
    const fd = Number(name);
    if (!Number.isInteger(fd) || fd < 3) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    } catch {
      continue; // closed meanwhile (e.g. the directory handle of readdirSync)
    }
    const flags = parseFdinfoFlags(text);
    if (flags !== undefined && (flags & O_CLOEXEC) === 0) out.push(fd);
  }
  return out;
}

/** Closes every inheritable descriptor >= 3; returns the ones it closed. */
export function closeInheritableDescriptors(): number[] {
  const fds = findInheritableDescriptors();
  for (const fd of fds) {
    try {
      closeSync(fd);
    } catch {
      // already gone
    }
  }
  return fds;
}
