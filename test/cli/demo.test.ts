import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { git } from '../../src/git/exec.js';
import { HAS_BWRAP, skipUnless } from '../support/require.js';
import { tempDir } from '../support/tmp.js';

const run = promisify(execFile);
const ORCH = resolve(import.meta.dirname, '../../bin/orch.js');

async function beadCommits(repo: string): Promise<{ bead: string; run: string; wave: string; subject: string }[]> {
  const log = await git(repo, ['log', '--format=%s%n%B%x00', 'main']);
  return log.stdout
    .split('\0')
    .filter((m) => /^Bead: /m.test(m))
    .map((m) => ({
      subject: m.trim().split('\n')[0] ?? '',
      bead: /^Bead: (.+)$/m.exec(m)?.[1] ?? '',
      run: /^Run: (.+)$/m.exec(m)?.[1] ?? '',
      wave: /^Wave: (.+)$/m.exec(m)?.[1] ?? '',
    }));
}

describe('orch demo', () => {
  it.skipIf(skipUnless(HAS_BWRAP, 'bwrap'))('builds the example workspace and runs it to the end, with every promised outcome in the repos', async () => {
    const root = join(await tempDir('orch-demo-test-'), 'ws');
    const { stdout } = await run('node', [ORCH, 'demo', root, '--json'], { maxBuffer: 64 * 1024 * 1024 });
    const summary = JSON.parse(stdout) as { waves: number; landed: number; notLanded: { bead: string; outcome: string }[]; approvedLessons: string[] };
    expect(summary.waves).toBeGreaterThanOrEqual(3);
    expect(summary.landed).toBe(5);
    expect(summary.notLanded).toEqual([expect.objectContaining({ bead: 'docs/docs-b5ue', outcome: 'rejected' })]);

    // One commit per landed bead, with its trailers, and the bead closed in that same commit.
    const api = await beadCommits(join(root, 'api'));
    expect(api.map((c) => c.bead).sort()).toEqual(['api/api-h3lt', 'api/api-k2dz', 'api/api-v7qp']);
    for (const commit of api) {
      expect(commit.run).toMatch(/^[0-9a-f]{40}$/);
      expect(Number(commit.wave)).toBeGreaterThan(0);
      const id = commit.bead.split('/')[1] ?? '';
      const changed = (await git(join(root, 'api'), ['log', '-1', '--format=', '--name-only', `--grep=^Bead: api/${id}$`, 'main'])).stdout;
      expect(changed).toContain(`.agents/beads/${id}.md`);
      const bead = (await git(join(root, 'api'), ['show', `main:.agents/beads/${id}.md`])).stdout;
      expect(bead).toMatch(/^status: closed$/m);
      // The run ref holds the attempt the trailer names.
      const runs = (await git(join(root, 'api'), ['rev-list', `refs/orch/runs/${id}`])).stdout;
      expect(runs).toContain(commit.run);
    }

    // Overlapping beads (both write src/routes.js) ran in different waves.
    const wave = (id: string): number => Number(api.find((c) => c.bead === `api/${id}`)?.wave);
    expect(wave('api-v7qp')).toBeGreaterThan(wave('api-h3lt'));

    // The cross-project dep: web ran after the api bead, and read the api's new code through .shared/api.
    const web = await beadCommits(join(root, 'web'));
    expect(web.map((c) => c.bead)).toEqual(['web/web-c4ns']);
    expect(Number(web[0]?.wave)).toBeGreaterThan(wave('api-h3lt'));
    expect((await git(join(root, 'web'), ['show', 'main:src/client.js'])).stdout).toContain("fetch('/health')");

    // The lesson an agent proposed never landed in the project, was approved as a reviewed merge, and was injected later.
    expect((await git(join(root, 'api'), ['ls-tree', '-r', '--name-only', 'main'])).stdout).not.toContain('.agents/lessons');
    expect(summary.approvedLessons).toEqual(['api/document-every-route']);
    const knowledgeMain = (await git(join(root, 'knowledge'), ['log', '--first-parent', '--format=%P%n%B%x00', 'main'])).stdout;
    expect(knowledgeMain).toMatch(/Reviewed-by: demo/);
    expect((await git(join(root, 'knowledge'), ['ls-tree', '--name-only', 'main', 'lessons/'])).stdout).toContain('lessons/document-every-route.md');
    expect((await git(join(root, 'docs'), ['show', 'main:docs/api.md'])).stdout).toContain('following the lesson document-every-route');

    // The rejected bead: nothing of its work landed, it is failed with the reason, its work is kept in its run ref.
    expect((await git(join(root, 'docs'), ['show', 'main:README.md'])).stdout).not.toContain('edited by an agent');
    expect((await git(join(root, 'docs'), ['show', 'main:docs/guide.md'])).stdout).toContain('Teh');
    expect((await git(join(root, 'docs'), ['show', 'main:.agents/beads/docs-b5ue.md'])).stdout).toMatch(/^status: failed$/m);
    expect((await git(join(root, 'docs'), ['show', 'refs/orch/runs/docs-b5ue:work/README.md'])).stdout).toContain('edited by an agent');
    const runJson = JSON.parse((await git(join(root, 'docs'), ['show', 'refs/orch/runs/docs-b5ue:run.json'])).stdout) as { verdict: string };
    expect(runJson.verdict).toBe('rejected');

    // Nothing left claimed, and every repo is valid.
    for (const name of ['api', 'web', 'docs', 'knowledge']) {
      expect((await git(join(root, name), ['for-each-ref', 'refs/orch/claims'])).stdout).toBe('');
      await git(join(root, name), ['fsck', '--strict', '--no-progress']);
    }
    // The person's working trees were brought along with the landed commits.
    expect(await readFile(join(root, 'api', 'src', 'log.js'), 'utf8')).toContain('function log');
    expect((await git(join(root, 'api'), ['status', '--porcelain'])).stdout).toBe('');
  });
});
