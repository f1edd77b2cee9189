import { chownSync, lstatSync } from 'node:fs';
import { OrchError } from '../errors/index.js';
import { assertReachable, chownTree, type HostIdentity } from './identity.js';
import type { SandboxPolicy } from './policy.js';

/**
 * Before a sandbox starts as an unprivileged uid (orch running as root): the
 * directories it writes become that uid's, and every mount source must be
 * reachable by it, since bwrap opens them as that uid. A tree whose top is
 * already owned by the uid is taken as handed over by whoever made it (the
 * checkout code creates base checkouts that way), so it is not walked again.
 */

async function giveTree(dir: string, identity: HostIdentity): Promise<void> {
  const stats = lstatSync(dir);
  if (stats.uid === identity.uid && stats.gid === identity.gid) return;
  await chownTree(dir, identity);
}

/** Overlay lower layers must belong to the uid that mounts them, or copy-up fails. */
function assertLowerOwned(dir: string, uid: number): void {
  const stats = lstatSync(dir);
  if (stats.uid !== uid) {
    throw new OrchError('SANDBOX_UNAVAILABLE', `overlay base ${dir} belongs to uid ${stats.uid}, not to the sandbox uid ${uid}`, {
      data: { dir, owner: stats.uid, uid },
      hint: 'create base checkouts owned by the sandbox uid (chownTree), or use a plain checkout',
    });
  }
}

/** `createdMountPoints`: the mount points the launcher just made inside the checkout (they become the uid's too). */
export async function handOver(policy: SandboxPolicy, identity: HostIdentity | undefined, createdMountPoints: readonly string[] = []): Promise<void> {
  const owner = identity?.uid ?? process.getuid?.() ?? -1;
  if ('overlay' in policy.project) {
    for (const dir of policy.project.overlay.lower) assertLowerOwned(dir, owner);
  }
  if (identity === undefined) return;
  for (const path of createdMountPoints) chownSync(path, identity.uid, identity.gid);
  if ('dir' in policy.project) {
    await giveTree(policy.project.dir, identity);
    await assertReachable(policy.project.dir, identity, 'write', 'the checkout');
  } else {
    const { lower, upper, work } = policy.project.overlay;
    await giveTree(upper, identity);
    await giveTree(work, identity);
    await assertReachable(upper, identity, 'write', 'the overlay upper layer');
    await assertReachable(work, identity, 'write', 'the overlay work dir');
    for (const dir of lower) await assertReachable(dir, identity, 'read', 'the overlay base');
  }
  for (const peer of policy.peers) await assertReachable(peer.dir, identity, 'read', `peer ${peer.name}`);
  if (policy.orchDir !== undefined) await assertReachable(policy.orchDir, identity, 'read', 'the /orch dir');
  if (policy.lessonsFile !== undefined) await assertReachable(policy.lessonsFile, identity, 'read', 'the lessons file');
  if (policy.promptFile !== undefined) await assertReachable(policy.promptFile, identity, 'read', 'the prompt file');
  for (const bind of policy.extraRoBinds) await assertReachable(bind.source, identity, 'read', 'the bind source');
  if (typeof policy.network === 'object') await assertReachable(policy.network.proxySocket, identity, 'write', 'the proxy socket');
}

export function handOverPrivateDir(privateDir: string, merged: string, identity: HostIdentity): void {
  chownSync(privateDir, identity.uid, identity.gid);
  chownSync(merged, identity.uid, identity.gid);
}
