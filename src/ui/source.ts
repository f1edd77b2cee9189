/**
 * What the dashboard reads, besides engine events. The CLI wires a real
 * implementation over the workspace; tests use a scripted one. Every method
 * may be called again at any time (the server re-queries, debounced, after
 * engine events) and must not mutate what it returned before.
 */

/** Derived state of a bead, as `orch list` shows it. Unknown strings render grey. */
export type BeadState =
  | 'ready'
  | 'claimed'
  | 'running'
  | 'blocked'
  | 'deferred'
  | 'proposed'
  | 'closed'
  | 'failed'
  | 'invalid';

export interface ProjectInfo {
  name: string;
  path: string;
  branch: string;
  /** "none", "full" or "allow: a, b". */
  network: string;
  warnings: string[];
}

export interface BeadInfo {
  project: string;
  id: string;
  title: string;
  /** The status written in the bead file. */
  status: string;
  /** The derived state (BeadState, or another string the engine invents later). */
  state: string;
  priority: number;
  /** As written: `id` in the same project or `project:id` in another. */
  deps: string[];
  files: string[];
  /** Deps that are not closed yet (same notation as deps). */
  blockedBy: string[];
  /** The planned wave (1-based) for a ready bead, when the plan places it. */
  wave?: number;
}

export interface ClaimInfo {
  project: string;
  bead: string;
  holder: string;
  host: string;
  pid: number;
  /** Epoch milliseconds. */
  leaseUntil: number;
}

export interface RunRecordInfo {
  /** The commit on refs/orch/runs/<bead>. */
  commit: string;
  /** The parsed run.json. */
  runJson: unknown;
  /** The tail of output.log, when the source has it at hand. */
  output?: string;
}

export interface ProposalInfo {
  id: string;
  project: string;
  slug: string;
  title: string;
  /** Unified diff of the proposal branch against knowledge main. */
  diff: string;
}

export interface ProblemInfo {
  project: string;
  file: string;
  line?: number;
  reason: string;
}

export interface DashboardSource {
  projects(): Promise<ProjectInfo[]>;
  beads(): Promise<BeadInfo[]>;
  claims(): Promise<ClaimInfo[]>;
  /** Newest first. An unknown project or bead may throw OrchError PROJECT_UNKNOWN / BEAD_NOT_FOUND (-> 404). */
  runs(project: string, bead: string): Promise<RunRecordInfo[]>;
  /** Unified diff text of the run's work tree against its base. */
  runDiff(project: string, runCommit: string): Promise<string>;
  proposals(): Promise<ProposalInfo[]>;
  problems(): Promise<ProblemInfo[]>;
}
