import { z } from 'zod';
import { parseDuration } from '../sys/duration.js';

/**
 * `.orch/workspace.yaml`, version 1 (SPEC §1 "Workspace"). Every object is
 * strict: an unknown key is an error that names the key and its line.
 */

export const WORKSPACE_VERSION = 1;
export const AGENT_PRESETS = ['script', 'claude', 'codex', 'aider', 'gemini'] as const;
export type AgentPreset = (typeof AGENT_PRESETS)[number];

export const PROJECT_NAME = /^[a-z][a-z0-9-]{0,39}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A host (optionally :port) for the network allow-list; `*.example.com` allowed. */
const HOST = /^(?:\*\.)?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d{1,5})?$/;

const positiveInt = (what: string) =>
  z.number({ error: `${what} must be a whole number` }).int({ error: `${what} must be a whole number` }).min(1, { error: `${what} must be at least 1` });

const nonEmpty = (what: string) =>
  z.string({ error: `${what} must be text` }).refine((value) => value.trim() !== '', { error: `${what} may not be empty` });

const projectName = z
  .string({ error: 'a project name must be text' })
  .regex(PROJECT_NAME, { error: 'a project name is lower-case letters, digits and -, starting with a letter, at most 40 characters' });

const duration = z.string({ error: 'timeout must be a duration like 20m, 90s or 1h30m' }).refine(
  (value) => {
    try {
      return parseDuration(value) > 0;
    } catch {
      return false;
    }
  },
  { error: 'timeout must be a duration like 20m, 90s or 1h30m' },
);

const durationOf = (what: string) =>
  z.string({ error: `${what} must be a duration like 30s or 2m` }).refine(
    (value) => {
      try {
        return parseDuration(value) > 0;
      } catch {
        return false;
      }
    },
    { error: `${what} must be a duration like 30s or 2m` },
  );

/** A remote name (origin), a URL, or a path to a bare repository; never something git reads as an option. */
const remoteUrl = nonEmpty('remote').refine((value) => !value.startsWith('-') && !/[\0\r\n]/.test(value), {
  error: 'remote must be a remote name (origin), a URL (git://host/repo.git) or a path, not starting with -',
});

const branch = nonEmpty('branch').refine((value) => !/[\s~^:?*[\\]|\.\.|@\{|^[-/.]|[/.]$|\.lock$/.test(value), {
  error: 'branch must be a valid git branch name, like main',
});

const agent = z.union(
  [
    z.enum(AGENT_PRESETS),
    z
      .array(z.string().refine((arg) => !arg.includes('\0')), { error: 'agent must be a preset name or a command array' })
      .min(1, { error: 'an agent command array needs at least the program to run' })
      .refine((argv) => (argv[0] ?? '').trim() !== '', { error: 'the first element of an agent command (the program) may not be empty' }),
  ],
  { error: `agent must be one of ${AGENT_PRESETS.join(', ')}, or a command array like [my-agent, "{prompt_file}"]` },
);

const network = z.union(
  [
    z.literal('none'),
    z.literal('full'),
    z.strictObject({
      allow: z
        .array(z.string().regex(HOST, { error: 'each allowed host is a host name, optionally with :port, like api.anthropic.com' }))
        .min(1, { error: 'network.allow needs at least one host' }),
    }),
  ],
  { error: 'network must be none, full, or {allow: [host, ...]}' },
);

export const projectSchema = z.strictObject({
  name: projectName,
  path: nonEmpty('path'),
  branch: branch.optional(),
  agent: agent.optional(),
  validate: z.array(z.string(), { error: 'validate must be a command array like [npm, test]' }).min(1, { error: 'validate needs at least the program to run' }).optional(),
  maxAgents: positiveInt('maxAgents').optional(),
  timeout: duration.optional(),
  network: network.optional(),
  env: z.array(z.string().regex(ENV_NAME, { error: 'env lists variable names like ANTHROPIC_API_KEY' }), { error: 'env must be a list of variable names' }).optional(),
  peers: z.array(projectName, { error: 'peers must be a list of project names' }).optional(),
  share: z.array(z.union([projectName, z.literal('*')], { error: 'share lists project names or "*"' }), { error: 'share must be a list of project names or ["*"]' }).optional(),
  remote: z
    .union([remoteUrl, z.strictObject({ url: remoteUrl, lease: durationOf('remote.lease').optional(), poll: durationOf('remote.poll').optional() })], {
      error: 'remote must be a remote name, URL or path, or {url, lease, poll}',
    })
    .optional(),
});

export const workspaceSchema = z.strictObject({
  version: z.literal(WORKSPACE_VERSION, { error: `version must be ${WORKSPACE_VERSION}` }),
  knowledge: nonEmpty('knowledge').default('./knowledge'),
  reviewers: z.array(nonEmpty('a reviewer'), { error: 'reviewers must be a list of names' }).default([]),
  maxAgents: positiveInt('maxAgents').default(3),
  projects: z.array(projectSchema, { error: 'projects must be a list' }).default([]),
  snapshot: z
    .strictObject({
      deny: z.array(nonEmpty('a deny pattern'), { error: 'snapshot.deny must be a list of globs' }).default([]),
      maxFileBytes: positiveInt('snapshot.maxFileBytes').optional(),
      maxTotalBytes: positiveInt('snapshot.maxTotalBytes').optional(),
    })
    .optional(),
  lessons: z.strictObject({ budgetTokens: positiveInt('lessons.budgetTokens').optional() }).optional(),
});

export type WorkspaceFile = z.output<typeof workspaceSchema>;
export type ProjectEntry = z.output<typeof projectSchema>;

export type NetworkPolicy = 'none' | 'full' | { allow: string[] };

/** A project after normalisation: absolute path, every default filled in. */
export interface ProjectConfig {
  name: string;
  /** Absolute. */
  path: string;
  /** The target branch (bead commits land here). */
  branch: string;
  /** A preset name or a command array. */
  agent: AgentPreset | string[];
  validate: string[] | undefined;
  maxAgents: number;
  timeoutMs: number;
  network: NetworkPolicy;
  env: string[];
  peers: string[];
  share: string[];
  /** The shared remote that arbitrates claims and receives landings (issue 10), or undefined: this machine only. */
  remote: RemoteConfig | undefined;
  /** Line of the project's entry in workspace.yaml (for messages). */
  line: number;
}

export interface RemoteConfig {
  /** What git push/fetch are given: a remote name, a URL, or an absolute path. */
  url: string;
  /** Claim lease on the remote; holders renew every third of it. */
  leaseMs: number;
  /** How often a watcher fetches the remote's branch and claims. */
  pollMs: number;
}

export interface WorkspaceConfig {
  /** The workspace directory (holding `.orch/`), absolute. */
  root: string;
  /** The config file, absolute. */
  file: string;
  version: typeof WORKSPACE_VERSION;
  /** Absolute path of the knowledge repo. */
  knowledge: string;
  reviewers: string[];
  maxAgents: number;
  projects: ProjectConfig[];
  snapshot: { deny: string[]; maxFileBytes: number | undefined; maxTotalBytes: number | undefined };
  lessons: { budgetTokens: number };
}

export const DEFAULTS = {
  agent: 'script' as AgentPreset,
  branch: 'main',
  timeout: '20m',
  network: 'none' as NetworkPolicy,
  lessonBudgetTokens: 1500,
  remoteLease: '30s',
  remotePoll: '2s',
};
