import path from 'node:path';
import { ConfigError } from '../errors.js';
import { makeFolderSync } from '../state/make-folder.js';
import { appendNoFollowSync } from '../state/no-follow.js';
import { escapeControls } from '../status/control-escapes.js';
import { formatLocalTime } from '../status/format.js';
import { describePathError } from '../status/output-paths.js';
import { redact } from './redact.js';

/**
 * Where diagnostic lines go: stderr, or a file with --log-file. Every line is redacted, and its control characters
 * (of file names it quotes) escaped.
 */
export interface Logger {
  debug(message: string): void;
  warn(message: string): void;
  /** The error that ends the run, for the log file: stderr already shows it, so without a log file this does nothing. */
  fatal(message: string): void;
  /** Sends the lines meant for stderr to `write` instead (a live view prints them above itself); undefined restores. */
  divert(write: ((line: string) => void) | undefined): void;
  readonly debugEnabled: boolean;
}

/**
 * Creates the run's logger. Debug lines appear only with --debug; warnings always. With
 * `logFile`, lines are appended to that file instead of stderr (scheduled tasks have no console).
 * The log file is a side channel: a line it cannot take later in the run (an antivirus holding it, a full disk,
 * the file replaced) goes to stderr instead, with one warning the first time; the next line tries the file again.
 * Logging never throws.
 * @throws ConfigError when `logFile` cannot be created or appended to at the start: a run must not start blind.
 */
export function createLogger(options: {
  debug: boolean;
  logFile?: string | undefined;
  stream?: NodeJS.WritableStream;
}): Logger {
  if (options.logFile) openLogFile(options.logFile);
  let diverted: ((line: string) => void) | undefined;
  const show = (line: string) => {
    if (diverted) diverted(line);
    else (options.stream ?? process.stderr).write(`${line}\n`);
  };
  const toFile = options.logFile ? appendOrShow(options.logFile, show) : undefined;
  const write = (level: string, message: string) => {
    const line = stampLine(level, message);
    // stderr already shows the error that ends the run
    if (toFile) toFile(line, level !== 'error');
    else show(line);
  };
  return {
    debugEnabled: options.debug,
    debug: (message) => {
      if (options.debug) write('debug', message);
    },
    warn: (message) => write('warn', message),
    divert: (target) => {
      diverted = target;
    },
    fatal: (message) => {
      if (options.logFile) write('error', message);
    },
  };
}

/**
 * The line as shown: the same clock as the progress lines on stdout, which a CI log or a terminal shows beside it;
 * a control character of a file name in the message must neither reach the terminal nor break the line in two.
 */
function stampLine(level: string, message: string): string {
  return `${formatLocalTime(Date.now())} ${level} ${escapeControls(redact(message))}`;
}

/**
 * Appends each line to `logFile`. A line the file cannot take goes to `show` (unless `showOnError` is false),
 * after one warning the first time; the next line tries the file again.
 */
function appendOrShow(logFile: string, show: (line: string) => void) {
  let warned = false;
  return (line: string, showOnError: boolean): void => {
    try {
      appendNoFollowSync(logFile, `${line}\n`);
    } catch (error) {
      if (!warned) show(stampLine('warn', cannotWrite(logFile, error)));
      warned = true;
      if (showOnError) show(line);
    }
  };
}

function cannotWrite(logFile: string, error: unknown): string {
  return `write log file ${logFile}: ${describePathError(error)}; its lines go to stderr while it cannot be written`;
}

/** Creates the log file's folder and the file itself (appending nothing), so a bad path fails before the run. */
function openLogFile(logFile: string): void {
  try {
    makeFolderSync(path.dirname(logFile));
    appendNoFollowSync(logFile, '');
  } catch (error) {
    throw new ConfigError(
      `write log file ${logFile}: ${describePathError(error)}; pass a path you can write to with --log-file`,
      { cause: error },
    );
  }
}
