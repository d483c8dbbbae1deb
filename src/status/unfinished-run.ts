import { hostname } from 'node:os';
import { isProcessAlive } from '../process-alive.js';
import type { StatusFileContent } from './status-file.js';
import { isFinalPhase } from './status-snapshot.js';

/**
 * The timestamp folder of a `--timestamp` run of `projectKey` that its status file shows stopped before it was done:
 * interrupted, failed, or its process gone without a last word (a crash). Its multipart uploads leave journals that
 * name the folder; its small files leave nothing else that does, so a run of config, logs and report that crashed
 * is known only from here. Undefined for a run that completed, is still running, or was not a `--timestamp` run.
 */
export function unfinishedTimestampFolder(
  status: StatusFileContent | undefined,
  projectKey: string,
  isAlive: (pid: number) => boolean = isProcessAlive,
): string | undefined {
  if (status?.project_key !== projectKey || status.phase === 'completed') return undefined;
  const gone = status.hostname === hostname() && status.pid > 0 && !isAlive(status.pid);
  if (!isFinalPhase(status.phase) && !gone) return undefined;
  return /--custom-timestamp (\d{8}_\d{4})/.exec(status.resume_advice ?? '')?.[1];
}
