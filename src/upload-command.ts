import { loadCommandConfig } from './config/config-file.js';
import {
  refusedRunStatusFile,
  resolveRunOptions,
  type RunOptions,
  type UploadFlags,
} from './config/run-options.js';
import { withKeyringCustomerKey } from './auth/customer-key-source.js';
import { describeExitCode, EXIT, exitCodeFor } from './exit-codes.js';
import { describeStopping, EXIT_DEADLINE_MS, GRACE_MS, watchInterrupts } from './interrupt.js';
import { createLogger, type Logger } from './log/logger.js';
import { reportError } from './report-error.js';
import { runUpload, type RunResult } from './run.js';
import { summarizeLeftOut } from './collector/left-out-summary.js';
import { formatCount } from './status/format.js';
import { recordRefusedRun } from './status/refused-run.js';
import { countLeftOut, formatSummary, listFailures } from './status/summary.js';
import { terminalLineWidth } from './status/terminal-columns.js';

/**
 * The default command: loads the config, uploads and prints the summary; returns the exit code. The CLI loads
 * this module only when an upload runs, so `--help`, `--version` and the subcommands start without the engine.
 */
export async function upload(flags: UploadFlags): Promise<number> {
  const log = createLogger({ debug: flags.debug ?? false, logFile: flags.logFile });
  try {
    return await uploadWithLog(flags, log);
  } catch (error) {
    return reportError(error, { debug: flags.debug ?? false, json: flags.json, log });
  }
}

async function uploadWithLog(flags: UploadFlags, log: Logger): Promise<number> {
  const options = await loadRunOptions(flags, log);
  const interrupts = watchInterrupts({
    graceMs: GRACE_MS,
    onFirst: (signal) => process.stderr.write(`\n${describeStopping(signal)}\n`),
    onForce: () => {
      // the unwinding would have released the bucket lock object; the user learns why a rerun may find it held
      process.stderr.write(
        `upload-to-s3: the run did not end within ${EXIT_DEADLINE_MS / 1000} s of the second signal: its state folder's lock is removed, a --bucket-lock object stays until its lease ends\n`,
      );
      process.exit(EXIT.interrupted);
    },
  });
  try {
    const result = await runUpload(options, interrupts, log).catch((error: unknown) => {
      if (interrupts.stoppedAtOnce) return undefined;
      throw error;
    });
    // a run stopped at once has said so (stderr, status file, --json) as the second signal came
    if (result === undefined || interrupts.stoppedAtOnce) return EXIT.interrupted;
    const output = { json: options.json, debug: options.debug, leftOutList: options.logLeftOut, log };
    // a run stopped part-way still says what it sent, then ends as the error that stopped it
    if (result.stoppedBy !== undefined) {
      printSummary(result, exitCodeFor(result.stoppedBy), output);
      throw result.stoppedBy;
    }
    const exitCode = result.failed > 0 ? EXIT.filesFailed : EXIT.ok;
    if (!options.dryRun) printSummary(result, exitCode, output);
    return exitCode;
  } finally {
    interrupts.dispose();
  }
}

/**
 * The run's options from the config, the flags and the environment. A run refused here still says so in the status
 * file the settings name (see `recordRefusedRun`).
 * @throws ConfigError (or the keyring's error) naming what to fix.
 */
async function loadRunOptions(flags: UploadFlags, log: Logger): Promise<RunOptions> {
  let config: Awaited<ReturnType<typeof loadCommandConfig>>;
  try {
    config = await loadCommandConfig(flags.config);
    // without --config the file may be the user's own or UPLOAD_TO_S3_CONFIG's: --debug says which was read
    log.debug(config ? `config ${config.path}` : 'no config file: settings from flags and the environment');
    return await withKeyringCustomerKey(
      resolveRunOptions(flags, config?.values ?? {}, process.env, new Date(), config?.path),
    );
  } catch (error) {
    const statusFile = refusedRunStatusFile(flags, config?.values ?? {}, process.env, config?.path);
    if (statusFile !== undefined) await recordRefusedRun(statusFile, error, (message) => log.warn(message));
    throw error;
  }
}

/** Enough names for a user to see what kind of file was left out without a long list after every run. */
const LEFT_OUT_SHOWN = 5;

/**
 * The end of a run on stdout: the summary table and what the plan left out (counts by reason, the first few paths,
 * every path with --debug), or one `summary` JSON record with `left_out` counts; failures also go to stderr and
 * the log file.
 */
function printSummary(
  { snapshot, elapsedMs, leftOut }: RunResult,
  exitCode: number,
  output: { json: boolean; debug: boolean; leftOutList: string | undefined; log: Logger },
): void {
  const failures = listFailures(snapshot);
  if (exitCode === EXIT.filesFailed || snapshot.totals.failed > 0) {
    const meaning = `exit ${exitCode}: ${describeExitCode(exitCode)}`;
    output.log.fatal(
      `${snapshot.totals.failed} of ${formatCount(snapshot.totals.files, 'file')} failed (${meaning})`,
    );
    for (const line of failures) output.log.fatal(line);
  }
  if (output.json) {
    const record = {
      type: 'summary',
      time: new Date().toISOString(),
      totals: snapshot.totals,
      elapsed_seconds: elapsedMs / 1000,
      exit_code: exitCode,
      meaning: describeExitCode(exitCode),
      left_out: countLeftOut(leftOut),
    };
    process.stdout.write(`${JSON.stringify(record)}\n`);
    return;
  }
  const leftOutLines = summarizeLeftOut(
    leftOut,
    output.debug ? Infinity : LEFT_OUT_SHOWN,
    output.leftOutList === undefined
      ? '--log-left-out FILE lists them all'
      : `listed in ${output.leftOutList}`,
  );
  const width = terminalLineWidth(process.stdout);
  process.stdout.write(`${formatSummary(snapshot, elapsedMs, leftOutLines, width)}\n`);
  for (const line of failures) process.stderr.write(`${line}\n`);
}
