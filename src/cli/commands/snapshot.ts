import { resolve } from 'node:path';
import type { Command } from 'commander';
import { snapshotCapsOf } from '../../engine/bead-sandbox.js';
import { OrchError } from '../../errors/index.js';
import { writeSnapshot, type WrittenSnapshot } from '../../snapshot/index.js';
import { defineAction, withJson, type CommandHost } from '../command.js';
import { loadWorkspaceFor } from '../context.js';
import { formatTable } from '../output.js';

/**
 * `orch snapshot PEER DEST`: exactly what an agent granted PEER would see
 * under `.shared/PEER`, written into DEST (which must not exist yet): the
 * committed tip of PEER's target branch through the deny-list and size caps.
 */

/** The workspace's snapshot caps as writeSnapshot takes them. */
function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function describe(peer: string, branch: string, written: WrittenSnapshot): string {
  const lines = [
    `Snapshot of ${peer} (${branch} at tree ${written.treeOid.slice(0, 12)}) written to ${written.dir}`,
    `  ${written.files} file${written.files === 1 ? '' : 's'}, ${formatBytes(written.bytes)}${written.truncated ? ' (TRUNCATED at the total size cap)' : ''}`,
  ];
  if (written.skipped.length === 0) lines.push('  nothing skipped');
  else {
    lines.push(`  skipped ${written.skipped.length}:`);
    lines.push(formatTable(written.skipped.map((s) => [`    ${s.path}`, s.reason, s.detail])));
  }
  return lines.join('\n');
}

export function registerSnapshot(program: Command, host: CommandHost): void {
  const command = withJson(
    program
      .command('snapshot <peer> <dest>')
      .description("write the filtered snapshot of a project's target-branch tip into DEST (a new directory)")
      .addHelpText('after', '\nOnly committed regular files travel; the deny-list (.env*, keys, .git, node_modules, ... and snapshot.deny) and size caps apply.'),
  );
  defineAction(command, host, async (options, output, args) => {
    const [peer = '', destArg = ''] = args;
    const { config } = await loadWorkspaceFor(options, output);
    const project = config.projects.find((p) => p.name === peer);
    if (project === undefined) {
      throw new OrchError('PROJECT_UNKNOWN', `no project named ${peer}`, { hint: `known projects: ${config.projects.map((p) => p.name).join(', ') || '(none)'}` });
    }
    const written = await writeSnapshot({ repo: project.path, branch: project.branch, dest: resolve(destArg), extraDeny: config.snapshot.deny, caps: snapshotCapsOf(config) });
    output.result({ project: peer, branch: project.branch, ...written }, () => describe(peer, project.branch, written));
    return 0;
  });
}
