import { refusesRequest } from '../remote/answer-fields.js';
import { describeAnswer, describeFailure } from '../remote/classify-error.js';
import type { S3Store } from '../remote/s3-store.js';
import type { JournalStore } from './upload-journal.js';

/**
 * Aborts the multipart uploads that earlier runs of this project left open in the folder types this run planned,
 * once it has uploaded every file it planned: an interrupted `--timestamp` run's uploads sit in its own timestamp
 * folder, which no later run asks for again, and an upload of a file this run skipped (the bucket holds it already,
 * sent by a later run or by `--force` stopped midway) will never be resumed; either would cost storage for ever.
 * Uploads in folder types this run left out (`--include config` after a reels run was stopped) are kept for the
 * run that resumes them. Only uploads this state folder journaled are aborted: another machine's uploads of the
 * same project are not ours to judge.
 * Best effort: a failure is reported through `warn` and the run's result stands.
 * @returns the keys whose uploads were aborted.
 */
export async function abortLeftoverUploads(
  store: S3Store,
  journals: JournalStore,
  scope: { bucket: string; projectPrefix: string; folderTypes: ReadonlySet<string> },
  report: { debug(message: string): void; warn(message: string): void },
  signal?: AbortSignal,
): Promise<string[]> {
  const aborted: string[] = [];
  const leftover = (await journals.list()).filter(
    ({ bucket, key }) =>
      bucket === scope.bucket &&
      key.startsWith(scope.projectPrefix) &&
      scope.folderTypes.has(key.slice(scope.projectPrefix.length).split('/', 1)[0]!),
  );
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
