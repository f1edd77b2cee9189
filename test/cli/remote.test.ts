import { hostname } from 'node:os';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { beadFiles } from '../support/workspace.js';
import { git } from '../../src/git/exec.js';
import { HAS_BWRAP, skipUnless } from '../support/require.js';
import { commitFiles, makeRepo } from '../support/git-repo.js';
import { tempDir } from '../support/tmp.js';
import { orch, parseJson } from './cli-harness.js';

/**
 * The CLI over a shared remote (issue 10), two "machines" (two workspaces,
 * each with its own clone) and one bare remote given by path: `orch add
 * --remote`, locks on the remote, `orch run` landing there, and `status`,
 * `log`, `list` on the other machine seeing it all.
 */

interface Machine {
  root: string;
  clone: string;
  orch(args: readonly string[]): ReturnType<typeof orch>;
}

async function makeRemote(): Promise<{ dir: string; bare: string; person: string }> {
  const dir = await tempDir('orch-remote-');
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'person'));
  const person = await makeRepo({ 'README.md': '# api\n' }, join(dir, 'person'));
  const bare = join(dir, 'api.git');
  await git(dir, ['clone', '-q', '--bare', person, bare]);
  await git(person, ['remote', 'add', 'origin', bare]);
  return { dir, bare, person };
}

async function machine(dir: string, name: string, bare: string, remote = bare): Promise<Machine> {
  const root = join(dir, name);
  await mkdir(root);
  await chmod(root, 0o755);
  const init = await orch(['init', root, '--reviewers', 'alice']);
  expect(init.exitCode, init.stderr).toBe(0);
  const clone = join(root, 'api');
  await git(root, ['clone', '-q', bare, clone]);
  const added = await orch(['--workspace', root, 'add', clone, '--name', 'api', '--remote', remote, '--json']);
  expect(added.exitCode, added.stderr).toBe(0);
  return { root, clone, orch: (args) => orch(['--workspace', root, ...args]) };
}

describe('orch over a shared remote', () => {
  let remote: { dir: string; bare: string; person: string };
  let one: Machine;
  let two: Machine;
  beforeAll(async () => {
    remote = await makeRemote();
    one = await machine(remote.dir, 'one', remote.bare);
    two = await machine(remote.dir, 'two', remote.bare);
  });

  it('orch add --remote records the remote in workspace.yaml', async () => {
    const status = parseJson<{ projects: { name: string; remote: { url: string; reachable: boolean } | null }[] }>(await one.orch(['status', '--json']));
    expect(status.projects[0]?.remote).toMatchObject({ url: remote.bare, reachable: true });
  });

  it('a lock taken on one machine is held on the other; released, the other takes it', async () => {
    const taken = await one.orch(['lock', 'acquire', 'deploy', '--holder', 'alice@one', '--json']);
    expect(taken.exitCode, taken.stderr).toBe(0);
    // It lives on the remote, not in the clone.
    expect((await git(remote.bare, ['rev-parse', '--verify', '--quiet', 'refs/orch/locks/deploy'], { reject: false })).exitCode).toBe(0);
    expect((await git(one.clone, ['rev-parse', '--verify', '--quiet', 'refs/orch/locks/deploy'], { reject: false })).exitCode).not.toBe(0);

    const listed = parseJson<{ locks: { name: string; status: string; record: { holder: string } }[] }>(await two.orch(['lock', 'list', '--json']));
    expect(listed.locks).toMatchObject([{ name: 'deploy', status: 'live', record: { holder: 'alice@one' } }]);
    const refused = await two.orch(['lock', 'acquire', 'deploy', '--holder', 'bob@two']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('alice@one');

    expect((await one.orch(['lock', 'release', 'deploy', '--holder', 'alice@one'])).exitCode).toBe(0);
    const second = await two.orch(['lock', 'acquire', 'deploy', '--holder', 'bob@two', '--json']);
    expect(second.exitCode, second.stderr).toBe(0);
    expect((await two.orch(['lock', 'release', 'deploy', '--holder', 'bob@two'])).exitCode).toBe(0);
  });

  it('an expired lock on the remote is taken over, naming the one it replaced', async () => {
    expect((await one.orch(['lock', 'acquire', 'short', '--holder', 'alice@one', '--ttl', '1s'])).exitCode).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const taken = await two.orch(['lock', 'acquire', 'short', '--holder', 'bob@two', '--json']);
    expect(taken.exitCode, taken.stderr).toBe(0);
    const body = parseJson<{ record: { holder: string; recovered?: { holder?: string; reason: string } } }>(taken);
    expect(body.record.recovered).toMatchObject({ holder: 'alice@one', reason: 'expired' });
  });

  it('status on another machine shows which host holds a claim on the remote', async () => {
    const record = { version: 1, holder: 'orch@far-away:77', host: 'far-away', acquiredAt: new Date().toISOString(), leaseUntil: new Date(Date.now() + 600_000).toISOString(), ttlMs: 600_000, nonce: 'abcdef0123456789' };
    const blob = (await git(remote.person, ['hash-object', '-w', '--stdin'], { input: JSON.stringify(record) })).stdout.trim();
    await git(remote.person, ['push', '-q', 'origin', `${blob}:refs/orch/claims/api-zz9`]);
    const text = await two.orch(['status']);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/api:api-zz9\s+running\s+far-away\s+orch@far-away:77/);
    const json = parseJson<{ claims: { bead: string; host: string; holder: string }[] }>(await two.orch(['status', '--json']));
    expect(json.claims).toContainEqual(expect.objectContaining({ bead: 'api-zz9', host: 'far-away', holder: 'orch@far-away:77' }));
    await git(remote.bare, ['update-ref', '-d', 'refs/orch/claims/api-zz9']);
  });

  it.skipIf(skipUnless(HAS_BWRAP, 'bwrap'))('orch run on one machine lands on the remote; the other sees the beads closed and their run records', async () => {
    const beads = [
      { id: 'api-r1', files: ['src/r1.txt'], script: 'mkdir -p src && echo one > src/r1.txt' },
      { id: 'api-r2', files: ['src/r2.txt'], deps: ['api-r1'], script: 'mkdir -p src && echo two > src/r2.txt' },
    ];
    await commitFiles(remote.person, beadFiles(beads, 'api'), 'two beads');
    // Committed in the person's clone only: nothing runs until it is pushed.
    const before = await one.orch(['run', '--json']);
    expect(parseJson<{ landed: number }>(before).landed).toBe(0);
    await git(remote.person, ['push', '-q', 'origin', 'main']);

    const ran = await one.orch(['run', '--json']);
    expect(ran.exitCode, ran.stderr).toBe(0);
    expect(parseJson<{ landed: number }>(ran).landed).toBe(2);
    const subjects = (await git(remote.bare, ['log', '--format=%s%n%(trailers:key=Bead,valueonly)', 'main'])).stdout;
    expect(subjects.match(/^api\/api-r1$/gm)).toHaveLength(1);
    expect(subjects.match(/^api\/api-r2$/gm)).toHaveLength(1);
    expect((await git(remote.bare, ['for-each-ref', 'refs/orch/claims/'])).stdout).toBe('');
    expect((await git(remote.bare, ['for-each-ref', '--format=%(refname)', 'refs/orch/runs/'])).stdout.split('\n').filter(Boolean).sort()).toEqual(['refs/orch/runs/api-r1', 'refs/orch/runs/api-r2']);

    const listed = parseJson<{ beads: { id: string; status: string }[] }>(await two.orch(['list', '--json']));
    expect(listed.beads.filter((b) => b.id.startsWith('api-r')).map((b) => b.status).sort()).toEqual(['closed', 'closed']);
    const log = parseJson<{ project: string; runs: { attempt: number; run: { verdict: string; host: string } }[] }[]>(await two.orch(['log', 'api-r2', '--json']));
    expect(log[0]?.runs).toMatchObject([{ attempt: 1, run: { verdict: 'accepted', host: hostname() } }]);
    expect((await git(remote.bare, ['fsck', '--strict', '--no-dangling'])).exitCode).toBe(0);
  });

  it('an unreachable remote: lock acquire exits 1 with REMOTE_UNREACHABLE and status says so', async () => {
    const away = await machine(remote.dir, 'away', remote.bare, join(remote.dir, 'gone.git'));
    const lock = await away.orch(['lock', 'acquire', 'deploy']);
    expect(lock.exitCode).toBe(1);
    expect(lock.stderr).toContain('[REMOTE_UNREACHABLE]');
    const status = await away.orch(['status']);
    expect(status.stdout).toContain('NOT ANSWERING');
    const doctor = parseJson<{ checks: { name: string; ok: boolean; fix?: string }[] }>(await away.orch(['doctor', '--json']));
    expect(doctor.checks.find((c) => c.name === 'remote api')).toMatchObject({ ok: false, fix: expect.stringContaining('git ls-remote') });
    const fine = parseJson<{ checks: { name: string; ok: boolean }[] }>(await one.orch(['doctor', '--json']));
    expect(fine.checks.find((c) => c.name === 'remote api')).toMatchObject({ ok: true });
  });

  it('a remote value starting with - is refused with the line (exit 2)', async () => {
    const bad = await machine(remote.dir, 'bad', remote.bare).catch(() => undefined);
    expect(bad).toBeDefined();
    const added = await orch(['--workspace', bad?.root ?? '', 'add', remote.person, '--name', 'other', '--remote', '--upload-pack=touch /tmp/x']);
    expect(added.exitCode).toBe(2);
  });
});
