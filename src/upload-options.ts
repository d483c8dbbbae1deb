import { Command, CommanderError, Option } from 'commander';
import { describeConfigDefault } from './config/config-location.js';
import { splitFolderTypeList } from './config/folder-type-selection.js';
import type { UploadFlags } from './config/run-options.js';
import { ConfigError, quoteValue } from './errors.js';

/** Collects a list flag over its arguments, each split at commas and blanks (see splitFolderTypeList). */
function splitList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...splitFolderTypeList(value)];
}

/** Collects a repeatable flag's values in order. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Adds the options of an upload to `command`: the CLI's own, and the ones `schedule` checks after `--` with the same
 * parser. Returns `command`.
 */
export function addUploadOptions(command: Command): Command {
  return command
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
      'ignore the upload log: skip files the bucket proves it holds by content (by their recorded mtime, with a warning, where nothing can), then prove what was sent',
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
      'limit across all workers, with a unit: 20MB/s, 20MiB/s (bytes) or 160Mbit/s, 160Mbps (bits); 0 for none; or a timetable of local times, "08:00,2MB/s 18:00,off" (Mon-08:00,2MB/s for a day)',
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
    .option('--debug', 'detailed logging; stack traces on errors');
}

/** An upload option whose value is a path, by its names and the field of {@link UploadFlags} it fills. */
export interface PathOption {
  long: string;
  short?: string | undefined;
  key: keyof UploadFlags;
}

/** The upload options whose value is a path: the ones named `<file>`, `<path>` or `<folder>` in their flags. */
export function listPathOptions(): PathOption[] {
  return addUploadOptions(new Command())
    .options.filter((option) => /<(file|path|folder)>/.test(option.flags))
    .map((option) => ({
      long: option.long!,
      short: option.short,
      key: option.attributeName() as keyof UploadFlags,
    }));
}

/**
 * Reads upload flags as the CLI does (`-pK1`, `-c FILE`, `--flag=value`; the last of a flag given twice wins).
 * @throws ConfigError with commander's complaint on one line: an unknown option (with its suggestion), a missing
 * value, a value outside the option's choices, or a word that is no option's value.
 */
export function parseUploadFlags(args: readonly string[]): UploadFlags {
  const command = addUploadOptions(new Command('upload-to-s3'))
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} })
    .helpOption(false)
    .showSuggestionAfterError(true)
    .allowExcessArguments(true);
  try {
    command.parse([...args], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    const message = error.message.replace(/^error: /, '').replace(/\n\((Did you mean [^)]*)\)/, ' ($1)');
    throw new ConfigError(message, { cause: error });
  }
  const [word] = command.args;
  if (word !== undefined)
    throw new ConfigError(`${quoteValue(word)} is neither an upload flag nor the value of one`);
  return command.opts<UploadFlags>();
}
