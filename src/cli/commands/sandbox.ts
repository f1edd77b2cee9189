import { fstatSync } from 'node:fs';
import type { Command } from 'commander';
import { OrchError } from '../../errors/index.js';
import { runInSandbox, type SandboxResult } from '../../sandbox/index.js';
import { parseDuration } from '../../sys/duration.js';
import { defineAction, type CommandHost } from '../command.js';
import { withSession } from '../context.js';
import type { Output } from '../output.js';
import { prepareExecSandbox } from './sandbox-layers.js';

/**
 * `orch sandbox exec PROJECT [--peers] -- CMD...`: run a command in the
 * sandbox a bead of PROJECT would get (for checking the walls): a private
 * copy-on-write layer over the target-branch tip, with --peers the granted
 * peers' snapshots, the project's env allow-list and network. Output streams
 * through; nothing lands (the layer is discarded). The exit code is the
 * command's (1..255 as it gave it), 124 when --timeout ended it, 130 on Ctrl-C.
 */

export const EXIT_TIMED_OUT = 124;
export const EXIT_INTERRUPTED = 130;
/** Piped stdin is read up front (the launcher takes it as bytes); more than this is refused. */
const MAX_STDIN_BYTES = 64 * 1024 * 1024;

/** Piped or redirected stdin, read to its end; undefined for a terminal (the sandbox gets /dev/null). */
async function readStdin(): Promise<Uint8Array | undefined> {
  if (process.stdin.isTTY) return undefined;
  let stats;
  try {
    stats = fstatSync(0);
  } catch {
    return undefined;
  }
  if (!stats.isFIFO() && !stats.isFile() && !stats.isSocket()) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_STDIN_BYTES) {
      throw new OrchError('USAGE', `stdin is over ${MAX_STDIN_BYTES / 1024 / 1024} MiB`, { hint: 'pass large inputs as files in the project instead, or use --no-stdin' });
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Ctrl-C or SIGTERM aborts the sandbox (and everything in it) instead of leaving it behind. */
function abortOnSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

function exitCodeOf(result: SandboxResult, output: Output, timeout: string | undefined): number {
  if (result.timedOut) {
    output.warn(`the command was killed after --timeout ${timeout ?? ''}`);
    return EXIT_TIMED_OUT;
  }
  if (result.cancelled) return EXIT_INTERRUPTED;
  return result.exitCode ?? 1;
}

interface ExecOptions {
  peers?: boolean;
  timeout?: string;
  stdin: boolean;
}

export function registerSandbox(program: Command, host: CommandHost): void {
  const sandbox = program.command('sandbox').description("a project's sandbox, for checking the walls");
  const exec = sandbox
    .command('exec <project> [command...]')
    .description("run a command in that project's sandbox: its target-branch tip copy-on-write at /project; nothing lands")
    .option('--peers', "also mount the granted peers' snapshots at /project/.shared/<peer>")
    .option('--timeout <duration>', 'kill the sandbox after this long, e.g. 30s')
    .option('--no-stdin', 'do not pass piped stdin to the command')
    .addHelpText(
      'after',
      [
        '',
        'Put the command after --, e.g. orch sandbox exec api -- sh -c "id; ls -la /project"',
        'Exit code: the command\'s own (so 1 and 2 may be the command\'s, not orch\'s),',
        `${EXIT_TIMED_OUT} when --timeout ended it, ${EXIT_INTERRUPTED} on Ctrl-C. Piped stdin is read to its end first.`,
      ].join('\n'),
    );
  defineAction<ExecOptions>(exec, host, async (options, output, args) => {
    const [projectName = '', ...command] = args;
    if (command.length === 0) {
      throw new OrchError('USAGE', 'say what to run after --', { hint: `orch sandbox exec ${projectName || 'PROJECT'} -- sh -c "id; ls /project"` });
    }
    const timeoutMs = options.timeout === undefined ? undefined : parseDuration(options.timeout);
    return withSession(options, output, async (session) => {
      const project = session.project(projectName);
      const input = options.stdin ? await readStdin() : undefined;
      const signals = abortOnSignals();
      const prepared = await prepareExecSandbox(session, project, { peers: options.peers === true }).catch((error: unknown) => {
        signals.dispose();
        throw error;
      });
      for (const warning of prepared.warnings) output.warn(warning);
      try {
        const result = await runInSandbox(prepared.spec, command, {
          signal: signals.signal,
          runDir: session.dirs.sandboxes,
          maxOutputBytes: 64 * 1024,
          onOutput: (chunk, stream) => (stream === 'stdout' ? process.stdout : process.stderr).write(chunk),
          ...(session.identity === undefined ? {} : { identity: session.identity }),
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
          ...(input === undefined ? {} : { input }),
        });
        return exitCodeOf(result, output, options.timeout);
      } finally {
        signals.dispose();
        await prepared.dispose();
      }
    });
  });
}
