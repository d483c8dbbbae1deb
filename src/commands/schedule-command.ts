import type { Command } from 'commander';
import { DEFAULT_TIME_LIMIT } from '../schedule/task-definition.js';
import type { ScheduleFlags } from './schedule-action.js';

/**
 * `upload-to-s3 schedule --at HH:MM [--name N] -- <upload flags>`: prints a Windows Task Scheduler
 * task that runs the upload daily (its XML and the schtasks command that registers it); writes the
 * XML with --xml-file; registers it with --register on Windows.
 */
export function registerScheduleCommand(program: Command): void {
  program
    .command('schedule')
    .description('print (or register) a Windows scheduled task that runs an upload daily')
    .argument('[upload-flags...]', 'the upload flags, after --')
    // Checked by defineTask, not commander: a missing --at then exits 2 with one line, like any bad input.
    .option('--at <HH:MM>', 'daily start time, local time (24-hour; required)')
    .option('--name <task>', 'task name in Task Scheduler (default: upload-to-s3 <project key>)')
    .option('--run-as <account>', 'SYSTEM, or DOMAIN\\user (schtasks asks for its password)', 'SYSTEM')
    .option(
      '--time-limit <duration>',
      'stop the run after this long, e.g. 12h, 90m; 0 for none',
      DEFAULT_TIME_LIMIT,
    )
    .option('--working-directory <folder>', "the task's working folder (default: the config's folder)")
    .option('--xml-file <file>', 'also write the task XML here (UTF-16, as schtasks expects)')
    .option('--register', 'register the task with schtasks.exe (Windows, elevated prompt)')
    .addHelpText('after', SCHEDULE_EXAMPLE)
    .action(async (uploadFlags: string[], flags: ScheduleFlags) => {
      const { scheduleTask } = await import('../actions.js');
      await scheduleTask(uploadFlags, flags);
    });
}

const SCHEDULE_EXAMPLE = `
Example (elevated PowerShell):
  upload-to-s3 schedule --name "RMI25320 nightly" --at 02:00 --register -- --config D:\\survey\\config.yaml --folder D:\\survey\\RMI25320 --project-key RMI25320`;
