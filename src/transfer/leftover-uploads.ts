import { stat } from 'node:fs/promises';
import { compareFingerprints, fileIdOf } from '../content/file-identity.js';
import { refusesRequest } from '../remote/answer-fields.js';
import { describeAnswer, describeFailure } from '../remote/classify-error.js';
import type { S3Store } from '../remote/s3-store.js';
import { timestampFolderOf } from './left-behind-folders.js';
import type { JournalStore, UploadJournal } from './upload-journal.js';

/** What a run that uploaded every file it planned knows of the project, to judge an earlier run's upload by. */
export interface LeftoverScope {
  bucket: string;
  projectPrefix: string;
  /** The folder types the run planned files of. */
  folderTypes: ReadonlySet<string>;
  /** The run's timestamp folder, if it has one. */
  timestamp: string | undefined;
  isPlanned: (key: string) => boolean;
}

/**
 * Aborts the multipart uploads that earlier runs of this project left open in the folder types this run planned
 * and that no later run would resume, once this run has uploaded every file it planned:
 * - the upload of a file this run skipped: the bucket holds it already (sent by a later run, or the rest of a
 *   `--force` run stopped midway);
 * - the upload of a file that is gone or changed since;
 * - an interrupted `--timestamp` run's upload in its own timestamp folder, once it started over a week ago.
 * Each would cost storage for ever. The upload of a file that is still there as it was, under a key this run did
 * not plan (a folder type or file it left out, another `--folder`), is kept for the run that resumes it; so is,
 * for a week, one in another timestamp folder: an interrupted `--timestamp` run is resumed with
 * `--custom-timestamp` and its folder, as it says when it stops, while a nightly task that never does must not
 * pile up open uploads. `cleanup --older-than` removes sooner what nobody resumes. Only
 * uploads this state folder journaled are judged: another machine's uploads of the same project are not ours.
 * Best effort: a failure is reported through `warn` and the run's result stands.
 * @returns the keys whose uploads were aborted.
 */
export async function abortLeftoverUploads(
  store: S3Store,
  journals: JournalStore,
  scope: LeftoverScope,
  report: { debug(message: string): void; warn(message: string): void },
  signal?: AbortSignal,
): Promise<string[]> {
  const aborted: string[] = [];
  const leftover: UploadJournal[] = [];
  for (const journal of await journals.list())
    if (inScope(journal, scope) && (await isAbandoned(journal, scope))) leftover.push(journal);
  for (const [index, journal] of leftover.entries()) {
    const { bucket, key, uploadId } = journal;
    try {
      await store.uploads.abort(bucket, key, uploadId, signal);
      await journals.remove(bucket, key);
      aborted.push(key);
      report.debug(`aborted the unfinished upload of ${key} left by an earlier run (upload ${uploadId})`);
    } catch (error) {
      // a server without AbortMultipartUpload refuses every one alike, and cleanup cannot do better
      if (refusesRequest(error)) {
        report.warn(describeRefusal(error, key, leftover.length - index - 1));
        break;
      }
      report.warn(
        `could not abort the unfinished upload of ${key} left by an earlier run: ${describeFailure(error)}; ` +
          'run upload-to-s3 cleanup later',
      );
    }
  }
  return aborted;
}

function inScope({ bucket, key }: UploadJournal, scope: LeftoverScope): boolean {
  if (bucket !== scope.bucket || !key.startsWith(scope.projectPrefix)) return false;
  return scope.folderTypes.has(key.slice(scope.projectPrefix.length).split('/', 1)[0]!);
}

async function isAbandoned(journal: UploadJournal, scope: LeftoverScope): Promise<boolean> {
  if (scope.isPlanned(journal.key)) return true;
  const folder = timestampFolderOf(journal.key, scope.projectPrefix);
  if (folder !== undefined && folder !== scope.timestamp && isOlderThanResumeWindow(journal)) return true;
  return !(await isFileAsJournaled(journal));
}

/** How long an interrupted `--timestamp` run's uploads wait for `--custom-timestamp` to resume them. */
export const TIMESTAMP_RESUME_WINDOW_MS = 7 * 24 * 3600 * 1000;

function isOlderThanResumeWindow(journal: UploadJournal, nowMs = Date.now()): boolean {
  const startedMs = Date.parse(journal.createdAt);
  return Number.isFinite(startedMs) && nowMs - startedMs > TIMESTAMP_RESUME_WINDOW_MS;
}

/** Whether the journal's file is there as the journal saw it, as a resume judges it (a clock shift forgiven). */
async function isFileAsJournaled(journal: UploadJournal): Promise<boolean> {
  const info = await stat(journal.path, { bigint: true }).catch(() => undefined);
  if (info === undefined) return false;
  const current = { sizeBytes: Number(info.size), mtimeMs: Number(info.mtimeMs), fileId: fileIdOf(info) };
  return compareFingerprints(journal, current) !== 'different';
}

/** What only the server itself can still do about an upload it will not abort or list for us. */
export const REMOVED_ON_THE_SERVER_ONLY =
  'can only be removed on the server (its own tools, or a lifecycle rule where it has them)';

function describeRefusal(error: unknown, key: string, more: number): string {
  const others = more > 0 ? ` (and ${more} more)` : '';
  return (
    `could not abort the unfinished upload of ${key}${others} left by an earlier run: the server cannot ` +
    `abort multipart uploads (${describeAnswer(error)}); they ${REMOVED_ON_THE_SERVER_ONLY}`
  );
}
