import type { RunOptions } from './config/run-options.js';

/**
 * What to run to take up an interrupted upload where it stopped. The same command does, but for `--timestamp`:
 * a later run names a folder after its own minute, asks for none of the keys the interrupted run began, and sends
 * every file again; that run's folder is named so that its uploads resume.
 */
export function resumeAdvice(options: ResumeFacts = {}): string {
  if (options.timestampFromClock && options.timestamp)
    return `to resume, run it again with --custom-timestamp ${options.timestamp} in place of --timestamp (a new --timestamp starts a new folder and sends every file again)`;
  return 'run the same command again to resume';
}

/** The message of a run stopped by a signal: the one text for the error, the status file and --json. */
export function interruptedBySignal(options: ResumeFacts = {}): string {
  return `upload interrupted: stopped by signal; ${resumeAdvice(options)}`;
}

type ResumeFacts = Partial<Pick<RunOptions, 'timestamp' | 'timestampFromClock'>>;
