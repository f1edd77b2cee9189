import { readFile } from 'node:fs/promises';
import { parseBead, type Bead } from '../beads/index.js';
import { isOrchError } from '../errors/index.js';
import type { Repo } from '../git/repo.js';
import { recordRun } from '../git/run-records.js';
import { handOffAgentLessons } from '../knowledge/index.js';
import { collectFromUpper } from '../sandbox/collect.js';
import type { Change as GitChange } from '../git/tree-builder.js';
import { runInSandbox, type SandboxResult } from '../sandbox/index.js';
import type { ProjectConfig } from '../workspace/index.js';
import { claimLocally, type ClaimResult, type HeldClaim, type LandOutcome } from './bead-claim.js';
import { closingWork, failingWork, toGitChange, BEADS_PREFIX } from './bead-landing.js';
import { claimOnRemote } from './remote-claim.js';
import { newRunId, prepareSandbox, type PreparedSandbox } from './bead-sandbox.js';
import type { BeadResult } from './events.js';
import { checkScope, describeViolations } from './scope-guard.js';
import type { Session } from './session.js';

export type { BeadResult } from './events.js';

/**
 * One bead, start to landing (SPEC §3.3): claim, prepare, run the agent,
 * collect, guard, validate, record, land, release, tear down. Every exit
 * path records what happened; nothing produced by the sandbox is lost.
 */

export interface BeadJob {
  project: ProjectConfig;
  bead: Bead;
  wave: number;
}


/** Slack on top of the project's timeout before a local claim counts as expired. */
const LEASE_SLACK_MS = 5 * 60_000;

async function claim(session: Session, repo: Repo, job: BeadJob, runId: string): Promise<ClaimResult> {
  const request = { holder: session.holder, ttlMs: job.project.timeoutMs * 2 + LEASE_SLACK_MS, runId, note: `wave ${job.wave}` };
  const link = await session.remote(job.project.name);
  const result = link === undefined ? await claimLocally(session, repo, job.project.branch, job.bead.id, request) : await claimOnRemote(session, link, job.bead.id, request);
  if (result.won && result.recovered !== undefined) {
    session.bus.emit({ type: 'recovered', at: session.clock.now(), project: job.project.name, bead: job.bead.id, detail: result.recovered });
  }
  return result;
}

async function readBeadAt(repo: Repo, tip: string, job: BeadJob): Promise<{ text: string; bead: Bead & { body: string; rawText: string } } | undefined> {
  let text: string;
  try {
    text = (await repo.objects.read(`${tip}:${BEADS_PREFIX}${job.bead.id}.md`, 'blob')).toString('utf8');
  } catch {
    return undefined;
  }
  const parsed = parseBead(text, { file: `${BEADS_PREFIX}${job.bead.id}.md`, project: job.project.name });
  if (!parsed.ok) return undefined;
  return { text, bead: { ...parsed.bead, body: parsed.raw.body, rawText: text } };
}

interface Attempt {
  startedAt: number;
  agent: SandboxResult | undefined;
  gate: SandboxResult | undefined;
  /** What the agent produced (read before the gate ran): the run record's work/. */
  work: GitChange[];
  changedPaths: { path: string; kind: string }[];
  verdict: 'ok' | 'rejected' | 'failed';
  reason: string | undefined;
  violations: { path: string; rule: string; detail: string }[];
  lessons: { path: string; content: Buffer }[];
  landChanges: GitChange[];
  log: string[];
}

function exitText(result: SandboxResult): string {
  if (result.timedOut) return 'timed out';
  if (result.cancelled) return 'cancelled';
  return `exit ${String(result.exitCode)}`;
}

async function runAttempt(session: Session, job: BeadJob, prepared: PreparedSandbox, runId: string, signal: AbortSignal | undefined): Promise<Attempt> {
  const attempt: Attempt = { startedAt: session.clock.now(), agent: undefined, gate: undefined, work: [], changedPaths: [], verdict: 'failed', reason: undefined, violations: [], lessons: [], landChanges: [], log: [] };
  const emitOutput = (chunk: string): void => {
    attempt.log.push(chunk);
    session.bus.emit({ type: 'bead-output', at: session.clock.now(), project: job.project.name, bead: job.bead.id, runId, chunk });
  };
  const launch = { timeoutMs: job.project.timeoutMs, onOutput: emitOutput, runDir: prepared.dir, ...(signal === undefined ? {} : { signal }), ...(session.identity === undefined ? {} : { identity: session.identity }) };
  session.bus.emit({ type: 'bead-started', at: session.clock.now(), wave: job.wave, project: job.project.name, bead: job.bead.id, runId });
  attempt.agent = await runInSandbox(prepared.spec, prepared.plan.command, launch);
  const collected = await collectFromUpper(prepared.upper, prepared.baseFiles);
  attempt.changedPaths = collected.changes.map((c) => ({ path: c.path, kind: c.kind }));
  const changes = await Promise.all(
    collected.changes.map(async (c) => ({
      path: c.path,
      kind: c.kind,
      ...(c.kind === 'write' ? { mode: c.mode === '100755' ? 0o100755 : 0o100644, content: await readFile(c.absPath) } : {}),
      ...(c.kind === 'symlink' ? { target: c.target } : {}),
    })),
  );
  attempt.work = changes.map(toGitChange);
  const guard = checkScope({
    changes,
    bead: { id: job.bead.id, files: job.bead.files },
    project: job.project.name,
    baseHas: (path) => prepared.baseFiles.has(path),
  });
  attempt.violations = [...collected.refused.map((r) => ({ path: r.path, rule: 'unsafe-output', detail: r.reason })), ...guard.violations];
  attempt.lessons = guard.lessons;
  attempt.landChanges = guard.landChanges.map(toGitChange);
  if (attempt.agent.exitCode !== 0) {
    attempt.reason = `agent ${exitText(attempt.agent)}`;
    return attempt;
  }
  if (attempt.violations.length > 0) {
    attempt.verdict = 'rejected';
    const refused = collected.refused.map((r) => `${r.path}: ${r.reason}`);
    attempt.reason = `scope guard: ${[...refused, ...(guard.violations.length > 0 ? [describeViolations(guard.violations)] : [])].join('; ')}`;
    return attempt;
  }
  if (job.project.validate !== undefined) {
    emitOutput(`\n[orch] validation: ${job.project.validate.join(' ')}\n`);
    attempt.gate = await runInSandbox(prepared.spec, job.project.validate, launch);
    const ok = attempt.gate.exitCode === 0;
    session.bus.emit({ type: 'bead-gate', at: session.clock.now(), project: job.project.name, bead: job.bead.id, runId, ok });
    if (!ok) {
      attempt.reason = `validation ${job.project.validate.join(' ')}: ${exitText(attempt.gate)}`;
      return attempt;
    }
  }
  attempt.verdict = 'ok';
  return attempt;
}

function runJson(session: Session, job: BeadJob, runId: string, tip: string, prepared: PreparedSandbox | undefined, attempt: Attempt | undefined, error: string | undefined): Record<string, unknown> {
  return {
    version: 1,
    runId,
    project: job.project.name,
    bead: job.bead.id,
    wave: job.wave,
    base: tip,
    agent: job.project.agent,
    holder: session.holder,
    host: session.host,
    startedAt: attempt === undefined ? undefined : new Date(attempt.startedAt).toISOString(),
    endedAt: new Date(session.clock.now()).toISOString(),
    exit: attempt?.agent === undefined ? null : { code: attempt.agent.exitCode ?? null, timedOut: attempt.agent.timedOut, cancelled: attempt.agent.cancelled },
    gate: attempt?.gate === undefined ? null : { command: job.project.validate, code: attempt.gate.exitCode ?? null, ok: attempt.gate.exitCode === 0 },
    changed: attempt?.changedPaths ?? [],
    verdict: error !== undefined ? 'error' : (attempt?.verdict === 'ok' ? 'accepted' : attempt?.verdict) ?? 'error',
    reason: error ?? attempt?.reason ?? null,
    violations: attempt?.violations ?? [],
    lessons: prepared?.lessons ?? [],
    warnings: prepared?.warnings ?? [],
    ...(prepared !== undefined && typeof job.project.network === 'object' ? { network: prepared.network } : {}),
  };
}

export async function runBead(session: Session, job: BeadJob, signal?: AbortSignal): Promise<BeadResult> {
  const now = (): number => session.clock.now();
  const runId = newRunId(now());
  const base = { project: job.project.name, bead: job.bead.id, runId };
  const finish = (result: BeadResult, extra: { leftBehind?: string[] } = {}): BeadResult => {
    session.bus.emit({ type: 'bead-finished', at: now(), wave: job.wave, ...result, ...extra });
    return result;
  };
  const repo = await session.repo(job.project.name);
  const claimed = await claim(session, repo, job, runId);
  if (!claimed.won) return finish({ ...base, outcome: 'skipped', reason: claimed.reason });
  const held = claimed.claim;
  session.bus.emit({ type: 'bead-claimed', at: now(), wave: job.wave, ...base });
  // The attempt stops when the engine stops or when the claim is taken over.
  const stop = signal === undefined ? held.lost : AbortSignal.any([signal, held.lost]);
  const isOpen = async (tip: string): Promise<boolean> => (await readBeadAt(repo, tip, job))?.bead.status === 'open';
  let prepared: PreparedSandbox | undefined;
  try {
    const tip = await held.tip();
    const current = tip === null ? undefined : await readBeadAt(repo, tip, job);
    if (tip === null || current === undefined || current.bead.status !== 'open') {
      return finish({ ...base, outcome: 'skipped', reason: 'no longer open at the branch tip' });
    }
    let attempt: Attempt | undefined;
    let error: string | undefined;
    let environmentProblem = false;
    try {
      prepared = await prepareSandbox(session, job.project, current.bead, tip, runId);
      for (const message of prepared.warnings) session.bus.emit({ type: 'warning', at: now(), project: job.project.name, message: `${job.bead.id}: ${message}` });
      attempt = await runAttempt(session, job, prepared, runId, stop);
    } catch (caught) {
      if (signal?.aborted === true) throw caught;
      error = isOrchError(caught) ? `${caught.code}: ${caught.message}` : String(caught);
      environmentProblem = !isOrchError(caught) || caught.category === 'internal';
    }
    const log = attempt?.log.join('') ?? '';
    const work = attempt === undefined ? undefined : { base: prepared?.base.treeOid, changes: attempt.work };
    const recorded = await recordRun(repo, job.bead.id, {
      run: runJson(session, job, runId, tip, prepared, attempt, error),
      outputLog: error === undefined ? log : `${log}\n[orch] ${error}\n`,
      ...(work === undefined ? {} : { work }),
      subject: `run ${runId} of ${job.project.name}/${job.bead.id}`,
    });
    await held.publish(job.bead.id);
    if (signal?.aborted === true) return finish({ ...base, outcome: 'failed', reason: 'stopped', runCommit: recorded.commit });
    if (held.lost.aborted) return finish({ ...base, outcome: 'lost-claim', reason: 'the claim was taken over by another watcher; nothing landed (the work is in the run record)', runCommit: recorded.commit });

    if (attempt !== undefined && attempt.lessons.length > 0) await handOff(session, job, attempt.lessons);
    const request = { project: job.project.name, beadId: job.bead.id, branch: job.project.branch, base: tip, beadText: current.text, runCommit: recorded.commit, wave: job.wave };
    if (attempt?.verdict === 'ok') {
      const landed = await held.land(closingWork({ ...request, title: job.bead.title, changes: attempt.landChanges }), isOpen);
      if (landed.kind === 'landed') {
        const left = landed.leftBehind;
        return finish({ ...base, outcome: 'landed', commit: landed.commit, runCommit: recorded.commit }, left.length > 0 ? { leftBehind: left.map((l) => `${l.path} (${l.reason})`) } : {});
      }
      if (landed.kind === 'conflict') {
        const reason = `merge conflict on ${landed.paths.join(', ')}`;
        await markFailed(held, repo, job, landed.tip, reason, recorded.commit, isOpen);
        return finish({ ...base, outcome: 'conflict', reason, runCommit: recorded.commit });
      }
      return finish(notLanded(base, landed, recorded.commit));
    }
    const reason = error ?? attempt?.reason ?? 'failed';
    // An environment problem (no bwrap, an unreachable run dir, git missing) is not the bead's fault: it stays open.
    if (environmentProblem) return finish({ ...base, outcome: 'failed', reason: `${reason} (the bead stays open)`, runCommit: recorded.commit });
    await markFailed(held, repo, job, tip, reason, recorded.commit, isOpen);
    return finish({ ...base, outcome: attempt?.verdict === 'rejected' ? 'rejected' : 'failed', reason, runCommit: recorded.commit });
  } catch (caught) {
    if (signal?.aborted === true) throw caught;
    // Reported under this attempt's run id (the claim event named it), not as an anonymous failure.
    return finish({ ...base, outcome: 'failed', reason: isOrchError(caught) ? `${caught.code}: ${caught.message}` : String(caught) });
  } finally {
    await held.release();
    await prepared?.dispose();
  }
}

/** Why work that was ready to land did not (nothing landed in each case). */
function notLanded(base: { project: string; bead: string; runId: string }, landed: Exclude<LandOutcome, { kind: 'landed' | 'conflict' }>, runCommit: string): BeadResult {
  switch (landed.kind) {
    case 'busy':
      return { ...base, outcome: 'failed', reason: `the index stayed locked (${landed.path}); the bead will run again`, runCommit };
    case 'lost':
      return { ...base, outcome: 'lost-claim', reason: 'the claim was taken over by another watcher; nothing landed (the work is in the run record)', runCommit };
    case 'declined':
      return { ...base, outcome: 'skipped', reason: 'the bead was closed on the branch meanwhile; nothing landed', runCommit };
    case 'unreachable':
      return { ...base, outcome: 'failed', reason: `the remote did not answer (${landed.message}); nothing landed, the bead stays open`, runCommit };
  }
}

async function markFailed(held: HeldClaim, repo: Repo, job: BeadJob, base: string, reason: string, runCommit: string | undefined, isOpen: (tip: string) => Promise<boolean>): Promise<void> {
  const current = await readBeadAt(repo, base, job);
  if (current === undefined || current.bead.status !== 'open') return;
  await held.land(failingWork({ project: job.project.name, beadId: job.bead.id, branch: job.project.branch, base, beadText: current.text, reason, runCommit, wave: job.wave }), isOpen);
}

async function handOff(session: Session, job: BeadJob, lessons: { path: string; content: Buffer }[]): Promise<void> {
  try {
    const result = await handOffAgentLessons(session.config.knowledge, { project: job.project.name, bead: job.bead.id }, lessons.map((l) => ({ path: l.path, content: l.content })));
    for (const accepted of result.accepted) session.bus.emit({ type: 'lesson-proposed', at: session.clock.now(), project: job.project.name, bead: job.bead.id, slug: accepted.slug, accepted: true });
    for (const refused of result.refused) session.bus.emit({ type: 'lesson-proposed', at: session.clock.now(), project: job.project.name, bead: job.bead.id, slug: refused.path, accepted: false, reason: refused.reason });
  } catch (error) {
    session.bus.emit({ type: 'warning', at: session.clock.now(), project: job.project.name, message: `lesson hand-off failed: ${isOrchError(error) ? error.message : String(error)}` });
  }
}
