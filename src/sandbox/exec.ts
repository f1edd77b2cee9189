import { launchSandbox, type LaunchOptions, type SandboxResult } from './launcher.js';
import {
  DEFAULT_TMPFS_SIZES,
  type ExtraBind,
  type NetworkPolicy,
  type PeerMount,
  type ProjectMount,
  type SandboxPolicy,
  type TmpfsSizes,
} from './policy.js';
import { describeHostRoot } from './tools.js';

/**
 * The convenient front door: a policy with defaults filled in, then a
 * launch. `orch sandbox exec` and the engine's agent and validate steps call
 * this; tests and the bench too.
 */

export interface SandboxSpec {
  project: ProjectMount;
  peers?: PeerMount[];
  /** Host directory bound read-only at /orch; or give lessonsFile/promptFile instead. */
  orchDir?: string;
  lessonsFile?: string;
  promptFile?: string;
  extraRoBinds?: ExtraBind[];
  /** Already filtered from the project's `env` allow-list. */
  env?: Record<string, string>;
  network?: NetworkPolicy;
  tmpfsSizes?: Partial<TmpfsSizes>;
  uid?: number;
  gid?: number;
  hostname?: string;
}

export const DEFAULT_AGENT_ID = 1000;

/** A complete policy from a spec: agent uid/gid 1000, hostname `sandbox`, no network, default tmpfs sizes. */
export function makePolicy(spec: SandboxSpec): SandboxPolicy {
  return {
    project: spec.project,
    peers: spec.peers ?? [],
    ...(spec.orchDir === undefined ? {} : { orchDir: spec.orchDir }),
    ...(spec.lessonsFile === undefined ? {} : { lessonsFile: spec.lessonsFile }),
    ...(spec.promptFile === undefined ? {} : { promptFile: spec.promptFile }),
    extraRoBinds: spec.extraRoBinds ?? [],
    env: spec.env ?? {},
    tmpfsSizes: { ...DEFAULT_TMPFS_SIZES, ...spec.tmpfsSizes },
    network: spec.network ?? 'none',
    uid: spec.uid ?? DEFAULT_AGENT_ID,
    gid: spec.gid ?? DEFAULT_AGENT_ID,
    hostname: spec.hostname ?? 'sandbox',
    hostRoot: describeHostRoot(),
  };
}

export function runInSandbox(spec: SandboxSpec, command: readonly string[], options: LaunchOptions = {}): Promise<SandboxResult> {
  return launchSandbox(makePolicy(spec), command, options);
}
