import { existsSync } from 'node:fs';
import { OrchError } from '../errors/index.js';
import { run } from '../sys/process.js';

/**
 * overlayfs keeps some of its state in extended attributes of the upper
 * layer (`user.overlay.*` for an unprivileged userxattr mount,
 * `trusted.overlay.*` otherwise): `opaque` marks a directory that replaced the
 * lower one, `redirect` a renamed directory, `metacopy` a file whose data
 * still lives below. Node has no xattr API, so the few paths that need it
 * (directories present in both layers, files copied up from the base) are
 * read in one python3 call through the process wrapper.
 */

export interface OverlayXattrs {
  opaque?: string;
  redirect?: string;
  metacopy?: string;
}

const SCRIPT = `
import json, os, sys
out = {}
for raw in sys.stdin.buffer.read().split(b"\\0"):
    if not raw:
        continue
    try:
        names = set(os.listxattr(raw, follow_symlinks=False))
    except OSError:
        names = set()
    found = {}
    for key in ("opaque", "redirect", "metacopy"):
        for ns in ("user", "trusted"):
            name = ns + ".overlay." + key
            if name in names:
                try:
                    found[key] = os.getxattr(raw, name, follow_symlinks=False).decode("latin1")
                except OSError:
                    found[key] = ""
    out[raw.decode("utf-8", "surrogateescape")] = found
json.dump(out, sys.stdout)
`;

const PYTHON = ['/usr/bin/python3', '/usr/local/bin/python3'];

export async function readOverlayXattrs(paths: readonly string[]): Promise<Map<string, OverlayXattrs>> {
  const out = new Map<string, OverlayXattrs>();
  if (paths.length === 0) return out;
  const python = PYTHON.find((p) => existsSync(p));
  if (python === undefined) {
    throw new OrchError('SANDBOX_UNAVAILABLE', 'reading overlayfs attributes needs python3, which is not installed', {
      hint: 'install python3 (apt-get install python3-minimal)',
    });
  }
  const result = await run(python, ['-I', '-S', '-c', SCRIPT], { input: `${paths.join('\0')}\0`, timeoutMs: 60_000 });
  const parsed = JSON.parse(result.stdout) as Record<string, OverlayXattrs>;
  for (const [path, attrs] of Object.entries(parsed)) out.set(path, attrs);
  return out;
}
