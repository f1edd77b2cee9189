import { hostname } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { git } from '../../src/git/exec.js';
import { makeWorkspace, parseJson, type TestWorkspace } from './cli-harness.js';

interface LockJson {
  project: string;
  name: string;
  status: string;
  record: { holder: string; host: string; pid?: number; leaseUntil: string; acquiredAt: string };
}

describe('orch lock', () => {
  let ws: TestWorkspace;
  beforeAll(async () => {
    ws = await makeWorkspace([{ name: 'api' }]);
  });

  it('acquire, list, a second acquire exiting 1 with who holds it, release', async () => {
    const acquired = await ws.orch(['lock', 'acquire', 'deploy', '--ttl', '20m', '--json']);
    expect(acquired.exitCode, acquired.stderr).toBe(0);
    const lock = parseJson<{ project: string; record: LockJson['record'] }>(acquired);
    expect(lock.project).toBe('api');
    expect(lock.record.holder).toMatch(new RegExp(`@${hostname()}$`));
    // Taken from the CLI, the lock outlives the process: no pid is recorded.
    expect(lock.record.pid).toBeUndefined();
    expect(Date.parse(lock.record.leaseUntil) - Date.parse(lock.record.acquiredAt)).toBe(20 * 60_000);
    expect((await git(ws.projects.api ?? '', ['rev-parse', '--verify', 'refs/orch/locks/deploy'])).exitCode).toBe(0);

    const listed = parseJson<{ locks: LockJson[] }>(await ws.orch(['lock', 'list', '--json']));
    expect(listed.locks).toHaveLength(1);
    expect(listed.locks[0]).toMatchObject({ project: 'api', name: 'deploy', status: 'live' });

    const second = await ws.orch(['lock', 'acquire', 'deploy', '--holder', 'someone-else']);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain(`held by ${lock.record.holder}`);
    expect(second.stderr).toContain(`until ${lock.record.leaseUntil}`);
    expect(second.stderr).toContain('[LOCK_HELD]');

    const wrongHolder = await ws.orch(['lock', 'release', 'deploy', '--holder', 'someone-else']);
    expect(wrongHolder.exitCode).toBe(1);
    expect(wrongHolder.stderr).toContain('--force');

    const released = await ws.orch(['lock', 'release', 'deploy']);
    expect(released.exitCode, released.stderr).toBe(0);
    expect((await git(ws.projects.api ?? '', ['rev-parse', '--verify', '--quiet', 'refs/orch/locks/deploy'], { reject: false })).exitCode).not.toBe(0);
    const nothing = await ws.orch(['lock', 'list']);
    expect(nothing.stdout.trim()).toBe('no locks');

    const absent = await ws.orch(['lock', 'release', 'deploy']);
    expect(absent.exitCode).toBe(1);
  });

  it('--force releases a lock held by someone else', async () => {
    expect((await ws.orch(['lock', 'acquire', 'db', '--holder', 'carol@elsewhere'])).exitCode).toBe(0);
    const forced = await ws.orch(['lock', 'release', 'db', '--force']);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('carol@elsewhere');
  });

  it('bad input exits 2: a bad name, a bad --ttl, an unknown --project', async () => {
    expect((await ws.orch(['lock', 'acquire', 'a/b'])).exitCode).toBe(2);
    expect((await ws.orch(['lock', 'acquire', 'x', '--ttl', 'soon'])).exitCode).toBe(2);
    expect((await ws.orch(['lock', 'acquire', 'x', '--ttl', '0s'])).exitCode).toBe(2);
    const unknown = await ws.orch(['lock', 'list', '--project', 'nope']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('[PROJECT_UNKNOWN]');
  });

  it('with two projects, acquire without --project is a usage error (exit 2) naming them', async () => {
    const two = await makeWorkspace([{ name: 'api' }, { name: 'web' }], { knowledge: false });
    const result = await two.orch(['lock', 'acquire', 'deploy']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--project');
    expect(result.stderr).toContain('api, web');
    expect((await two.orch(['lock', 'acquire', 'deploy', '--project', 'web'])).exitCode).toBe(0);
    const listed = parseJson<{ locks: LockJson[] }>(await two.orch(['lock', 'list', '--json']));
    expect(listed.locks.map((l) => `${l.project}/${l.name}`)).toEqual(['web/deploy']);
  });
});
