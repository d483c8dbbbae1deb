#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { loadConfigFile, type ConfigFile } from './config/config-file.js';
import { resolveRunOptions, type UploadFlags } from './config/run-options.js';
import { UploadError } from './errors.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { watchInterrupts } from './interrupt.js';
import { createLogger } from './log/logger.js';
import { redact } from './log/redact.js';
import { runUpload } from './run.js';
import { formatSummary, listFailures } from './status/summary.js';
import { registerCommands } from './commands.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const EXAMPLES = `
Examples (PowerShell):
  # Upload reels only
  upload-to-s3 --config config.yaml --folder D:\\reels --project-key RMI25320 --include reels

  # Upload artifacts with a timestamp folder
  upload-to-s3 --config config.yaml --folder D:\\project --project-key RMI25320 --include config logs report --timestamp

  # Upload everything except reels
  upload-to-s3 --config config.yaml --folder D:\\project --project-key RMI25320 --exclude reels --timestamp

  # Large files with SHA-256 verification and a status file
  upload-to-s3 --config config.yaml --folder D:\\reels --project-key RMI25320 --include reels --verify-large --status-json status.json --debug

Exit codes: 0 all done, 1 some files failed, 2 usage, config or credentials error, 3 another run holds the lock, 130 interrupted.`;

function splitList(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

function buildProgram(): Command {
  const program = new Command('upload-to-s3')
    .description(
      'Upload a survey project (reels, config, gis_data, logs, report) to S3 or an S3-compatible store: resumable, verified, never sending the same bytes twice.',
    )
    .version(VERSION, '-V, --version')
    .option(
      '-p, --project-key <key>',
      'project code used as the key prefix, e.g. RMI25320 (required for an upload)',
    )
    .option('-c, --config <file>', 'YAML config file (bucket, endpoint, credentials, folder types)')
    .option('-f, --folder <path>', 'project folder, or a single folder-type folder such as D:\\reels')
    .option('--folder-type <type>', 'treat --folder itself as this folder type')
    .option('--include <types...>', 'only these folder types (space or comma separated)', splitList)
    .option('--exclude <types...>', 'leave out these folder types', splitList)
    .option('--timestamp', 'put uploads under a YYYYMMDD_HHMM folder (now)')
    .option('--custom-timestamp <YYYYMMDD_HHMM>', 'put uploads under this timestamp folder')
    .option(
      '--verify-large',
      'hash large files with SHA-256 before sending (stored as x-amz-meta-sha256) and compare by content on reruns',
    )
    .option('--verify', 'ask the bucket about every file, even those the upload log covers')
    .option('--force', 're-upload every file, whatever is already there')
    .option('-n, --dry-run', 'show the plan and each decision without sending anything')
    .option('--bucket <name>', 'bucket (overrides the config)')
    .option('--endpoint <url>', 'S3-compatible endpoint URL (overrides endpoint_url)')
    .option('--region <region>', 'region (overrides the config)')
    .option('--profile <name>', 'use this AWS profile (auth mode profile)')
    .option('--max-concurrency <n>', "requests in flight: a number or 'cpu*4' (default 16)")
    .option('--max-memory <size>', 'memory for request bodies in flight, e.g. 32MiB')
    .option('--max-bandwidth <rate>', 'limit across all workers, e.g. 20MB/s')
    .option(
      '--socket-timeout <seconds>',
      'fail (and retry) a request whose connection is idle this long (default 300)',
    )
    .option(
      '--min-file-age <seconds>',
      'leave out files modified in the last N seconds (still being written)',
    )
    .option('--sse <mode>', 'server-side encryption for new objects: AES256 or aws:kms (overrides sse)')
    .option('--sse-kms-key-id <id>', 'KMS key for --sse aws:kms (overrides sse_kms_key_id)')
    .option(
      '--checksum-algorithm <name>',
      'how stored bytes are verified: auto (SHA256 checksums on Amazon S3, Content-MD5 elsewhere), SHA256 or md5',
    )
    .option('--status-json <file>', 'JSON status heartbeat file')
    .option('--status-interval <seconds>', 'seconds between status file writes')
    .option('--log-csv <file>', 'CSV upload log (one row per file and outcome)')
    .option('--log-file <file>', 'write diagnostics here instead of stderr')
    .option('--state-dir <folder>', 'folder for resume journals, hash cache and locks')
    .addOption(new Option('--group-by <grouping>', 'status groups').choices(['folder-type', 'reel']))
    .option('--json', 'print one JSON object per event on stdout')
    .option('-q, --quiet', 'print only the summary')
    .option('--debug', 'detailed logging; stack traces on errors')
    .addHelpText('after', EXAMPLES)
    .showSuggestionAfterError(true)
    // Program options only before a subcommand, so `credentials test --config x` reaches the subcommand.
    .enablePositionalOptions()
    .action(async (flags: UploadFlags, command: Command) => {
      // Checked here, not with requiredOption: commander would demand it of every subcommand too.
      if (!flags.projectKey)
        command.error("error: required option '-p, --project-key <key>' not specified", {
          exitCode: EXIT.usage,
        });
      process.exitCode = await upload(flags);
    });
  registerCommands(program);
  return program;
}

async function upload(flags: UploadFlags): Promise<number> {
  const log = createLogger({ debug: flags.debug ?? false, logFile: flags.logFile });
  const file: ConfigFile = flags.config ? (await loadConfigFile(flags.config)).values : {};
  const options = resolveRunOptions(flags, file, process.env, new Date(), flags.config);
  const interrupts = watchInterrupts({
    graceMs: 10_000,
    onFirst: () =>
      process.stderr.write('\nStopping: letting parts in flight finish (Ctrl+C again to stop at once)...\n'),
    onForce: () => process.exit(EXIT.interrupted),
  });
  try {
    const result = await runUpload(options, interrupts, log);
    if (!options.dryRun) printSummary(result.snapshot, result.elapsedMs, options.json);
    return result.failed > 0 ? EXIT.filesFailed : EXIT.ok;
  } finally {
    interrupts.dispose();
  }
}

function printSummary(snapshot: Parameters<typeof formatSummary>[0], elapsedMs: number, json: boolean): void {
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ type: 'summary', totals: snapshot.totals, elapsed_seconds: elapsedMs / 1000 })}\n`,
    );
    return;
  }
  process.stdout.write(`${formatSummary(snapshot, elapsedMs)}\n`);
  for (const line of listFailures(snapshot)) process.stderr.write(`${line}\n`);
}

/** Prints an error as one line (a stack too with --debug) and returns its exit code. */
export function reportError(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  const message =
    error instanceof UploadError
      ? error.message
      : `unexpected error: ${String((error as Error)?.message ?? error)}`;
  process.stderr.write(`upload-to-s3: ${redact(message)}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${redact(error.stack)}\n`);
  return exitCodeFor(error);
}

async function main(argv: string[]): Promise<void> {
  // Node 20.19+ is supported on purpose; the SDK's end-of-support notice is not the user's problem mid-upload.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // A closed pipe (`| Select-Object -First 5`, `| head`) is not an error worth a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  const program = buildProgram().exitOverride();
  // One line per error, like every other error the tool prints: commander puts its suggestion on a second line.
  program.configureOutput({
    writeErr: (text) =>
      process.stderr.write(
        text.replace(/^error: /, 'upload-to-s3: ').replace(/\n\((Did you mean [^)]*)\)/, ' ($1)'),
      ),
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = reportError(error, argv.includes('--debug'));
  }
}

await main(process.argv);
