import path from 'node:path';
import { ConfigError, quoteValue } from '../errors.js';

/** An upload flag that takes a path, by its long and (where it has one) short name. */
interface PathFlag {
  long: string;
  short?: string;
}

const PATH_FLAGS: readonly PathFlag[] = [
  { long: '--config', short: '-c' },
  { long: '--folder', short: '-f' },
  { long: '--state-dir' },
  { long: '--log-file' },
  { long: '--status-json' },
  { long: '--log-csv' },
];

const PROJECT_KEY_FLAG: PathFlag = { long: '--project-key', short: '-p' };
const CONFIG_FLAG: PathFlag = { long: '--config', short: '-c' };
const FOLDER_FLAG: PathFlag = { long: '--folder', short: '-f' };

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
}

/**
 * Checks the upload flags given after `--` and completes them for a task that runs with no console
 * and in another folder: every path must be absolute (Windows rules), `--state-dir machine` is added
 * unless a state folder is given, and `--log-file` / `--status-json` default to
 * `<state folder>\tasks\<taskSlug>\upload.log` and `status.json`.
 * @param machineStateDir what `--state-dir machine` resolves to, e.g. `C:\ProgramData\upload-to-s3`.
 * @throws ConfigError for no command, a subcommand or stray word, a missing --project-key, a
 *   relative path, or a control character in an argument.
 */
export function completeUploadArguments(
  given: readonly string[],
  machineStateDir: string,
  taskSlug: string,
  implied: ImpliedPaths = {},
): ScheduledUpload {
  assertUploadFlags(given);
  const args = [...given];
  const projectKey = readFlag(args, PROJECT_KEY_FLAG);
  if (!projectKey)
    throw new ConfigError(
      'schedule: the upload command after -- has no --project-key; add --project-key KEY after --',
    );
  if (implied.config && !readFlag(args, CONFIG_FLAG)) appendFlag(args, '--config', implied.config);
  if (implied.folder && !readFlag(args, FOLDER_FLAG)) appendFlag(args, '--folder', implied.folder);
  for (const flag of PATH_FLAGS) assertAbsolute(flag.long, readFlag(args, flag));
  const stateDirFlag =
    readFlag(args, { long: '--state-dir' }) ?? appendFlag(args, '--state-dir', MACHINE_STATE_DIR);
  const stateDir = stateDirFlag === MACHINE_STATE_DIR ? machineStateDir : stateDirFlag;
  const taskFolder = path.win32.join(stateDir, 'tasks', taskSlug);
  return {
    args,
    projectKey,
    stateDir,
    logFile:
      readFlag(args, { long: '--log-file' }) ??
      appendFlag(args, '--log-file', path.win32.join(taskFolder, 'upload.log')),
    statusJson:
      readFlag(args, { long: '--status-json' }) ??
      appendFlag(args, '--status-json', path.win32.join(taskFolder, 'status.json')),
    configPath: readFlag(args, CONFIG_FLAG),
    folder: readFlag(args, FOLDER_FLAG),
  };
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
  // eslint-disable-next-line no-control-regex -- a task's XML and command line cannot carry control characters
  const bad = args.find((arg) => /[\u0000-\u001f\u007f]/.test(arg));
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
function assertAbsolute(flag: string, value: string | undefined): void {
  if (value === undefined || (flag === '--state-dir' && value === MACHINE_STATE_DIR)) return;
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

/** The upload flags whose value a schedule reads before the task is defined. */
const READABLE_FLAGS = {
  '--config': CONFIG_FLAG,
  '--folder': FOLDER_FLAG,
  '--project-key': PROJECT_KEY_FLAG,
} as const;

/** The value of one of the upload flags given after `--` (see {@link readFlag}). */
export function readUploadFlag(
  args: readonly string[],
  name: keyof typeof READABLE_FLAGS,
): string | undefined {
  return readFlag(args, READABLE_FLAGS[name]);
}

/** The value of a flag given as `--flag value`, `--flag=value` or `-f value`; the last one wins, as in commander. */
function readFlag(args: readonly string[], flag: PathFlag): string | undefined {
  let value: string | undefined;
  args.forEach((arg, i) => {
    if (arg === flag.long || (flag.short !== undefined && arg === flag.short)) value = args[i + 1];
    else if (arg.startsWith(`${flag.long}=`)) value = arg.slice(flag.long.length + 1);
  });
  return value;
}

function appendFlag(args: string[], flag: string, value: string): string {
  args.push(flag, value);
  return value;
}
