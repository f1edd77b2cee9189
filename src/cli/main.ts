import { Command, CommanderError } from 'commander';
import { OrchError } from '../errors/index.js';
import type { CommandHost } from './command.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { createOutput } from './output.js';
import { registerCommands } from './commands/index.js';

export function buildProgram(host: CommandHost): Command {
  const program = new Command('orch')
    .description('Run coding agents across many git repositories at once, each in its own sandbox; git is the only database.')
    .option('--workspace <dir>', 'workspace directory (default: nearest parent with .orch/)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  registerCommands(program, host);
  program.commands.forEach(function inherit(command: Command): void {
    command.exitOverride();
    command.showHelpAfterError('(run with --help for usage)');
    command.commands.forEach(inherit);
  });
  return program;
}

/** Runs orch with argv (without node and script), returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const host: CommandHost = { exitCode: EXIT.ok, error: undefined };
  const program = buildProgram(host);
  const json = argv.includes('--json');
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.usage;
    }
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
      if (error.code === 'commander.executeSubCommandAsync') return EXIT.failed;
      return EXIT.usage;
    }
    host.error = error;
  }
  if (host.error !== undefined) {
    createOutput(json).error(host.error);
    return exitCodeFor(host.error);
  }
  return host.exitCode;
}

export function usageError(message: string, hint?: string): OrchError {
  return new OrchError('USAGE', message, hint === undefined ? {} : { hint });
}
