import path from 'node:path';
import type { UploadFlags } from '../config/run-options.js';
import { ConfigError, quoteValue } from '../errors.js';
import { findLineBreakingControl } from '../status/control-escapes.js';
import { listPathOptions, parseUploadFlags } from '../upload-options.js';

/**
 * Paths a run started at this prompt would find by itself (the user's config file, the project in the current
 * folder) and a task, started as another account in another folder, would not: the task is given them.
 */
export interface ImpliedPaths {
  config?: string | undefined;
  folder?: string | undefined;
}

/** The value of `--state-dir` that names the machine-wide state folder. */
export const MACHINE_STATE_DIR = 'machine';

/** The upload command line of a scheduled task, completed, with where its output lands. */
export interface ScheduledUpload {
  /** The upload's arguments as the task passes them, after the CLI's path. */
  args: string[];
  projectKey: string;
  /** The state folder the run uses (`--state-dir machine` resolved). */
  stateDir: string;
  logFile: string;
  statusJson: string;
  configPath: string | undefined;
  folder: string | undefined;
  /** The flags of `args`, as the run reads them. */
  flags: UploadFlags;
}

/**
 * Checks the upload flags given after `--` and completes them for a task that runs with no console
 * and in another folder: every path must be absolute (Windows rules), `--state-dir machine` is added
 * unless a state folder is given, and `--log-file` / `--status-json` default to
 * `<state folder>\tasks\<taskSlug>\upload.log` and `status.json`.
 * @param machineStateDir what `--state-dir machine` resolves to, e.g. `C:\ProgramData\upload-to-s3`.
 * @throws ConfigError as {@link readScheduledFlags}, and for a missing --project-key or a relative path.
 */
export function completeUploadArguments(
  given: readonly string[],
  machineStateDir: string,
  taskSlug: string,
  implied: ImpliedPaths = {},
): ScheduledUpload {
  const flags = readScheduledFlags(given);
  if (!flags.projectKey)
    throw new ConfigError(
      'schedule: the upload command after -- has no --project-key; add --project-key KEY after --',
    );
  const args = [...given];
  const completed: UploadFlags = { ...flags };
  if (implied.config && !flags.config) completed.config = appendFlag(args, '--config', implied.config);
  if (implied.folder && !flags.folder) completed.folder = appendFlag(args, '--folder', implied.folder);
  // every upload flag that takes a path: a task starts in another folder, where a relative one would not lead
  for (const option of listPathOptions()) assertAbsolute(option.long, completed[option.key]);
  completed.stateDir ??= appendFlag(args, '--state-dir', MACHINE_STATE_DIR);
  const stateDir = completed.stateDir === MACHINE_STATE_DIR ? machineStateDir : completed.stateDir;
  const taskFolder = path.win32.join(stateDir, 'tasks', taskSlug);
  completed.logFile ??= appendFlag(args, '--log-file', path.win32.join(taskFolder, 'upload.log'));
  completed.statusJson ??= appendFlag(args, '--status-json', path.win32.join(taskFolder, 'status.json'));
  return {
    args,
    projectKey: flags.projectKey,
    stateDir,
    logFile: completed.logFile,
    statusJson: completed.statusJson,
    configPath: completed.config,
    folder: completed.folder,
    flags: completed,
  };
}

/**
 * The upload flags given after `--`, read by the upload's own parser, so that a task never runs a command line
 * every run would refuse.
 * @throws ConfigError for no command, a subcommand or stray word, a control character in an argument, an unknown
 *   flag (with the flag it may have meant), a flag without its value, or a value outside a flag's choices.
 */
export function readScheduledFlags(given: readonly string[]): UploadFlags {
  assertUploadFlags(given);
  try {
    return parseUploadFlags(given);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(
      `schedule: the upload after --: ${error.message.replace(/\.$/, '')}; only an upload's flags can be scheduled (upload-to-s3 --help lists them)`,
      { cause: error },
    );
  }
}

function assertUploadFlags(args: readonly string[]): void {
  const first = args[0];
  if (first === undefined)
    throw new ConfigError(
      'schedule: no upload command after --; put the upload flags after --, e.g. -- --config D:\\survey\\config.yaml --folder D:\\survey\\RMI25320 --project-key RMI25320',
    );
  if (!first.startsWith('-'))
    throw new ConfigError(
      `schedule: ${quoteValue(first)} after -- is not an upload flag; only the flags of an upload can be scheduled, e.g. -- --config D:\\survey\\config.yaml --project-key RMI25320`,
    );
  // a task's XML and command line cannot carry a character that breaks a line or commands a terminal
  const bad = args.find((arg) => findLineBreakingControl(arg) !== undefined);
  if (bad !== undefined)
    throw new ConfigError(
      `schedule: the argument ${quoteValue(bad)} contains a control character (a newline?); retype it on one line`,
    );
}

/**
 * Why a path will not do in a Windows task: a POSIX absolute path (typed on Linux or macOS, where the task XML may
 * be prepared) has no drive on Windows; any other is relative to a folder the task does not start in.
 */
export function describeNotWindowsAbsolute(value: string): string {
  return value.startsWith('/')
    ? 'has no drive letter, so Task Scheduler on Windows would not find it'
    : 'is a relative path, which a scheduled task would look for in another folder';
}

/** A task starts in another folder than this prompt: a relative path would point somewhere else. */
function assertAbsolute(flag: string, value: unknown): void {
  if (typeof value !== 'string' || (flag === '--state-dir' && value === MACHINE_STATE_DIR)) return;
  if (!isAbsoluteWindowsPath(value))
    throw new ConfigError(
      `schedule ${flag}: ${quoteValue(value)} ${describeNotWindowsAbsolute(value)}; give the full path, e.g. D:\\survey\\${path.win32.basename(value) || 'folder'}`,
    );
}

/**
 * True for `C:\...` and `\\server\share\...`. A path rooted without a drive (`\survey`) is relative
 * to the drive of the task's working folder, so it counts as relative here.
 */
export function isAbsoluteWindowsPath(value: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(value) || /^[\\/]{2}[^\\/]+[\\/][^\\/]+/.test(value);
}

function appendFlag(args: string[], flag: string, value: string): string {
  args.push(flag, value);
  return value;
}
