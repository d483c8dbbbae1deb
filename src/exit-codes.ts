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
