import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { allowedEnv, snapshotPeers, takeBaseCheckout } from '../../engine/bead-sandbox.js';
import type { Session } from '../../engine/session.js';
import { OrchError } from '../../errors/index.js';
import { resolveCommit } from '../../git/exec.js';
import type { PeerMount, SandboxSpec } from '../../sandbox/index.js';
import type { Snapshot } from '../../snapshot/index.js';
import type { ProjectConfig } from '../../workspace/index.js';

/**
 * The host side of `orch sandbox exec`: a base checkout of the project's
 * target-branch tip (cached per tree, owned by the sandbox uid when orch runs
 * as root), a private upper layer under `.orch/run/sandboxes/exec-<random>/`,
 * and with `peers` the granted peers' snapshots. dispose() releases the
 * cached snapshots and removes the private directory: nothing lands.
 */

export interface ExecSandbox {
  dir: string;
  spec: SandboxSpec;
  /** The commit whose tree is at /project. */
  tip: string;
  warnings: string[];
  dispose(): Promise<void>;
}

async function resolveTip(project: ProjectConfig): Promise<string> {
  const tip = await resolveCommit(project.path, `refs/heads/${project.branch}`);
  if (tip === undefined) {
    throw new OrchError('BRANCH_NOT_FOUND', `project ${project.name} has no branch ${project.branch} with a commit in ${project.path}`, {
      hint: `commit something on ${project.branch}, or set the project's branch in .orch/workspace.yaml`,
    });
  }
  return tip;
}

function networkOf(project: ProjectConfig, warnings: string[]): SandboxSpec['network'] {
  if (project.network === 'full') {
    warnings.push(`project ${project.name} has network: full: the sandbox shares the host network`);
    return 'full';
  }
  if (project.network !== 'none') {
    warnings.push(`project ${project.name} allows ${project.network.allow.join(', ')}, but sandbox exec starts no proxy: the command gets no network`);
  }
  return 'none';
}

export async function prepareExecSandbox(session: Session, project: ProjectConfig, options: { peers: boolean }): Promise<ExecSandbox> {
  const tip = await resolveTip(project);
  await mkdir(session.dirs.sandboxes, { recursive: true, mode: 0o755 });
  const dir = join(session.dirs.sandboxes, `exec-${randomBytes(6).toString('hex')}`);
  await mkdir(dir, { mode: 0o755 });
  const held: Snapshot[] = [];
  const dispose = async (): Promise<void> => {
    for (const snapshot of held.splice(0)) snapshot.release();
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };
  try {
    const upper = join(dir, 'upper');
    const work = join(dir, 'work');
    await mkdir(upper, { mode: 0o755 });
    await mkdir(work, { mode: 0o755 });
    const base = await takeBaseCheckout(session, project, tip);
    held.push(base);
    const warnings: string[] = [];
    let peers: PeerMount[] = [];
    if (options.peers) {
      const taken = await snapshotPeers(session, project);
      held.push(...taken.snapshots);
      warnings.push(...taken.warnings);
      if (project.peers.length === 0) warnings.push(`--peers: project ${project.name} lists no peers`);
      peers = taken.mounts;
    }
    const spec: SandboxSpec = {
      project: { overlay: { lower: [base.dir], upper, work } },
      peers,
      env: allowedEnv(project),
      network: networkOf(project, warnings),
    };
    return { dir, spec, tip, warnings, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
