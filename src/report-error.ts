import { CommanderError } from 'commander';
import { describeError } from './errors.js';
import { describeExitCode, EXIT, exitCodeFor } from './exit-codes.js';
import type { Logger } from './log/logger.js';
import { redact } from './log/redact.js';
import { escapeControls } from './status/control-escapes.js';

/** Prints an error as one line (a stack too with --debug) and returns its exit code. */
export function reportError(
  error: unknown,
  options: { debug: boolean; json?: boolean | undefined; log?: Logger | undefined },
): number {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return EXIT.ok;
    // commander has printed its line on stderr; a script reading --json still gets the error as JSON
    if (options.json) writeJsonError(error.message.replace(/^error: /, ''), EXIT.usage);
    return EXIT.usage;
  }
  const message = redact(describeError(error));
  const exitCode = exitCodeFor(error);
  // one line by contract, whatever the file it names is called; the JSON record keeps the name as it is
  process.stderr.write(`upload-to-s3: ${escapeControls(message)}\n`);
  // with --log-file the stack goes where the other --debug lines go
  if (options.debug && error instanceof Error && error.stack) {
    // one log line per line of the stack: the logger keeps each entry to one line
    if (options.log) for (const line of redact(error.stack).split('\n')) options.log.debug(line);
    else process.stderr.write(`${redact(error.stack)}\n`);
  }
  // scheduled tasks throw stderr away: the log file and the JSON stream carry the same line
  options.log?.fatal(`${message} (exit ${exitCode}: ${describeExitCode(exitCode)})`);
  if (options.json) writeJsonError(message, exitCode);
  return exitCode;
}

function writeJsonError(message: string, exitCode: number): void {
  const record = {
    type: 'error',
    time: new Date().toISOString(),
    message,
    exit_code: exitCode,
    meaning: describeExitCode(exitCode),
  };
  process.stdout.write(`${JSON.stringify(record)}\n`);
}
