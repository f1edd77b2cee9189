import { OrchError } from '../errors/index.js';

/**
 * Two-sided consent for peer snapshots (SPEC §3.5): the reader lists the
 * owner in `peers`, and the owner lists the reader (or "*") in `share`.
 * Pure; takes plain project objects, so workspace/ wires its config in.
 */

export interface SharingProject {
  name: string;
  /** Projects this one wants read-only snapshots of. */
  peers?: readonly string[];
  /** Projects that may read this one; "*" = any project that asks. */
  share?: readonly string[];
}

/** Why `reader` may not read `owner`, or undefined when both sides agree. */
export function explainPeerDenial(reader: SharingProject, owner: SharingProject): string | undefined {
  if (reader.name === owner.name) return `project ${reader.name} cannot be its own peer`;
  const wants = (reader.peers ?? []).includes(owner.name);
  const shares = (owner.share ?? []).some((name) => name === '*' || name === reader.name);
  if (!wants && !shares) return `${reader.name} does not list ${owner.name} in peers, and ${owner.name} does not list ${reader.name} in share`;
  if (!wants) return `${reader.name} does not list ${owner.name} in peers`;
  if (!shares) return `${owner.name} does not share with ${reader.name} (its share list: ${(owner.share ?? []).join(', ') || 'empty'})`;
  return undefined;
}

export function peerAllowed(reader: SharingProject, owner: SharingProject): boolean {
  return explainPeerDenial(reader, owner) === undefined;
}

/** Throws SNAPSHOT_DENIED unless both sides consent. */
export function assertPeerAllowed(reader: SharingProject, owner: SharingProject): void {
  const why = explainPeerDenial(reader, owner);
  if (why === undefined) return;
  throw new OrchError('SNAPSHOT_DENIED', `no snapshot of ${owner.name} for ${reader.name}: ${why}`, {
    data: { reader: reader.name, owner: owner.name },
    hint: `add ${owner.name} to ${reader.name}'s peers and ${reader.name} (or "*") to ${owner.name}'s share in .orch/workspace.yaml`,
  });
}

/** The peers `reader` will actually get: those it asks for that also share with it. */
export function grantedPeers(reader: SharingProject, projects: readonly SharingProject[]): SharingProject[] {
  return projects.filter((owner) => (reader.peers ?? []).includes(owner.name) && peerAllowed(reader, owner));
}
