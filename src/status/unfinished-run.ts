import { isWriterGone, type StatusFileContent } from './status-file.js';
import { isFinalPhase } from './status-snapshot.js';

/**
 * The timestamp folder of a run of `projectKey` that its status file shows stopped before it was done: interrupted,
 * failed, or its process gone without a last word (a crash). Its multipart uploads leave journals that name the
 * folder; its small files leave nothing else that does, so a run of config, logs and report that crashed is known
 * only from here. Undefined for a run that completed, is still running, or had no timestamp folder.
 */
export function unfinishedTimestampFolder(
  status: StatusFileContent | undefined,
  projectKey: string,
  isAlive?: (pid: number) => boolean,
): string | undefined {
  if (status?.project_key !== projectKey || status.phase === 'completed') return undefined;
  if (!isFinalPhase(status.phase) && !isWriterGone(status, isAlive)) return undefined;
  return status.timestamp_folder;
}
