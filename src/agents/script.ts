import { OrchError } from '../errors/index.js';
import { extractScriptBlocks, SCRIPT_TAG, type ScriptBlock } from './script-blocks.js';
import { SANDBOX, type AgentAdapter, type AgentInput, type AgentPlan, type PlanFile } from './types.js';

/**
 * The default agent: runs each ```orch-script block of the bead body, in
 * order, each in its own `sh -e` with working directory /project. The first
 * failing block stops the run and its exit code is the agent's exit code.
 * Needs nothing installed beyond /bin/sh; deterministic.
 */

export const RUNNER_PATH = `${SANDBOX.orch}/run-scripts.sh`;

export function scriptPath(index: number): string {
  return `${SANDBOX.orch}/script-${index}.sh`;
}

/** The 1-based line of the body's first line inside the bead file (0 offset when it cannot be told). */
function bodyLineOffset(rawText: string, body: string): number {
  if (body === '' || !rawText.endsWith(body)) return 0;
  const head = rawText.slice(0, rawText.length - body.length);
  return head.split(/\r\n|\n|\r/).length - 1;
}

/** Single-quote a string for sh. */
function quoteSh(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The runner: one `sh -e` per block, stop at the first failure, keep its exit code. */
export function renderRunner(blocks: readonly ScriptBlock[], beadFile: string, lineOffset: number): string {
  const out = [
    '# Written by orch: runs the bead\'s orch-script blocks in order, each with sh -e in /project.',
    `# Source: ${beadFile.replace(/[\r\n]/g, ' ')}`,
    `cd ${SANDBOX.project} || exit 1`,
  ];
  for (const block of blocks) {
    const where = `${beadFile}:${block.line + lineOffset}`;
    const failed = `orch: orch-script block ${block.index} of ${blocks.length} (${where}) failed with exit status`;
    out.push(`/bin/sh -e ${scriptPath(block.index)} || { status=$?; printf '%s %s\\n' ${quoteSh(failed)} "$status" >&2; exit "$status"; }`);
  }
  out.push('exit 0', '');
  return out.join('\n');
}

export function planScript(input: AgentInput): AgentPlan {
  const blocks = extractScriptBlocks(input.bead.body);
  const beadFile = input.beadPathInProject;
  if (blocks.length === 0) {
    throw new OrchError('AGENT_NO_SCRIPT', `${beadFile}: bead ${input.bead.id} has no \`\`\`${SCRIPT_TAG} block for the script agent to run`, {
      location: { file: beadFile },
      data: { project: input.projectName, bead: input.bead.id },
      hint: `add a fenced block opened with \`\`\`${SCRIPT_TAG} to the bead body, or set the project's agent to another preset or command`,
    });
  }
  const files: PlanFile[] = blocks.map((block) => ({ sandboxPath: scriptPath(block.index), content: block.content, mode: 0o644 }));
  const offset = bodyLineOffset(input.bead.rawText, input.bead.body);
  files.push({ sandboxPath: RUNNER_PATH, content: renderRunner(blocks, beadFile, offset), mode: 0o644 });
  return { files, command: ['/bin/sh', RUNNER_PATH] };
}

export const scriptAgent: AgentAdapter = { name: 'script', plan: planScript };
