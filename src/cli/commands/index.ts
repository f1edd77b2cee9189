import type { Command } from 'commander';
import type { CommandHost } from '../command.js';
import { registerBead } from './bead.js';
import { registerBeadQueries } from './beads-query.js';
import { registerDemo } from './demo.js';
import { registerDoctor } from './doctor.js';
import { registerInit } from './init.js';
import { registerRun } from './run.js';
import { registerStatus } from './status.js';
import { registerHooks } from './hooks.js';
import { registerLessons } from './lessons.js';
import { registerLock } from './lock.js';
import { registerSandbox } from './sandbox.js';
import { registerSnapshot } from './snapshot.js';

/** Every command, in the order `orch --help` lists them. */
export function registerCommands(program: Command, host: CommandHost): void {
  registerInit(program, host);
  registerDoctor(program, host);
  registerDemo(program, host);
  registerBead(program, host);
  registerBeadQueries(program, host);
  registerRun(program, host);
  registerStatus(program, host);
  registerSandbox(program, host);
  registerSnapshot(program, host);
  registerLock(program, host);
  registerLessons(program, host);
  registerHooks(program, host);
}
