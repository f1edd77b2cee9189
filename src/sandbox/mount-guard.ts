import { lstatSync } from 'node:fs';
import { mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { OrchError } from '../errors/index.js';
import type { SandboxPolicy } from './policy.js';

/**
 * Mount points that bwrap would create inside the checkout are made here
 * first, after checking every component with lstat: a symlink (or anything
 * that is not a directory) planted where a mount point goes aborts the run,
 * so bwrap never follows it to a host directory. Only `.shared` lives in the
 * checkout; the peers' mount points sit on a tmpfs mounted over it.
 */

/** Mount points inside the checkout, relative to it, parents first. */
export function mountPointsInCheckout(policy: SandboxPolicy): string[] {
  return policy.peers.length > 0 ? ['.shared'] : [];
}

type Kind = 'absent' | 'dir';

/** One lstat, synchronous (microseconds; a thread-pool round trip costs more). */
function kindOf(path: string, layer: string): Kind {
  let stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw error;
  }
  if (stats.isSymbolicLink()) {
    throw new OrchError('SANDBOX_UNSAFE', `${path} is a symlink where the sandbox mounts something; refusing to start`, {
      data: { path, layer },
      hint: 'remove the symlink from the checkout (it was planted by the tree or an earlier run)',
    });
  }
  if (!stats.isDirectory()) {
    throw new OrchError('SANDBOX_UNSAFE', `${path} is not a directory but the sandbox mounts something there; refusing to start`, {
      data: { path, layer },
      hint: 'remove that file from the checkout',
    });
  }
  return 'dir';
}

/** The layers that make up /project, the writable one first. */
function layersOf(policy: SandboxPolicy): string[] {
  return 'dir' in policy.project ? [policy.project.dir] : [policy.project.overlay.upper, ...policy.project.overlay.lower];
}

/**
 * Checks each component of each mount point in every layer and creates the
 * missing ones in the writable layer. Returns the host paths it created,
 * deepest last, for `removeCreatedMountPoints`.
 */
export async function prepareMountPoints(policy: SandboxPolicy): Promise<string[]> {
  const layers = layersOf(policy);
  const writable = layers[0] ?? '';
  for (const layer of layers) kindOf(layer, layer);
  const created: string[] = [];
  for (const relative of mountPointsInCheckout(policy)) {
    const parts = relative.split('/');
    for (let depth = 1; depth <= parts.length; depth += 1) {
      const prefix = parts.slice(0, depth).join('/');
      const kinds = layers.map((layer) => kindOf(join(layer, prefix), layer));
      if (kinds.every((kind) => kind === 'absent')) {
        const path = join(writable, prefix);
        await mkdir(path, { mode: 0o755 });
        created.push(path);
      }
    }
  }
  return created;
}

/** Removes the empty mount points made by `prepareMountPoints` (never anything else). */
export async function removeCreatedMountPoints(created: readonly string[]): Promise<void> {
  for (const path of [...created].reverse()) {
    await rmdir(path).catch(() => undefined);
  }
}
