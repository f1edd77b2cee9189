import { OrchError } from '../errors/index.js';
import { formatMessage, orchSignature, parseTrailers } from './commit-message.js';
import { runRef } from './ref-name.js';
import type { Repo } from './repo.js';
import { buildTree, type Change } from './tree-builder.js';

/**
 * Run records: `refs/orch/runs/<id>` is a chain of commits, one per attempt
 * (parent = the previous attempt). Each commit's tree holds `run.json`,
 * `output.log` and `work/` (the tree the attempt produced), so failed and
 * rejected work is never lost. Appending is a compare-and-swap.
 */

export interface RunInput {
  /** Stored as run.json (agent, times, exit, gate, changed files, verdict: the engine's fields). */
  run: Record<string, unknown>;
  outputLog: Uint8Array | string;
  /** The produced tree: a tree id, or a base tree plus changes. Omitted: no work/ entry. */
  work?: { tree: string } | { base: string | undefined; changes: readonly Change[] };
  /** First line of the commit message (default "run <id>"). */
  subject?: string;
}

export interface RecordedRun {
  commit: string;
  /** 1 for the first attempt. */
  attempt: number;
  workTree: string | undefined;
}

export interface RunRecord {
  commit: string;
  attempt: number;
  /** Commit time, milliseconds. */
  time: number;
  /** Parsed run.json (undefined when missing or not JSON). */
  run: Record<string, unknown> | undefined;
  workTree: string | undefined;
  outputLog: { oid: string } | undefined;
}

const ATTEMPT = 'Attempt';

async function attemptOf(repo: Repo, commit: string): Promise<number> {
  const parsed = await repo.objects.readCommit(commit);
  const value = parseTrailers(parsed.message).find(([key]) => key === ATTEMPT)?.[1];
  return value === undefined ? 0 : Number(value) || 0;
}

export async function recordRun(repo: Repo, id: string, input: RunInput): Promise<RecordedRun> {
  const ref = runRef(id);
  let workTree: string | undefined;
  if (input.work !== undefined) {
    workTree = 'tree' in input.work ? input.work.tree : await buildTree(repo.objects, input.work.base, input.work.changes);
  }
  const entries = [
    { mode: '100644' as const, name: 'run.json', oid: repo.objects.writeBlob(`${JSON.stringify(input.run, null, 2)}\n`) },
    { mode: '100644' as const, name: 'output.log', oid: repo.objects.writeBlob(input.outputLog) },
    ...(workTree === undefined ? [] : [{ mode: '40000' as const, name: 'work', oid: workTree }]),
  ];
  const tree = repo.objects.writeTree(entries);
  for (let round = 0; round < 50; round++) {
    const previous = await repo.refs.read(ref);
    const attempt = previous === null ? 1 : (await attemptOf(repo, previous)) + 1;
    const signature = orchSignature(repo.clock.now());
    const commit = repo.objects.writeCommit({
      tree,
      parents: previous === null ? [] : [previous],
      author: signature,
      committer: signature,
      message: formatMessage(input.subject ?? `run ${id}`, undefined, [[ATTEMPT, String(attempt)]]),
    });
    await repo.objects.flush();
    const swapped = await repo.refs.cas(ref, previous, commit, { durable: true });
    if (swapped.ok) return { commit, attempt, workTree };
  }
  throw new OrchError('REF_CONFLICT', `could not append to ${ref}: it kept moving`, { data: { ref } });
}

async function readRecord(repo: Repo, commit: string): Promise<{ record: RunRecord; parent: string | undefined }> {
  const parsed = await repo.objects.readCommit(commit);
  const entries = new Map((await repo.objects.readTree(parsed.tree)).map((entry) => [entry.name, entry]));
  let run: Record<string, unknown> | undefined;
  const runEntry = entries.get('run.json');
  if (runEntry !== undefined) {
    try {
      const value: unknown = JSON.parse((await repo.objects.read(runEntry.oid, 'blob')).toString('utf8'));
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) run = value as Record<string, unknown>;
    } catch {
      run = undefined;
    }
  }
  const work = entries.get('work');
  const log = entries.get('output.log');
  const attempt = Number(parseTrailers(parsed.message).find(([key]) => key === ATTEMPT)?.[1] ?? 0) || 0;
  return {
    record: {
      commit,
      attempt,
      time: parsed.time,
      run,
      workTree: work?.type === 'tree' ? work.oid : undefined,
      outputLog: log === undefined ? undefined : { oid: log.oid },
    },
    parent: parsed.parents[0],
  };
}

/** The attempts recorded for `id`, newest first (at most `limit`); `ref`: read another copy of the chain (a remote's, fetched). */
export async function readRuns(repo: Repo, id: string, options: { limit?: number; ref?: string } = {}): Promise<RunRecord[]> {
  const out: RunRecord[] = [];
  let next = (await repo.refs.read(options.ref ?? runRef(id))) ?? undefined;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  while (next !== undefined && out.length < limit) {
    const { record, parent } = await readRecord(repo, next);
    out.push(record);
    next = parent;
  }
  return out;
}

/** The output.log of one attempt. */
export async function readRunLog(repo: Repo, record: RunRecord): Promise<Buffer> {
  return record.outputLog === undefined ? Buffer.alloc(0) : repo.objects.read(record.outputLog.oid, 'blob');
}

/** Ids that have run records. */
export async function listRunIds(repo: Repo): Promise<string[]> {
  return [...(await repo.refs.list('refs/orch/runs/')).keys()].map((ref) => ref.slice('refs/orch/runs/'.length));
}
