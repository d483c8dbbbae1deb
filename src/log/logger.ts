import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { makeFolderSync } from '../state/make-folder.js';
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
 * @throws ConfigError when `logFile` cannot be created or appended to: a run must not start blind.
 */
export function createLogger(options: {
  debug: boolean;
  logFile?: string | undefined;
  stream?: NodeJS.WritableStream;
}): Logger {
  if (options.logFile) openLogFile(options.logFile);
  let diverted: ((line: string) => void) | undefined;
  const write = (level: string, message: string) => {
    // the same clock as the progress lines on stdout, which a CI log or a terminal shows beside these; a control
    // character of a file name in the message must neither reach the terminal nor break the line in two
    const line = `${formatLocalTime(Date.now())} ${level} ${escapeControls(redact(message))}`;
    if (options.logFile) appendFileSync(options.logFile, `${line}\n`);
    else if (diverted) diverted(line);
    else (options.stream ?? process.stderr).write(`${line}\n`);
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

/** Creates the log file's folder and the file itself (appending nothing), so a bad path fails before the run. */
function openLogFile(logFile: string): void {
  try {
    makeFolderSync(path.dirname(logFile));
    appendFileSync(logFile, '');
  } catch (error) {
    throw new ConfigError(
      `write log file ${logFile}: ${describePathError(error)}; pass a path you can write to with --log-file`,
      { cause: error },
    );
  }
}
