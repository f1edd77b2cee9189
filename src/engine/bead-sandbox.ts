import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { resolveAgent, type AgentPlan } from '../agents/index.js';
import type { Bead } from '../beads/index.js';
import { isOrchError } from '../errors/index.js';
import { renderLessons } from '../knowledge/index.js';
import { startNetworkProxy, type NetworkProxy, type PeerMount, type ProxyLogEntry, type SandboxSpec } from '../sandbox/index.js';
import { grantedPeers, readSnapshotFiles, takeCheckout, takeSnapshot, type SizeCaps, type Snapshot } from '../snapshot/index.js';
import type { ProjectConfig, WorkspaceConfig } from '../workspace/index.js';
import type { Session } from './session.js';

/**
 * Everything one bead's sandbox needs on the host: the base checkout of the
 * target tip (read-only, cached per tree and shared by a wave), a private
 * copy-on-write layer, the granted peers' snapshots, the lessons and the
 * agent's files under /orch. `dispose()` tears it down after recording.
 */
export interface PreparedSandbox {
  dir: string;
  upper: string;
  base: Snapshot;
  baseFiles: Map<string, { oid: string; mode: string; size: number }>;
  spec: SandboxSpec;
  plan: AgentPlan;
  lessons: string[];
  warnings: string[];
  /** Requests through the network proxy (network: {allow}), the first NETWORK_LOG_LIMIT of them; `dropped` counts the rest. */
  network: { log: ProxyLogEntry[]; dropped: number };
  dispose(): Promise<void>;
}

export const NETWORK_LOG_LIMIT = 1000;

/** The allow-list proxy for one sandbox, its socket in the sandbox's run dir. */
async function startProxyFor(project: ProjectConfig, dir: string, record: PreparedSandbox['network']): Promise<NetworkProxy | undefined> {
  if (typeof project.network !== 'object') return undefined;
  return startNetworkProxy({
    allow: project.network.allow,
    socketPath: join(dir, 'proxy.sock'),
    onLog: (entry) => {
      if (record.log.length < NETWORK_LOG_LIMIT) record.log.push(entry);
      else record.dropped += 1;
    },
  });
}

export function newRunId(clockNow: number): string {
  return `${clockNow.toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** The project's `env` allow-list, read from orch's own environment: nothing else crosses. */
export function allowedEnv(project: ProjectConfig, source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of project.env) {
    const value = source[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

async function readLessons(session: Session, project: ProjectConfig, warnings: string[]): Promise<{ text: string; ids: string[] }> {
  try {
    const rendered = await renderLessons(session.config.knowledge, project.name, { budgetTokens: session.config.lessons.budgetTokens });
    return { text: rendered.text, ids: [...rendered.included] };
  } catch (error) {
    // Fail closed: an unverifiable knowledge repo injects nothing, loudly.
    const message = isOrchError(error) ? error.message : String(error);
    if (isOrchError(error, 'KNOWLEDGE_UNVERIFIED')) warnings.push(`lessons NOT injected: ${message}`);
    else if (!isOrchError(error, 'NOT_A_REPO') && !isOrchError(error, 'KNOWLEDGE_INVALID')) warnings.push(`lessons not injected: ${message}`);
    return { text: '', ids: [] };
  }
}

/** The workspace's snapshot size caps, as the snapshot layer takes them. */
export function snapshotCapsOf(config: WorkspaceConfig): Partial<SizeCaps> {
  return {
    ...(config.snapshot.maxFileBytes === undefined ? {} : { maxFileBytes: config.snapshot.maxFileBytes }),
    ...(config.snapshot.maxTotalBytes === undefined ? {} : { maxTotalBytes: config.snapshot.maxTotalBytes }),
  };
}

export interface PeerSnapshots {
  mounts: PeerMount[];
  /** Release each once the sandbox using it is gone. */
  snapshots: Snapshot[];
  warnings: string[];
}

/** Snapshots of the peers that granted `project` access (both sides consent); a peer that cannot be read is left out, loudly. */
export async function snapshotPeers(session: Session, project: ProjectConfig): Promise<PeerSnapshots> {
  const granted = grantedPeers(project, session.config.projects);
  const out: PeerSnapshots = { mounts: [], snapshots: [], warnings: [] };
  for (const peer of granted) {
    const owner = session.project(peer.name);
    try {
      const snapshot = await takeSnapshot({
        repo: owner.path,
        branch: owner.branch,
        cacheDir: session.dirs.snapshots,
        extraDeny: session.config.snapshot.deny,
        caps: snapshotCapsOf(session.config),
        label: `peer ${peer.name}`,
      });
      out.snapshots.push(snapshot);
      out.mounts.push({ name: peer.name, dir: snapshot.dir });
    } catch (error) {
      if (!isOrchError(error)) throw error;
      out.warnings.push(`peer ${peer.name} is not mounted: ${error.message}`);
    }
  }
  for (const wanted of project.peers) {
    if (!granted.some((p) => p.name === wanted)) out.warnings.push(`peer ${wanted} is not mounted: it does not list ${project.name} in its share`);
  }
  return out;
}

/**
 * The project's tree at `tip`, read-only, cached per tree id, owned by the
 * sandbox uid when orch is root. Trees are read through the session's
 * long-lived reader of the repo (no `git cat-file` started per bead).
 */
export async function takeBaseCheckout(session: Session, project: ProjectConfig, tip: string): Promise<Snapshot> {
  const owner = session.identity === undefined ? {} : { owner: { uid: session.identity.uid, gid: session.identity.gid } };
  const repo = await session.repo(project.name);
  return takeCheckout({ repo: project.path, rev: tip, cacheDir: session.dirs.snapshots, label: `checkout of ${project.name}`, cat: repo.objects.catFile(), ...owner });
}

/** A few small files: written synchronously (an fs/promises round trip per call costs more than the write). */
function writePlanFiles(orchDir: string, plan: AgentPlan, lessonsText: string): void {
  mkdirSync(orchDir, { recursive: true, mode: 0o755 });
  writeFileSync(join(orchDir, 'LESSONS.md'), lessonsText.length > 0 ? lessonsText : '# Lessons\n\n(none approved for this project)\n', { mode: 0o444 });
  for (const file of plan.files) {
    if (!file.sandboxPath.startsWith('/orch/') || file.sandboxPath.includes('..')) continue;
    const target = join(orchDir, file.sandboxPath.slice('/orch/'.length));
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    writeFileSync(target, file.content, { mode: file.mode & 0o555 });
    chmodSync(target, file.mode & 0o555);
  }
}

/** The values of steps run at once, or the first step's failure (thrown once every step has finished). */
function valuesOf<T extends readonly unknown[]>(settled: { [K in keyof T]: PromiseSettledResult<T[K]> }): T {
  return settled.map((result: PromiseSettledResult<unknown>) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  }) as unknown as T;
}

export async function prepareSandbox(
  session: Session,
  project: ProjectConfig,
  bead: Bead & { body: string; rawText: string },
  tip: string,
  runId: string,
): Promise<PreparedSandbox> {
  const dir = join(session.dirs.sandboxes, runId);
  const upper = join(dir, 'upper');
  const work = join(dir, 'work');
  const orchDir = join(dir, 'orch');
  const warnings: string[] = [];
  const toRelease: Snapshot[] = [];
  const network: PreparedSandbox['network'] = { log: [], dropped: 0 };
  let proxy: NetworkProxy | undefined;
  try {
    mkdirSync(upper, { recursive: true, mode: 0o755 });
    mkdirSync(work, { recursive: true, mode: 0o755 });
    // Independent reads, at once: the base checkout, the peers' snapshots, the lessons, the agent adapter.
    const lessonWarnings: string[] = [];
    const settled = await Promise.allSettled([
      takeBaseCheckout(session, project, tip),
      snapshotPeers(session, project),
      readLessons(session, project, lessonWarnings),
      resolveAgent(project.agent),
    ]);
    // Whatever was taken is released on failure, whichever step failed.
    if (settled[0].status === 'fulfilled') toRelease.push(settled[0].value);
    if (settled[1].status === 'fulfilled') toRelease.push(...settled[1].value.snapshots);
    const [base, peers, lessons, adapter] = valuesOf(settled);
    warnings.push(...peers.warnings, ...lessonWarnings);
    const plan = adapter.plan({
      bead: { id: bead.id, title: bead.title, project: project.name, body: bead.body, files: bead.files, deps: bead.deps, rawText: bead.rawText },
      beadPathInProject: `.agents/beads/${bead.id}.md`,
      lessonsText: lessons.text,
      peers: peers.mounts.map((p) => p.name),
      projectName: project.name,
      network: project.network,
    });
    warnings.push(...(plan.warnings ?? []));
    writePlanFiles(orchDir, plan, lessons.text);
    proxy = await startProxyFor(project, dir, network);
    const spec: SandboxSpec = {
      project: { overlay: { lower: [base.dir], upper, work } },
      peers: peers.mounts,
      orchDir,
      extraRoBinds: (plan.roBinds ?? []).map((bind) => ({ source: bind.host, dest: bind.sandbox })),
      env: { ...allowedEnv(project), ...(plan.env ?? {}) },
      network: proxy !== undefined ? { proxySocket: proxy.socketPath } : project.network === 'full' ? 'full' : 'none',
    };
    return {
      dir,
      upper,
      base,
      baseFiles: readSnapshotFiles(base),
      spec,
      plan,
      lessons: lessons.ids,
      warnings,
      network,
      async dispose() {
        await proxy?.close();
        for (const snapshot of toRelease) snapshot.release();
        await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      },
    };
  } catch (error) {
    await proxy?.close();
    for (const snapshot of toRelease) snapshot.release();
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}
