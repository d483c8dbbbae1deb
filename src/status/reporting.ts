import { writeSync } from 'node:fs';
import path from 'node:path';
import { projectPrefixOf, type RunOptions } from '../config/run-options.js';
import { describeExitCode, EXIT } from '../exit-codes.js';
import type { Logger } from '../log/logger.js';
import { makeFolder } from '../state/make-folder.js';
import { startHeartbeat, type RunIdentity } from './heartbeat.js';
import { interruptedBySignal, resumeAdvice } from '../resume-advice.js';
import type { Phase, RunErrorStatus } from './status-snapshot.js';
import { isSameTerminal } from './same-terminal.js';
import { StatusTracker, type RunDestination } from './status-tracker.js';
import { describePathError } from './output-paths.js';
import { formatStoppedLines } from './tty-lines.js';
import { destinationUrl } from './view-lines.js';
import { isCi, pickViewMode, shouldUseColor, startTerminalView } from './terminal-view.js';
import { terminalLineWidth } from './terminal-columns.js';

/** The run's tracker and the writers that watch it; `stop` makes the final writes. */
export interface Reporting {
  tracker: StatusTracker;
  stop(): Promise<void>;
  /** Sets the final phase and writes the status file synchronously, for a process that exits right after. */
  stopNow(phase: Phase): void;
  /** Tells the user the run is stopping (`message`), where they are looking (the live view, the log lines, or stderr). */
  announceStopping(message: string, stopAgain: string): void;
}

/** The run error a signal leaves in the status file, with what to run to resume. */
function stoppedBySignal(options: RunOptions): RunErrorStatus {
  return {
    message: interruptedBySignal(options),
    exit_code: EXIT.interrupted,
    meaning: describeExitCode(EXIT.interrupted),
  };
}

const STDOUT_FD = 1;
const STDERR_FD = 2;

function stoppedAtOnce(options: RunOptions): Record<string, unknown> {
  return {
    type: 'error',
    time: new Date().toISOString(),
    message: `upload stopped at once by a second signal; ${resumeAdvice(options)}`,
    exit_code: EXIT.interrupted,
    meaning: describeExitCode(EXIT.interrupted),
  };
}

/**
 * Starts the three views of one set of numbers: the JSON heartbeat file (not for a dry run), and on
 * stdout a live view (TTY), plain timestamped lines (scheduled task, CI) or NDJSON events (--json).
 */
export async function startReporting(options: RunOptions, log: Logger): Promise<Reporting> {
  for (const file of [options.statusJson, options.logCsv]) await makeFolder(path.dirname(file));
  const tracker = new StatusTracker({ groupKey: options.groupKey });
  // A dry run takes no lock and may run beside a real upload: it must not overwrite that run's status file.
  const heartbeat = options.dryRun
    ? undefined
    : startHeartbeat(tracker, {
        path: options.statusJson,
        intervalMs: options.statusIntervalMs,
        identity: identityOf(options),
        // a side channel, written again at each beat: one warning, and the upload goes on
        onError: once((error) =>
          log.warn(
            `write status file ${options.statusJson}: ${describePathError(error)}; the upload goes on, and the file is written again when it can be`,
          ),
        ),
      });
  const isTTY = Boolean(process.stdout.isTTY);
  const mode = pickViewMode({
    isTTY,
    // a dry run prints its plan (as JSON lines with --json) and nothing else on stdout
    json: options.json && !options.dryRun,
    quiet: options.quiet || options.dryRun,
    ci: isCi(process.env),
    dumbTerminal: process.env.TERM === 'dumb',
  });
  const view = startTerminalView(tracker, {
    mode,
    stream: process.stdout,
    color: shouldUseColor({ isTTY, env: process.env }),
  });
  // warnings written to the terminal under a live block would break it: they go above the block instead, but only
  // when stderr is that terminal (`2> warn.err` must get them)
  if (view.printAbove && isSameTerminal(STDOUT_FD, STDERR_FD)) log.divert(view.printAbove);
  let destination: RunDestination | undefined;
  // a run stopped at once still unwinds: its view, already ended, must not print its last record again
  let viewStopped = false;
  const stopView = () => {
    if (!viewStopped) view.stop();
    viewStopped = true;
  };
  tracker.onEvent((event) => {
    if (event.type === 'run-start') destination = event.destination;
  });
  return {
    tracker,
    async stop() {
      log.divert(undefined);
      stopView();
      await heartbeat?.stop();
    },
    stopNow(phase) {
      log.divert(undefined);
      const inFlight = tracker.snapshot().in_flight;
      stopView();
      const setPhase = () => tracker.setPhase(phase);
      if (heartbeat) heartbeat.stopSync(setPhase);
      else setPhase();
      const stopped = formatStoppedLines(
        inFlight,
        destination,
        asSentence(resumeAdvice(options)),
        terminalLineWidth(process.stderr),
      );
      process.stderr.write(`${stopped.join('\n')}\n`);
      // the JSON view's last progress record holds the totals; a script still learns why the stream ends here
      if (mode === 'json') writeStdoutNow(`${JSON.stringify(stoppedAtOnce(options))}\n`);
    },
    announceStopping(message, stopAgain) {
      if (mode === 'quiet') process.stderr.write(`\n${message}\n`);
      else tracker.notice(message, stopAgain);
      // a CI runner or Docker may kill the run before its parts finish: the status file says why it is ending now
      tracker.setRunError(stoppedBySignal(options));
      void heartbeat?.writeNow();
    },
  };
}

/** `run it again` as it ends a block of lines: `Run it again.` */
function asSentence(phrase: string): string {
  return `${phrase.charAt(0).toUpperCase()}${phrase.slice(1)}.`;
}

/** Calls `action` the first time only. */
function once<T>(action: (value: T) => void): (value: T) => void {
  let called = false;
  return (value) => {
    if (!called) action(value);
    called = true;
  };
}

/**
 * Writes before the process exits: a pipe's write may otherwise still be queued (Windows); a reader that has gone
 * away loses the line, as it would have anyway.
 */
function writeStdoutNow(text: string): void {
  try {
    writeSync(STDOUT_FD, text);
  } catch {
    // nobody reads the stream any more
  }
}

function identityOf(options: RunOptions): RunIdentity {
  return {
    project_key: options.projectKey,
    source: options.folder,
    destination: destinationUrl({ bucket: options.bucket, projectPrefix: projectPrefixOf(options) }),
    resume_advice: resumeAdvice(options),
    ...(options.timestamp === undefined ? {} : { timestamp_folder: options.timestamp }),
  };
}
