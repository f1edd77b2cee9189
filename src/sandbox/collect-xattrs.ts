import { existsSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { OrchError } from '../errors/index.js';
import { spawnProcess } from '../sys/process.js';

/**
 * overlayfs keeps some of its state in extended attributes of the upper
 * layer (`user.overlay.*` for an unprivileged userxattr mount,
 * `trusted.overlay.*` otherwise): `opaque` marks a directory that replaced the
 * lower one, `redirect` a renamed directory, `metacopy` a file whose data
 * still lives below. Node has no xattr API, so the few paths that need it
 * (directories present in both layers, files copied up from the base) are
 * read by python3 through the process wrapper: one long-lived reader per
 * orch process (a python start costs 15-25 ms, more than the rest of a
 * collect), started on first use, answering requests in order. It holds
 * nothing open but its pipes, does not keep orch alive (unref'd), and exits
 * when orch closes its stdin or dies.
 */

export interface OverlayXattrs {
  opaque?: string;
  redirect?: string;
  metacopy?: string;
}

/**
 * A request is the paths, each ended by NUL, then one more NUL (paths are
 * never empty); the answer is one line of JSON, path -> found attributes.
 */
const SCRIPT = `
import json, os, sys
def attrs(raw):
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
    return found
inp = sys.stdin.buffer
buf = b""
while True:
    chunk = inp.read1(65536)
    if not chunk:
        break
    buf += chunk
    while True:
        end = buf.find(b"\\0\\0")
        if end < 0:
            break
        request, buf = buf[:end], buf[end + 2:]
        out = {}
        for raw in request.split(b"\\0"):
            out[raw.decode("utf-8", "surrogateescape")] = attrs(raw)
        sys.stdout.write(json.dumps(out) + "\\n")
        sys.stdout.flush()
`;

const PYTHON = ['/usr/bin/python3', '/usr/local/bin/python3'];

/** An answer slower than this ends the reader (a respawn serves the next request). */
const REQUEST_TIMEOUT_MS = 60_000;

interface Pending {
  resolve: (answer: Record<string, OverlayXattrs>) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

function unref(handle: unknown): void {
  (handle as { unref?: () => void } | null | undefined)?.unref?.();
}

class XattrReader {
  private readonly child: ReturnType<typeof spawnProcess>;
  private readonly pending: Pending[] = [];
  private text = '';
  private failure: Error | undefined;

  constructor(python: string, private readonly onGone: (reader: XattrReader) => void) {
    this.child = spawnProcess(python, ['-I', '-S', '-c', SCRIPT], { cwd: '/', stdio: ['pipe', 'pipe', 'ignore'] });
    const stdout = this.child.stdout as Readable | null;
    const stdin = this.child.stdin as Writable | null;
    stdout?.setEncoding('utf8');
    stdout?.on('data', (chunk: string) => this.receive(chunk));
    stdin?.on('error', (error: Error) => this.fail(error));
    void this.child.then((result) => {
      this.fail(new OrchError('SANDBOX_FAILED', `the overlay attribute reader exited (${String(result.exitCode ?? result.signal)})`));
    });
    unref(this.child);
    unref(stdout);
    unref(stdin);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  read(paths: readonly string[]): Promise<Record<string, OverlayXattrs>> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new OrchError('PROCESS_TIMEOUT', `reading overlay attributes took over ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      unref(timer);
      this.pending.push({ resolve, reject, timer });
      this.child.stdin?.write(`${paths.join('\0')}\0\0`);
    });
  }

  private receive(chunk: string): void {
    this.text += chunk;
    for (;;) {
      const newline = this.text.indexOf('\n');
      if (newline < 0) return;
      const line = this.text.slice(0, newline);
      this.text = this.text.slice(newline + 1);
      const request = this.pending.shift();
      if (request === undefined) {
        this.fail(new OrchError('SANDBOX_FAILED', 'the overlay attribute reader answered a question it was not asked'));
        return;
      }
      clearTimeout(request.timer);
      try {
        request.resolve(JSON.parse(line) as Record<string, OverlayXattrs>);
      } catch (error) {
        request.reject(new OrchError('SANDBOX_FAILED', 'the overlay attribute reader answered something that is not JSON', { cause: error }));
      }
    }
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.onGone(this);
    for (const request of this.pending.splice(0)) {
      clearTimeout(request.timer);
      request.reject(error);
    }
    this.child.kill('SIGKILL');
  }
}

let reader: XattrReader | undefined;

function readerFor(python: string): XattrReader {
  reader ??= new XattrReader(python, (gone) => {
    if (reader === gone) reader = undefined;
  });
  return reader;
}

/** The running reader's pid, if one is running (tests stop it to check the respawn). */
export function overlayXattrReaderPid(): number | undefined {
  return reader?.pid;
}

export async function readOverlayXattrs(paths: readonly string[]): Promise<Map<string, OverlayXattrs>> {
  const out = new Map<string, OverlayXattrs>();
  if (paths.length === 0) return out;
  const python = PYTHON.find((p) => existsSync(p));
  if (python === undefined) {
    throw new OrchError('SANDBOX_UNAVAILABLE', 'reading overlayfs attributes needs python3, which is not installed', {
      hint: 'install python3 (apt-get install python3-minimal)',
    });
  }
  let parsed: Record<string, OverlayXattrs>;
  try {
    parsed = await readerFor(python).read(paths);
  } catch {
    // The reader died (killed, or timed out): once more with a fresh one.
    parsed = await readerFor(python).read(paths);
  }
  for (const [path, attrs] of Object.entries(parsed)) out.set(path, attrs);
  return out;
}
