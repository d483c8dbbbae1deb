import path from 'node:path';
import { parseSeconds } from '../config/parse-values.js';
import { ConfigError, quoteValue } from '../errors.js';
import {
  completeUploadArguments,
  describeNotWindowsAbsolute,
  isAbsoluteWindowsPath,
  type ImpliedPaths,
  type ScheduledUpload,
} from './upload-arguments.js';
import { joinWindowsCommandLine, quoteWindowsArgument } from './windows-command-line.js';

/** Who the task runs as: the local SYSTEM account, or a named (service) account with its password. */
export type TaskAccount = { kind: 'system' } | { kind: 'account'; userId: string };

/** What `upload-to-s3 schedule` was asked for, plus what it found about this machine. */
export interface TaskRequest {
  /** The task's name in Task Scheduler. */
  name: string;
  /** Daily start time, `HH:MM` (24-hour, local time). */
  at: string;
  /** The upload flags given after `--`. */
  uploadArgs: readonly string[];
  /** Absolute path of node.exe (process.execPath). */
  nodePath: string;
  /** Absolute path of the CLI's JS entry, dist/cli.js. */
  cliPath: string;
  /** `SYSTEM` (the default) or an account such as `CONTOSO\svc-upload`. */
  runAs?: string | undefined;
  /** Task Scheduler stops the run after this long: `12h`, `90m`, `0` for no limit. */
  timeLimit?: string | undefined;
  workingDirectory?: string | undefined;
  /** `%ProgramData%` of the machine, e.g. `C:\ProgramData`. */
  programData: string;
  /** The day the schedule starts (its date part is used). */
  today: Date;
  /** The config and project folder a run at this prompt would find without flags, given to the task. */
  implied?: ImpliedPaths | undefined;
}

/** A Task Scheduler task that runs one upload, ready to render as XML or a schtasks command. */
export interface TaskDefinition {
  name: string;
  /** Local time of the first run, `YYYY-MM-DDTHH:MM:00`; the task repeats daily from there. */
  startBoundary: string;
  account: TaskAccount;
  /** 0 means no limit. */
  timeLimitSeconds: number;
  /** The program the task starts: node.exe. */
  command: string;
  /** Its arguments as one Windows command line: the CLI's path, then the upload flags. */
  arguments: string;
  workingDirectory: string;
  upload: ScheduledUpload;
}

/** Default for --time-limit: a night's upload, stopped before the working day if it hangs. */
export const DEFAULT_TIME_LIMIT = '12h';

/**
 * Builds the task for a request. Paths follow Windows rules whatever the OS running this.
 * @throws ConfigError naming the flag at fault and the fix (see also {@link completeUploadArguments}).
 */
export function defineTask(request: TaskRequest): TaskDefinition {
  const name = validateTaskName(request.name);
  const upload = completeUploadArguments(
    request.uploadArgs,
    path.win32.join(request.programData, 'upload-to-s3'),
    taskSlug(name),
    request.implied,
  );
  return {
    name,
    startBoundary: startBoundary(request.at, request.today),
    account: parseAccount(request.runAs),
    timeLimitSeconds: Math.round(parseSeconds(request.timeLimit ?? DEFAULT_TIME_LIMIT, '--time-limit')),
    command: request.nodePath,
    arguments: joinWindowsCommandLine([request.cliPath, ...upload.args]),
    workingDirectory: resolveWorkingDirectory(request.workingDirectory, upload, request.programData),
    upload,
  };
}

/** The whole command line the task runs, as Task Scheduler passes it to CreateProcess. */
export function formatTaskCommandLine(task: TaskDefinition): string {
  return `${quoteWindowsArgument(task.command)} ${task.arguments}`;
}

/**
 * The `schtasks /Create` command that registers the task from its XML file; `/F` replaces a task of
 * the same name. For an account, `/RP *` makes schtasks ask for the password, which is stored so
 * the task runs whether the user is logged on or not.
 */
export function schtasksArguments(task: TaskDefinition, xmlPath: string): string[] {
  const account = task.account.kind === 'account' ? ['/RU', task.account.userId, '/RP', '*'] : [];
  return ['/Create', '/TN', task.name, '/XML', xmlPath, ...account, '/F'];
}

/** A file or folder name for the task: `RMI25320 nightly` -> `RMI25320-nightly`. */
export function taskSlug(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'task';
}

function validateTaskName(name: string): string {
  const trimmed = name.trim();
  // eslint-disable-next-line no-control-regex -- Task Scheduler refuses these in a task name
  if (!trimmed || /[\\/:*?"<>|\u0000-\u001f]/.test(trimmed))
    throw new ConfigError(
      `schedule --name: ${quoteValue(name)} is not a task name; use letters, digits, spaces, - and _, e.g. "RMI25320 nightly"`,
    );
  return trimmed;
}

function startBoundary(at: string, today: Date): string {
  if (!at.trim())
    throw new ConfigError('schedule --at: no start time given; add the daily start time, e.g. --at 02:00');
  const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(at.trim());
  if (!match?.[1] || !match[2])
    throw new ConfigError(`schedule --at: ${quoteValue(at)} is not a time of day; use HH:MM, e.g. 02:00`);
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}`;
  return `${date}T${pad(Number(match[1]))}:${match[2]}:00`;
}

function parseAccount(runAs: string | undefined): TaskAccount {
  const userId = (runAs ?? 'SYSTEM').trim();
  if (/^(NT AUTHORITY\\)?SYSTEM$/i.test(userId) || userId === 'S-1-5-18') return { kind: 'system' };
  if (!/^[^"<>|\s][^"<>|]*$/.test(userId))
    throw new ConfigError(
      `schedule --run-as: ${quoteValue(runAs)} is not an account; use SYSTEM or DOMAIN\\user (.\\user for a local account)`,
    );
  return { kind: 'account', userId };
}

/**
 * The config's folder, else the project folder, else %ProgramData%: never this prompt's folder, and
 * never one the run creates, since Task Scheduler refuses to start in a folder that does not exist.
 */
function resolveWorkingDirectory(
  given: string | undefined,
  upload: ScheduledUpload,
  programData: string,
): string {
  if (given !== undefined && !isAbsoluteWindowsPath(given))
    throw new ConfigError(
      `schedule --working-directory: ${quoteValue(given)} ${describeNotWindowsAbsolute(given)}; give the full path, e.g. D:\\survey`,
    );
  if (given !== undefined) return given;
  if (upload.configPath) return path.win32.dirname(upload.configPath);
  return upload.folder ?? programData;
}
