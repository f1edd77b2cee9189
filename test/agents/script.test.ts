import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOrchError } from '../../src/errors/index.js';
import { planScript, RUNNER_PATH, scriptAgent } from '../../src/agents/script.js';
import type { AgentInput } from '../../src/agents/types.js';
import { HAS_BWRAP, skipUnless } from '../support/require.js';
import { tempDir } from '../support/tmp.js';
import { runPlanInBwrap } from './run-plan.js';

function beadInput(body: string): AgentInput {
  const front = '---\nid: api-k3f9\ntitle: Try scripts\nstatus: open\n---\n';
  return {
    bead: { id: 'api-k3f9', title: 'Try scripts', project: 'api', body, files: [], deps: [], rawText: front + body },
    beadPathInProject: '.agents/beads/api-k3f9.md',
    lessonsText: '',
    peers: [],
    projectName: 'api',
  };
}

describe('script agent plan', () => {
  it('writes one file per block plus a runner, and runs the runner with /bin/sh', () => {
    const plan = planScript(beadInput('Do it.\n\n```orch-script\necho one\n```\n\n~~~orch-script\necho two\n~~~\n'));
    expect(plan.command).toEqual(['/bin/sh', RUNNER_PATH]);
    expect(plan.files.map((f) => [f.sandboxPath, f.content])).toEqual([
      ['/orch/script-1.sh', 'echo one\n'],
      ['/orch/script-2.sh', 'echo two\n'],
      [RUNNER_PATH, expect.stringContaining('/bin/sh -e /orch/script-2.sh')],
    ]);
    expect(plan.files.every((f) => f.sandboxPath.startsWith('/orch/'))).toBe(true);
    // The runner names each block by its line in the bead file (frontmatter is 5 lines, block 1 opens on body line 3).
    expect(plan.files[2]?.content).toContain('.agents/beads/api-k3f9.md:8');
  });

  it('fails with AGENT_NO_SCRIPT naming the bead file when the body has no orch-script block', () => {
    let caught: unknown;
    try {
      scriptAgent.plan(beadInput('Just prose.\n\n```sh\necho not tagged\n```\n'));
    } catch (error) {
      caught = error;
    }
    expect(isOrchError(caught, 'AGENT_NO_SCRIPT')).toBe(true);
    if (!isOrchError(caught)) return;
    expect(caught.category).toBe('input');
    expect(caught.message).toContain('.agents/beads/api-k3f9.md');
    expect(caught.location?.file).toBe('.agents/beads/api-k3f9.md');
  });

  it('keeps twelve blocks in numeric order (script-10 after script-9)', () => {
    const body = Array.from({ length: 12 }, (_, i) => `\`\`\`orch-script\necho ${i + 1}\n\`\`\`\n`).join('\n');
    const runner = planScript(beadInput(body)).files.at(-1)?.content ?? '';
    const order = [...runner.matchAll(/script-(\d+)\.sh/g)].map((m) => Number(m[1]));
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });
});

describe('script agent in a sandbox', () => {
  it.skipIf(skipUnless(HAS_BWRAP, 'bwrap'))('runs each block with sh -e in /project, in order, and stops at the first failure with its exit code', async () => {
    const project = await tempDir('orch-script-');
    const body = [
      '```orch-script',
      'mkdir sub && cd sub',
      'echo one > ../a.txt',
      '```',
      '```orch-script',
      'pwd > where.txt',
      'false',
      'echo after-false > b.txt',
      '```',
      '```orch-script',
      'echo three > c.txt',
      '```',
      '',
    ].join('\n');
    const result = await runPlanInBwrap(planScript(beadInput(body)), project);
    expect(result.status).toBe(1);
    expect(await readFile(join(project, 'a.txt'), 'utf8')).toBe('one\n');
    // Block 2 starts back in /project (each block is its own sh), and -e stops it at `false`.
    expect(await readFile(join(project, 'where.txt'), 'utf8')).toBe('/project\n');
    expect(existsSync(join(project, 'b.txt'))).toBe(false);
    // Block 3 never runs.
    expect(existsSync(join(project, 'c.txt'))).toBe(false);
    expect(result.stderr).toContain('orch-script block 2 of 3 (.agents/beads/api-k3f9.md:10) failed with exit status 1');
  });

  it.skipIf(skipUnless(HAS_BWRAP, 'bwrap'))('propagates a block\'s own exit code and exits 0 when every block succeeds', async () => {
    const failing = await tempDir('orch-script-');
    const code = await runPlanInBwrap(planScript(beadInput('```orch-script\nexit 7\n```\n')), failing);
    expect(code.status).toBe(7);

    const passing = await tempDir('orch-script-');
    const ok = await runPlanInBwrap(planScript(beadInput("```orch-script\nprintf '%s' \"it's quoted\" > q.txt\n```\n```orch-script\necho done\n```\n")), passing);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe('done\n');
    expect(await readFile(join(passing, 'q.txt'), 'utf8')).toBe("it's quoted");
  });
});
