import { UploadError } from './errors.js';

/**
 * The documented exit codes (README, "Exit codes"). This table is the only place that maps an
 * outcome to a code.
 */
export const EXIT = {
  ok: 0,
  filesFailed: 1,
  usage: 2,
  locked: 3,
  interrupted: 130,
} as const;

/**
 * What each exit code means, for the log file, the status JSON and `--json`: an unattended run's owner reads these,
 * and Task Scheduler shows only the number (as 0x1 "Incorrect function", 0x2 "file not found", ...).
 */
const MEANINGS: Record<number, string> = {
  [EXIT.ok]: 'every planned file is in the bucket',
  [EXIT.filesFailed]: 'some files failed or the bucket failed; a rerun retries them',
  [EXIT.usage]:
    'usage, config or credentials error, or a request the server does not offer; fix what the message names and run again (files stored before it are kept)',
  [EXIT.locked]: 'another run holds the lock of this project',
  [EXIT.interrupted]: 'interrupted; a rerun resumes',
};

/** The meaning of an exit code, in a few words. */
export function describeExitCode(code: number): string {
  return MEANINGS[code] ?? 'unknown exit code';
}

/** The exit code for an error that ended a run. */
export function exitCodeFor(error: unknown): number {
  if (!(error instanceof UploadError)) return EXIT.filesFailed;
  switch (error.kind) {
    case 'usage':
    case 'config':
    case 'auth':
      return EXIT.usage;
    case 'locked':
      return EXIT.locked;
    case 'interrupted':
      return EXIT.interrupted;
    case 'source':
    case 'remote':
      return EXIT.filesFailed;
  }
}
