export {
  BEAD_STATUSES,
  BEAD_TYPES,
  BEADS_DIR,
  PROJECT_NAME_PATTERN,
  beadFrontmatterSchema,
  beadKey,
  isBeadId,
  isDepRef,
  isScopeGlob,
  type Bead,
  type BeadStatus,
  type BeadType,
} from './schema.js';
export { formatBeadProblem, type BeadProblem, type BeadProblemKind } from './problem.js';
export { idFromFileName, parseBead, type BeadParseResult, type BeadRaw, type BeadSource } from './parse.js';
export { setBeadFields, type BeadFieldChanges } from './rewrite.js';
export { serializeNewBead, type NewBead } from './serialize.js';
export { newBeadId, type NewIdOptions, type RandomSource } from './id.js';
export { buildGraph, isValidBead, resolveDep, type BeadGraph, type GraphOptions } from './graph.js';
export { GraphCache, type GraphProject, type GraphUpdate } from './graph-cache.js';
export { compareBeads, deriveState, isReady, openDeps, readySet, type DerivedState, type StateName } from './ready.js';
export { ReadyCache } from './ready-cache.js';
export { compileScopeGlob, globsOverlap, scopeOverlaps, type ScopeGlob } from './overlap.js';
export { planWaves, type PlannedBead, type WaitReason, type Wave, type WaveOptions, type WavePlan } from './waves.js';
export { WavePlanner } from './wave-planner.js';
export type { SharedScope } from './shared-scopes.js';
