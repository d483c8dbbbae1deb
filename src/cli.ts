#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { describeConfigDefault } from './config/config-location.js';
import { splitFolderTypeList } from './config/folder-type-selection.js';
import type { UploadFlags } from './config/run-options.js';
import { describeSwallowedQuote } from './config/swallowed-quote.js';
import { ConfigError } from './errors.js';
import { EXIT } from './exit-codes.js';
import { reportError } from './report-error.js';
import { registerCommands } from './commands.js';
import { carryLeadingOptions } from './commands/leading-options.js';

/** Set by the bundler (scripts/build.mjs); absent when the source runs as it is. */
declare const __UPLOAD_TO_S3_VERSION__: string | undefined;

// the bundle knows its version: reading package.json would cost a file read at every start
const VERSION =
  typeof __UPLOAD_TO_S3_VERSION__ === 'string'
    ? __UPLOAD_TO_S3_VERSION__
    : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
        .version;

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

/** Collects a list flag over its arguments, each split at commas and blanks (see splitFolderTypeList). */
function splitList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...splitFolderTypeList(value)];
}

/** Collects a repeatable flag's values in order. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** One line per error, like every other error the tool prints: commander puts its suggestion on a second line. */
function writeOneLineError(text: string): void {
  process.stderr.write(
    text.replace(/^error: /, 'upload-to-s3: ').replace(/\n\((Did you mean [^)]*)\)/, ' ($1)'),
  );
}

function buildProgram(): Command {
  const program = new Command('upload-to-s3')
    // Set first: subcommands copy these when created, so theirs too end with a usage exit code and one line.
    .exitOverride()
    .configureOutput({ writeErr: writeOneLineError })
    .description(
      'Upload a survey project (reels, config, gis_data, logs, report) to S3 or an S3-compatible store: resumable, verified, never sending the same bytes twice.',
    )
    .version(VERSION, '-V, --version')
    .option(
      '-p, --project-key <key>',
      'project code used as the key prefix, e.g. RMI25320 (required for an upload)',
    )
    .option(
      '-c, --config <file>',
      `YAML config file (bucket, endpoint, credentials, folder types); ${describeConfigDefault()}`,
    )
    .option(
      '-f, --folder <path>',
      "project folder, or a single folder-type folder such as D:\\reels; default: the project key's folder (this one or one above, one in it, or under project_base)",
    )
    .option('--folder-type <type>', 'treat --folder itself as this folder type')
    .option(
      '--include <types...>',
      'only these folder types, any case, space or comma separated (reels,config or reels config)',
      splitList,
    )
    .option('--exclude <types...>', 'leave out these folder types (same forms as --include)', splitList)
    .option('--timestamp', 'put uploads under a YYYYMMDD_HHMM folder (now)')
    .option(
      '--custom-timestamp <YYYYMMDD_HHMM>',
      'put uploads under this timestamp folder (instead of --timestamp)',
    )
    .option(
      '--verify-large',
      'hash large files with SHA-256 before sending (stored as x-amz-meta-sha256) and compare by content on reruns',
    )
    .option(
      '--verify',
      'ask the bucket about every file, even those the upload log covers (not with --force)',
    )
    .option(
      '--check',
      'ignore the upload log: skip only files the bucket proves it holds (by content), then prove what was sent',
    )
    .option(
      '--fix-settings',
      'give objects already there the configured storage class, encryption and tags, by a copy in place (no re-upload)',
    )
    .option('--force', 're-upload every file, whatever is already there')
    .option('-n, --dry-run', 'show the plan and each decision without sending anything')
    .option('--bucket <name>', 'bucket (overrides the config)')
    .option('--endpoint <url>', 'S3-compatible endpoint URL (overrides endpoint_url)')
    .option('--region <region>', 'region (overrides the config)')
    .option('--profile <name>', 'use this AWS profile (auth mode profile)')
    .option(
      '--ca-bundle <file>',
      'PEM file of a CA to trust for an HTTPS endpoint, beside the built-in ones (overrides AWS_CA_BUNDLE, ca_bundle)',
    )
    .option('--max-concurrency <n>', "requests in flight: a number or 'cpu*4' (default 16)")
    .option('--max-memory <size>', 'memory for request bodies in flight, e.g. 32MiB')
    .option(
      '--max-bandwidth <rate>',
      'limit across all workers, with a unit: 20MB/s, 20MiB/s (bytes) or 160Mbit/s, 160Mbps (bits); 0 for none',
    )
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
      '--storage-class <class>',
      'storage class for every new object, e.g. STANDARD_IA or DEEP_ARCHIVE (overrides storage_class)',
    )
    .option(
      '--acl <canned-acl>',
      'canned ACL for new objects, e.g. bucket-owner-full-control (overrides acl)',
    )
    .option(
      '--expected-bucket-owner <account-id>',
      'refuse to write unless this AWS account owns the bucket (overrides expected_bucket_owner)',
    )
    .option(
      '--tag <key=value>',
      'object tag, repeatable; adds to tags (default project=<project key>)',
      collect,
    )
    .option('--metadata <key=value>', 'user metadata, repeatable; adds to metadata', collect)
    .option(
      '--checksum-algorithm <name>',
      'how stored bytes are verified: auto (SHA256 checksums on Amazon S3, Content-MD5 elsewhere), SHA256, CRC32, CRC32C, CRC64NVME (full-object) or md5',
    )
    .option('--status-json <file>', 'JSON status heartbeat file')
    .option('--status-interval <seconds>', 'seconds between status file writes')
    .option('--log-csv <file>', 'CSV upload log (one row per file and outcome)')
    .option('--log-file <file>', 'write diagnostics here instead of stderr')
    .option(
      '--log-left-out <file>',
      'write every file the plan leaves out, with the reason, to this CSV file',
    )
    .option(
      '--state-dir <folder>',
      "folder for resume journals, hash cache and locks; 'machine' for the one shared by all accounts",
    )
    .option('--bucket-lock', 'also hold a lock object in the bucket (machines with separate state folders)')
    .addOption(new Option('--group-by <grouping>', 'status groups').choices(['folder-type', 'reel']))
    .option('--json', 'print one JSON object per event on stdout')
    .option('-q, --quiet', 'print only the summary (not with --json)')
    .option('--debug', 'detailed logging; stack traces on errors')
    .addHelpText('after', EXAMPLES)
    .showSuggestionAfterError(true)
    // Program options only before a subcommand, so `credentials test --config x` reaches the subcommand.
    .enablePositionalOptions()
    .action(async (flags: UploadFlags, command: Command) => {
      const [word] = command.args;
      if (word !== undefined)
        command.error(describeStrayWord(word, command, flags), { exitCode: EXIT.usage });
      // Checked here, not with requiredOption: commander would demand it of every subcommand too.
      if (!flags.projectKey)
        command.error("error: required option '-p, --project-key <key>' not specified", {
          exitCode: EXIT.usage,
        });
      const { upload } = await import('./actions.js');
      process.exitCode = await upload(flags);
    });
  registerCommands(program);
  carryLeadingOptions(program);
  // after the subcommands, which would copy it: a stray word reaches the action, which names the commands
  program.allowExcessArguments();
  // commander offers `help [command]` only to a program without an action of its own; `aws help` users type it
  program.helpCommand(true);
  return program;
}

/**
 * An upload takes only options, so a word of its own is a mistyped command (`stauts`) or a value without its flag
 * (`upload-to-s3 RMI25320`); commander's "too many arguments" says neither.
 */
function describeStrayWord(word: string, program: Command, flags: UploadFlags): string {
  const commands = program.commands.map((c) => c.name()).join(', ');
  const example = flags.projectKey ? 'a value goes after its flag' : `e.g. --project-key ${word}`;
  return `error: unknown command '${word}' (the commands are ${commands}; an upload takes only options: ${example})`;
}

/**
 * A closed pipe (`| Select-Object -First 5`, `| head`) or a closed terminal (after SIGHUP) stops the output, not
 * the upload: the run goes on silently and its exit code still says how it ended. Exiting on EPIPE would end a
 * half-done upload with exit 0.
 */
function keepRunningWithoutReaders(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'EIO' && error.code !== 'ECONNRESET') throw error;
      stream.write = () => true;
    });
  }
}

async function main(argv: string[]): Promise<void> {
  // Node 20.19+ is supported on purpose; the SDK's end-of-support notice is not the user's problem mid-upload.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  keepRunningWithoutReaders();
  const program = buildProgram();
  try {
    const swallowed = describeSwallowedQuote(argv.slice(2));
    if (swallowed) throw new ConfigError(swallowed);
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = reportError(error, { debug: argv.includes('--debug'), json: argv.includes('--json') });
  }
}

await main(process.argv);
