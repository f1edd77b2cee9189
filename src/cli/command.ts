import { Command } from 'commander';
import { createOutput, type Output } from './output.js';

/** Options every command accepts. */
export interface GlobalOptions {
  workspace?: string;
  json?: boolean;
}

/**
 * What a command's action gets: its parsed options (merged with the global
 * ones) and an output. It returns the exit code; errors it throws are mapped
 * by main.ts.
 */
export type Action<O> = (options: O & GlobalOptions, output: Output, args: string[]) => Promise<number>;

export interface CommandHost {
  /** Set by main: the exit code of the action that ran. */
  exitCode: number;
  error: unknown;
}

/** Attach an async action that reports its exit code to the host. */
export function defineAction<O>(command: Command, host: CommandHost, action: Action<O>): Command {
  return command.action(async (...params: unknown[]) => {
    const self = params[params.length - 1] as Command;
    const options = self.optsWithGlobals<O & GlobalOptions>();
    const output = createOutput(options.json === true);
    const args = self.args;
    try {
      host.exitCode = await action(options, output, args);
    } catch (error) {
      host.error = error;
    }
  });
}

/** Add the shared options to a command that lists or reports. */
export function withJson(command: Command): Command {
  return command.option('--json', 'machine-readable output');
}
