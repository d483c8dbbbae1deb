import type { Command } from 'commander';
import type { StatusFlags } from './status-action.js';

/** `upload-to-s3 status [status.json] [--watch]`: shows a status file written by another run. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('show the status file of a running or finished upload')
    .argument(
      '[status-json]',
      "the status file (--status-json of that run); default: the newest in the state folders, the user's and the machine's",
    )
    .option('-p, --project-key <key>', "without a path: the newest status file of this project's runs")
    .option('-c, --config <file>', 'without a path: the config whose state_dir and status_json to look in')
    .option('--state-dir <folder>', 'without a path: look in this state folder')
    .option('-w, --watch', 'keep showing it until the run ends (Ctrl+C to stop watching)')
    .option('--interval <seconds>', 'refresh interval with --watch', '2')
    .option('--json', 'print the status as one JSON object per line (one per change with --watch)')
    .action(async (file: string | undefined, flags: StatusFlags) => {
      const { showStatus } = await import('./status-action.js');
      await showStatus(file, flags);
    });
}
