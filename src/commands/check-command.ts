import path from 'node:path';
import type { Command } from 'commander';
import { applyMinFileAge } from '../collector/min-file-age.js';
import { planUpload } from '../collector/plan-upload.js';
import { HashCache } from '../content/hash-cache.js';
import { loadConfigFile, type ConfigFile } from '../config/config-file.js';
import { wantedSettingsFrom } from '../verifier/check-settings.js';
import { resolveRunOptions, type RunOptions, type UploadFlags } from '../config/run-options.js';
import { withKeyringCustomerKey } from '../auth/customer-key-source.js';
import { EXIT } from '../exit-codes.js';
import { createLogger, type Logger } from '../log/logger.js';
import { connectStore } from '../remote/connect.js';
import { checkPlan, isAllProven, type CheckRow } from '../verifier/check-plan.js';
import { formatCheckJson, formatCheckText, writeCheckReport } from '../verifier/check-report.js';
import { holdYoungGeneration, shouldHoldYoungGeneration } from '../young-generation.js';

/**
 * Upload flags a check refuses: it sends nothing, so forcing, rehearsing or checking an upload means nothing. The
 * others are accepted, so an upload's command line with `check` added checks that upload; those about sending or
 * status files (--log-csv, --max-bandwidth, ...) are ignored.
 */
const NOT_FOR_CHECK = new Set(['--version', '--force', '--dry-run', '--check']);

type CheckFlags = UploadFlags & { download?: boolean; report?: string };

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
  for (const option of program.options) if (!NOT_FOR_CHECK.has(option.long ?? '')) check.addOption(option);
  check
    .option(
      '--download',
      'when nothing stored proves a file, download the object and hash it (never archived classes)',
    )
    .option('--report <file>', 'write every row to this CSV file (key, file, status, reason)')
    .action(async (flags: CheckFlags, command: Command) => {
      if (!flags.projectKey)
        command.error("error: required option '-p, --project-key <key>' not specified", {
          exitCode: EXIT.usage,
        });
      const file: ConfigFile = flags.config ? (await loadConfigFile(flags.config)).values : {};
      const options = await withKeyringCustomerKey(
        resolveRunOptions(flags, file, process.env, new Date(), flags.config),
      );
      const log = createLogger({ debug: options.debug, logFile: options.logFile });
      const rows = await runCheck(options, flags.download ?? false, log);
      if (flags.report) await writeCheckReport(path.resolve(flags.report), rows);
      printRows(rows, options);
      process.exitCode = isAllProven(rows) ? EXIT.ok : EXIT.filesFailed;
    });
}

async function runCheck(options: RunOptions, download: boolean, log: Logger): Promise<CheckRow[]> {
  const plan = applyMinFileAge(await planUpload(options), options.minFileAgeSec, log);
  if (shouldHoldYoungGeneration(plan)) holdYoungGeneration();
  const signal = new AbortController().signal;
  const store = await connectStore(options, log, signal);
  const hashCache = await HashCache.load(options.stateDir);
  try {
    const wanted = wantedSettingsFrom(options.objects);
    return await checkPlan(
      plan,
      { reader: store, bucket: options.bucket, hashCache, signal },
      { download, wanted },
    );
  } finally {
    store.destroy();
    await hashCache
      .save()
      .catch((error: unknown) => log.warn(`could not save the hash cache: ${String(error)}`));
  }
}

function printRows(rows: readonly CheckRow[], options: RunOptions): void {
  const target = `s3://${options.bucket}/${options.prefix}${options.projectKey}/`;
  const lines = options.json
    ? formatCheckJson(rows)
    : formatCheckText(rows, target, { all: options.debug, quiet: options.quiet });
  process.stdout.write(`${lines.join('\n')}\n`);
}
