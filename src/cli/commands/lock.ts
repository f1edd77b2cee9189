import { hostname, userInfo } from 'node:os';
import type { Command } from 'commander';
import { OrchError } from '../../errors/index.js';
import type { NamedLease } from '../../git/claims-and-locks.js';
import { acquireProjectLock, listProjectLocks, releaseProjectLock } from '../../engine/locks.js';
import type { LeaseState } from '../../git/leases.js';
import { parseDuration } from '../../sys/duration.js';
import type { WorkspaceConfig } from '../../workspace/index.js';
import { defineAction, withJson, type CommandHost } from '../command.js';
import { withSession } from '../context.js';
import { formatTable } from '../output.js';

/**
 * `orch lock acquire | release | list`: general locks as refs
 * (`refs/orch/locks/<name>`) in a project's repo (or on its shared remote),
 * by compare-and-swap. A lock
 * taken here outlives the process (no pid): it lasts until released or until
 * its lease (--ttl) runs out, after which anyone may take it over.
 */

export const DEFAULT_LOCK_TTL = '1h';

function defaultHolder(): string {
  let user = process.env.USER;
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry for this uid: keep $USER
  }
  return `${user ?? `uid${process.getuid?.() ?? ''}`}@${hostname()}`;
}

/** --project, else the workspace's only project; a usage error when that is ambiguous. */
export function pickProject(config: WorkspaceConfig, wanted: string | undefined): string {
  const names = config.projects.map((p) => p.name);
  if (wanted !== undefined) {
    if (!names.includes(wanted)) throw new OrchError('PROJECT_UNKNOWN', `no project named ${wanted}`, { hint: `known projects: ${names.join(', ') || '(none)'}` });
    return wanted;
  }
  const [only, ...rest] = names;
  if (only === undefined) throw new OrchError('PROJECT_UNKNOWN', 'the workspace has no projects', { hint: 'register one with `orch add PATH`' });
  if (rest.length > 0) throw new OrchError('USAGE', `the workspace has ${names.length} projects; say which with --project`, { hint: `one of: ${names.join(', ')}` });
  return only;
}

function parseTtl(value: string): number {
  const ms = parseDuration(value);
  if (ms <= 0) throw new OrchError('USAGE', `--ttl must be more than zero, not ${value}`, { hint: 'use a form like 90s, 20m or 1h30m' });
  return ms;
}

function describeHolder(state: LeaseState): string {
  const record = state.record;
  if (record === undefined) return 'an unreadable record';
  const pid = record.pid === undefined ? '' : `, pid ${record.pid}`;
  return `${record.holder} (host ${record.host}${pid}) until ${record.leaseUntil}`;
}

function lockJson(project: string, lock: NamedLease): Record<string, unknown> {
  return { project, name: lock.name, ref: lock.ref, status: lock.status, ...(lock.record === undefined ? {} : { record: lock.record }) };
}

export function registerLock(program: Command, host: CommandHost): void {
  const lock = program
    .command('lock')
    .description('ref locks (refs/orch/locks/<name>) in a project repo')
    .addHelpText('after', '\nA lock from the CLI belongs to no process: it holds until released or until its --ttl runs out.');

  const acquire = withJson(
    lock
      .command('acquire <name>')
      .description('take a lock; exits 1 when someone else holds it')
      .option('--project <name>', 'the project repo (default: the only project)')
      .option('--ttl <duration>', 'how long it holds unless released, e.g. 20m, 2h', DEFAULT_LOCK_TTL)
      .option('--holder <holder>', 'who holds it (default: user@host)')
      .option('--note <text>', 'why, for whoever finds it held'),
  );
  defineAction<{ project?: string; ttl: string; holder?: string; note?: string }>(acquire, host, async (options, output, args) => {
    const name = args[0] ?? '';
    const ttlMs = parseTtl(options.ttl);
    const holder = options.holder ?? defaultHolder();
    return withSession(options, output, async (session) => {
      const project = pickProject(session.config, options.project);
      const result = await acquireProjectLock(session, project, name, { holder, ttlMs, pid: null, ...(options.note === undefined ? {} : { note: options.note }) });
      if (!result.won) {
        const by = result.current === null ? 'someone else (it changed while orch looked)' : describeHolder(result.current);
        throw new OrchError('LOCK_HELD', `lock ${name} in ${project} is held by ${by}`, {
          data: { project, name, ...(result.current?.record === undefined ? {} : { holder: result.current.record }) },
          hint: 'wait for its holder to release it, or for the lease to run out (then it can be taken over)',
        });
      }
      const { record } = result.lease;
      const recovered = result.recovered === undefined ? '' : `\n(taken over from ${describeHolder(result.recovered)}: ${result.recovered.status})`;
      output.result({ project, name, ref: result.lease.ref, record, ...(result.recovered === undefined ? {} : { recovered: result.recovered }) }, () =>
        `Locked ${name} in ${project} for ${record.holder} until ${record.leaseUntil}${recovered}`,
      );
      return 0;
    });
  });

  const release = withJson(
    lock
      .command('release <name>')
      .description('give a lock back (only its holder may, unless --force)')
      .option('--project <name>', 'the project repo (default: the only project)')
      .option('--holder <holder>', 'who holds it (default: user@host)')
      .option('--force', 'release it whoever holds it'),
  );
  defineAction<{ project?: string; holder?: string; force?: boolean }>(release, host, async (options, output, args) => {
    const name = args[0] ?? '';
    const holder = options.holder ?? defaultHolder();
    return withSession(options, output, async (session) => {
      const project = pickProject(session.config, options.project);
      const result = await releaseProjectLock(session, project, name, { holder, force: options.force === true });
      if (result.released) {
        output.result({ project, name, released: true, previous: result.previous.record }, () => `Released ${name} in ${project} (was held by ${describeHolder(result.previous)})`);
        return 0;
      }
      if (result.reason === 'absent') {
        throw new OrchError('LOCK_NOT_HELD', `no lock ${name} in ${project}`, { data: { project, name }, hint: 'see the locks with `orch lock list`' });
      }
      throw new OrchError('LOCK_NOT_HELD', `lock ${name} in ${project} is held by ${describeHolder(result.current)}, not by ${holder}`, {
        data: { project, name, ...(result.current.record === undefined ? {} : { holder: result.current.record }) },
        hint: 'pass --holder with the holder it was taken for, or --force to release it anyway',
      });
    });
  });

  const list = withJson(lock.command('list').description('locks in one project, or in every project').option('--project <name>', 'only this project'));
  defineAction<{ project?: string }>(list, host, async (options, output) => {
    return withSession(options, output, async (session) => {
      const projects = options.project === undefined ? session.config.projects.map((p) => p.name) : [pickProject(session.config, options.project)];
      const locks: { project: string; lock: NamedLease }[] = [];
      for (const project of projects) {
        for (const found of await listProjectLocks(session, project)) locks.push({ project, lock: found });
      }
      output.result({ locks: locks.map((l) => lockJson(l.project, l.lock)) }, () => {
        if (locks.length === 0) return 'no locks';
        const rows = [['PROJECT', 'LOCK', 'STATE', 'HOLDER', 'HOST', 'UNTIL']];
        for (const { project, lock: l } of locks) {
          rows.push([project, l.name, l.status, l.record?.holder ?? '?', l.record?.host ?? '?', l.record?.leaseUntil ?? '?']);
        }
        return formatTable(rows);
      });
      return 0;
    });
  });
}
