import { describeError } from '../errors.js';
import { describeExitCode, exitCodeFor } from '../exit-codes.js';
import { redact } from '../log/redact.js';
import type { RunErrorStatus } from './status-snapshot.js';

/** What the status file says of the error that ended a run: its one line (secrets redacted), exit code and meaning. */
export function runErrorOf(error: unknown): RunErrorStatus {
  const exitCode = exitCodeFor(error);
  return { message: redact(describeError(error)), exit_code: exitCode, meaning: describeExitCode(exitCode) };
}
