import type { Command } from 'commander';
import { defineAction, type CommandHost } from '../command.js';

export function registerDemo(program: Command, host: CommandHost): void {
  const command = program
    .command('demo [dir]')
    .description('build the example workspace from .orch-example/ and run it to the end')
    .option('--ui', 'also serve the dashboard');
  defineAction(command, host, async (_options, output) => {
    output.line('orch demo: not yet (the example workspace lands with issue 9).');
    return 0;
  });
}
