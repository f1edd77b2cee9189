import { SANDBOX_PATHS } from '../sandbox/policy.js';

/**
 * One interface for every agent. An adapter is pure: it turns a bead and its
 * context into a LaunchPlan (files to write under /orch, an argv to run in
 * /project, a few binds); the engine executes the plan inside the sandbox.
 */

/** The bead as an agent sees it. `body` excludes the frontmatter; `rawText` is the whole file. */
export interface AgentBead {
  id: string;
  title: string;
  project: string;
  body: string;
  /** Declared write scope (globs, repo-relative); empty when the bead declares none. */
  files: readonly string[];
  deps: readonly string[];
  rawText: string;
}

/** The project's `network` setting, as the prompt describes it to the agent. */
export type AgentNetwork = 'none' | 'full' | { allow: readonly string[] };

export interface AgentInput {
  bead: AgentBead;
  /** `.agents/beads/<id>.md`, repo-relative. */
  beadPathInProject: string;
  /** The approved lessons in scope, rendered (may be empty); the engine also binds it at /orch/LESSONS.md. */
  lessonsText: string;
  /** Peer names readable under /project/.shared/<peer>/. */
  peers: readonly string[];
  projectName: string;
  /** Default 'none'. */
  network?: AgentNetwork;
}

/** A file the engine writes into the sandbox before the agent starts. */
export interface PlanFile {
  /** Absolute, under /orch/. */
  sandboxPath: string;
  content: string;
  /** Permission bits, e.g. 0o644. */
  mode: number;
}

/** A host path bound read-only into the sandbox (an agent installed outside /usr). */
export interface ReadOnlyBind {
  host: string;
  sandbox: string;
}

export interface AgentPlan {
  files: PlanFile[];
  /** argv run inside the sandbox, working directory /project. */
  command: string[];
  /** Non-secret extra variables (e.g. PATH for an agent outside /usr). Secrets come only via the project's `env`. */
  env?: Record<string, string>;
  roBinds?: ReadOnlyBind[];
  /** Things the person should hear before the run (e.g. a preset's API host is not in the network allow-list). */
  warnings?: string[];
}

export interface AgentAdapter {
  /** `script`, a preset name, or `command` for a raw argv. */
  readonly name: string;
  plan(input: AgentInput): AgentPlan;
}

/** Where things live inside the sandbox (the sandbox profile's own paths, plus /orch for plan files). */
export const SANDBOX = {
  project: SANDBOX_PATHS.project,
  orch: '/orch',
  prompt: SANDBOX_PATHS.prompt,
  lessons: SANDBOX_PATHS.lessons,
  shared: SANDBOX_PATHS.shared,
} as const;

/** The absolute sandbox path of a bead file (`{bead_file}`). */
export function sandboxBeadPath(input: Pick<AgentInput, 'beadPathInProject'>): string {
  return `${SANDBOX.project}/${input.beadPathInProject}`;
}
