import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { makeFolder } from '../state/make-folder.js';
import { startHeartbeat } from './heartbeat.js';
import { describePathError } from './output-paths.js';
import { isWriterGone, readStatusFile } from './status-file.js';
import { runErrorOf } from './run-error.js';
import { isFinalPhase } from './status-snapshot.js';
import { StatusTracker } from './status-tracker.js';

/** A refused run writes once; the interval only tells a reader how often a live run would have. */
const REFUSED_RUN_INTERVAL_MS = 2000;

/**
 * Writes the status file of a run refused before it began (a flag's value, a config key, the keyring): phase
 * `failed` and the error, as one-line message, exit code and meaning. Without it a monitor of a scheduled upload
 * reads the last run's `completed` every night the config is broken. Only a status file that no run writes any
 * more is replaced, or a missing one created: a mistyped flag in a second terminal must not end the first run's
 * file (nor one another machine writes), and a path that holds something else is not ours to overwrite. Never
 * throws: what the user must see is the refusal.
 */
export async function recordRefusedRun(
  file: string,
  error: unknown,
  warn: (message: string) => void,
): Promise<void> {
  if (!(await mayReplace(file))) return;
  const tracker = new StatusTracker();
  tracker.setRunError(runErrorOf(error));
  tracker.setPhase('failed');
  let failure: unknown;
  try {
    await makeFolder(path.dirname(file));
    await startHeartbeat(tracker, {
      path: file,
      intervalMs: REFUSED_RUN_INTERVAL_MS,
      onError: (writeError) => (failure ??= writeError),
    }).stop();
  } catch (folderError) {
    failure = folderError;
  }
  if (failure !== undefined) warn(`write status file ${file}: ${describePathError(failure)}`);
}

async function mayReplace(file: string): Promise<boolean> {
  const existing = await lstat(file).catch(() => undefined);
  if (existing === undefined) return true;
  if (!existing.isFile()) return false;
  const found = await readStatusFile(file).catch(() => undefined);
  return found !== undefined && (isFinalPhase(found.phase) || isWriterGone(found));
}
