import type { Command } from 'commander';
import type { CommandHost } from '../command.js';
import { registerDemo } from './demo.js';

/** Every command, in the order `orch --help` lists them. */
export function registerCommands(program: Command, host: CommandHost): void {
  registerDemo(program, host);
}
