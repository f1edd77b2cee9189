/** The snapshot area's public surface: filtered peer snapshots, base checkouts, consent. */
export { takeSnapshot, takeCheckout, writeSnapshot, readSnapshotFiles, type TakeSnapshotOptions, type TakeCheckoutOptions, type WrittenSnapshot } from './take-snapshot.js';
export { type Snapshot, type Provenance } from './cache.js';
export { collectGarbage } from './gc.js';
export { peerAllowed, explainPeerDenial, assertPeerAllowed, grantedPeers, type SharingProject } from './consent.js';
export { checkPath, compileFilter, BUILTIN_DENY, type PathCheck, type PathFilter, type SkipReason } from './filter.js';
export { DEFAULT_CAPS, describeEscape, type SizeCaps } from './limits.js';
export { type Owner } from './blob-writer.js';
export { type Skipped, type SnapshotKind, type FileMode } from './tree-walk.js';
