import { OrchError } from '../errors/index.js';
import type { ForwarderStep } from './forwarder.js';
import { ulimitArgs, type SandboxLimits } from './limits.js';
import type { OverlayLayers } from './policy.js';
import { SANDBOX_FDS } from './profile.js';

/**
 * The program the launcher actually spawns: bwrap, optionally behind an
 * `unshare -Urm` + `sh` step that mounts the overlay first, and inside it a
 * tiny `sh` start step that sets the limits and execs the command. Every step execs the next, so the spawned pid is bwrap's
 * and descriptors 3.. pass straight through. Pure.
 */

export interface SandboxTools {
  bwrap: string;
  sh: string;
  unshare?: string;
  mount?: string;
}

/**
 * Mounts the overlay on "$2" with options "$1" using the mount binary "$3",
 * then execs the rest. Paths arrive as positional arguments, never inside
 * the script text.
 */
export const OVERLAY_SCRIPT = 'set -e; mount_bin=$3; "$mount_bin" -t overlay overlay -o "$1" "$2"; shift 3; cd /; unset PWD OLDPWD; exec "$@"';

/**
 * The first program inside the sandbox. It sets the resource limits ($1-$4:
 * nproc, nofile, address space in KiB, file size in 512-byte blocks; "-"
 * leaves one alone; `-p` is dash's and busybox's nproc, `-u` bash's), then
 * reports "setup done" on the started descriptor, closes it, and execs the
 * command (same pid). bwrap's own setup errors and a failing command both
 * exit 1; the marker tells them apart. A limit that cannot be set stops the
 * launch before the marker.
 */
const LIMIT_STEPS = [
  '[ "$1" = - ] || ulimit -p "$1" 2>/dev/null || ulimit -u "$1" || exit 126',
  '[ "$2" = - ] || ulimit -n "$2" || exit 126',
  '[ "$3" = - ] || ulimit -v "$3" || exit 126',
  '[ "$4" = - ] || ulimit -f "$4" || exit 126',
];

const STARTED_STEPS = [`printf . >&${SANDBOX_FDS.started}`, `exec ${SANDBOX_FDS.started}>&-`, 'exec "$@"'];

export const START_SCRIPT = [...LIMIT_STEPS, 'shift 4', ...STARTED_STEPS].join('; ');

/**
 * START_SCRIPT with the network forwarder ($5 node, $6 script, $7 port, $8
 * socket) started in the background after the limits and before the
 * command. `$(... &)` returns once the forwarder closes its stdout, which it
 * does after printing `ready` when it listens; anything else stops the launch.
 */
export const START_WITH_FORWARDER_SCRIPT = [
  ...LIMIT_STEPS,
  'ready=$("$5" -e "$6" "$7" "$8" </dev/null &)',
  '[ "$ready" = ready ] || { echo "orch: the network forwarder did not start" >&2; exit 126; }',
  'shift 8',
  ...STARTED_STEPS,
].join('; ');

/** The shell inside the sandbox (/bin is a link into /usr or a bound directory). */
export const SANDBOX_SH = '/bin/sh';

export function overlayOptions(layers: OverlayLayers): string {
  return `lowerdir=${layers.lower.join(':')},upperdir=${layers.upper},workdir=${layers.work},userxattr`;
}

export interface LaunchChainInput {
  tools: SandboxTools;
  /** The command run inside the sandbox (it is on bwrap's argv: bwrap reads only options from --args). */
  command: readonly string[];
  limits: SandboxLimits;
  /** The engine's hard limits (default: read from /proc/self/limits); limits are clamped to them. */
  hardLimits?: SandboxLimits;
  overlay?: { layers: OverlayLayers; merged: string };
  /** Start the network forwarder before the command (network: {allow}). */
  forwarder?: ForwarderStep;
}

/** [file, ...args] to spawn. Throws when a needed tool is missing. */
export function buildLaunchChain(input: LaunchChainInput): [string, ...string[]] {
  const { tools } = input;
  if (input.command.length === 0) throw new Error('a sandbox needs a command');
  for (const arg of input.command) {
    if (arg.includes('\0')) throw new OrchError('SANDBOX_UNSAFE', 'a command argument contains a NUL byte');
  }
  const { forwarder } = input;
  const start =
    forwarder === undefined
      ? [START_SCRIPT, 'orch-start', ...ulimitArgs(input.limits, input.hardLimits)]
      : [START_WITH_FORWARDER_SCRIPT, 'orch-start', ...ulimitArgs(input.limits, input.hardLimits), forwarder.node, forwarder.script, String(forwarder.port), forwarder.socket];
  let chain: string[] = [tools.bwrap, '--args', String(SANDBOX_FDS.args), '--', SANDBOX_SH, '-c', ...start, ...input.command];
  if (input.overlay !== undefined) {
    if (tools.unshare === undefined || tools.mount === undefined) {
      throw new OrchError('SANDBOX_UNAVAILABLE', 'an overlay sandbox needs unshare and mount (util-linux)', { hint: 'install util-linux, or use a plain checkout' });
    }
    chain = [
      tools.unshare,
      '--map-root-user',
      '--mount',
      '--',
      tools.sh,
      '-c',
      OVERLAY_SCRIPT,
      'orch-overlay',
      overlayOptions(input.overlay.layers),
      input.overlay.merged,
      tools.mount,
      ...chain,
    ];
  }
  const [file, ...args] = chain;
  return [file ?? tools.bwrap, ...args];
}
