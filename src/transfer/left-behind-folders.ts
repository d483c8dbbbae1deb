import { projectPrefixOf, type RunOptions } from '../config/run-options.js';
import type { UploadJournal } from './upload-journal.js';

/** The uploads an interrupted run began under one timestamp folder that this run does not write to. */
export interface LeftBehindFolder {
  timestamp: string;
  files: number;
  bytesSent: number;
}

const TIMESTAMP_SEGMENT = /^\d{8}_\d{4}$/;

/**
 * This project's unfinished uploads under timestamp folders other than this run's, oldest folder first. A
 * `--timestamp` run names its folder after its own minute, so what a crashed run began (a laptop losing power)
 * is not resumed but sent again into the new folder; `--custom-timestamp` with the old folder resumes it.
 */
export function leftBehindFolders(
  journals: readonly UploadJournal[],
  options: Pick<RunOptions, 'bucket' | 'prefix' | 'projectKey' | 'timestamp'>,
): LeftBehindFolder[] {
  const projectPrefix = projectPrefixOf(options);
  const folders = new Map<string, LeftBehindFolder>();
  for (const journal of journals) {
    if (journal.bucket !== options.bucket || !journal.key.startsWith(projectPrefix)) continue;
    const timestamp = timestampFolderOf(journal.key, projectPrefix);
    if (timestamp === undefined || timestamp === options.timestamp) continue;
    const folder = folders.get(timestamp) ?? { timestamp, files: 0, bytesSent: 0 };
    folder.files += 1;
    folder.bytesSent += journal.parts.reduce((sum, part) => sum + part.sizeBytes, 0);
    folders.set(timestamp, folder);
  }
  return [...folders.values()].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
}

/** The timestamp folder a key of the project sits in (`{project}/{folder type}/{timestamp}/...`), if any. */
export function timestampFolderOf(key: string, projectPrefix: string): string | undefined {
  const segment = key.slice(projectPrefix.length).split('/')[1] ?? '';
  return TIMESTAMP_SEGMENT.test(segment) ? segment : undefined;
}
