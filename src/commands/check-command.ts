import { Option, type Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import type { CheckFlags } from './check-action.js';

/**
 * Upload flags a check refuses, each by name: it sends and changes nothing, so forcing, rehearsing, fixing or
 * checking an upload means nothing. The others are accepted, so an upload's command line with `check` added checks
 * that upload; those about sending or status files (--log-csv, --max-bandwidth, ...) are ignored.
 */
const REFUSED_BY_CHECK = ['--force', '--dry-run', '--check', '--fix-settings'];

/**
 * `upload-to-s3 check`: takes the upload's own flags (the options of `program`, so both parse them alike), plans
 * the files and proves each one is in the bucket by content, like `rclone check`. Prints missing, different,
 * unproven and extra keys, and proven objects whose storage class, encryption or tags differ from the settings;
 * exit code 0 only when every planned file is proven with its settings. Sends nothing and takes no lock.
 * Register it after the upload's options are defined.
 */
export function registerCheckCommand(program: Command): void {
  const check = program
    .command('check')
    .description('prove the bucket holds the planned files (size and content), sending nothing');
  for (const option of program.options) {
    const long = option.long ?? '';
    if (REFUSED_BY_CHECK.includes(long)) check.addOption(new Option(option.flags).hideHelp());
    else if (long !== '--version') check.addOption(option);
  }
  check
    .option(
      '--download',
      'when nothing stored proves a file, download the object and hash it (never archived classes)',
    )
    .option('--report <file>', 'write every row to this CSV file (key, file, status, reason)')
    .action(async (flags: CheckFlags, command: Command) => {
      const refused = REFUSED_BY_CHECK.find((long) =>
        command.getOptionValue(new Option(long).attributeName()),
      );
      if (refused)
        command.error(
          `upload-to-s3: check sends and changes nothing, so it takes no ${refused}; ` +
            `run the upload with ${refused} (upload-to-s3 --help)`,
          { exitCode: EXIT.usage },
        );
      if (!flags.projectKey)
        command.error("error: required option '-p, --project-key <key>' not specified", {
          exitCode: EXIT.usage,
        });
      const { checkUpload } = await import('../actions.js');
      await checkUpload(flags);
    });
}
