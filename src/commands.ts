import type { Command } from 'commander';
import { registerCheckCommand } from './commands/check-command.js';
import { registerCleanupCommand } from './commands/cleanup-command.js';
import { registerCredentialsCommand } from './commands/credentials-command.js';
import { registerScheduleCommand } from './commands/schedule-command.js';
import { registerStatusCommand } from './commands/status-command.js';

/** Adds the subcommands next to the default upload action. */
export function registerCommands(program: Command): void {
  registerStatusCommand(program);
  registerCleanupCommand(program);
  registerCredentialsCommand(program);
  registerCheckCommand(program);
  registerScheduleCommand(program);
}
