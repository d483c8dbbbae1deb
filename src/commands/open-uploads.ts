import { refusesRequest } from '../remote/answer-fields.js';
import { toUploadError } from '../remote/classify-error.js';
import type { OpenUpload } from '../remote/remote-object.js';
import type { S3Store } from '../remote/s3-store.js';
import type { JournalStore, UploadJournal } from '../transfer/upload-journal.js';

/** Where `cleanup` found the open uploads it judges. */
export type UploadsSource = 'server' | 'journals';

/** The open uploads under a prefix, where they were found, and the server's refusal to list them, if it refused. */
export interface FoundUploads {
  uploads: OpenUpload[];
  source: UploadsSource;
  /** The server's answer to ListMultipartUploads when it does not implement it (501) or allow it (405). */
  refusal?: unknown;
}

/**
 * The multipart uploads open under `prefix`: the server's listing, or, from a server that cannot list them
 * (501 NotImplemented: s3rver; 405: some Swift gateways), those this state folder's journals name, which are the
 * unfinished uploads of this machine's runs. Others are not ours to know of there.
 * @throws UploadError (RemoteError, AuthError, ConfigError) when the listing fails another way.
 */
export async function findOpenUploads(
  store: S3Store,
  journals: JournalStore,
  scope: { bucket: string; prefix: string },
): Promise<FoundUploads> {
  try {
    return { uploads: await store.uploads.listOpen(scope.bucket, scope.prefix), source: 'server' };
  } catch (error) {
    if (!refusesRequest(error))
      throw toUploadError(error, 'list multipart uploads under', `s3://${scope.bucket}/${scope.prefix}`);
    // the journals' times are this machine's clock: moved onto the server's, on which ages are judged
    const clockOffsetMs = store.serverNow().getTime() - Date.now();
    const uploads = journaledUploads(await journals.list(), scope, clockOffsetMs);
    return { uploads, source: 'journals', refusal: error };
  }
}

/**
 * The uploads `journals` name in `scope.bucket` under `scope.prefix`, started when each journal was created,
 * moved by `clockOffsetMs` (the server's clock less this machine's).
 */
export function journaledUploads(
  journals: readonly UploadJournal[],
  scope: { bucket: string; prefix: string },
  clockOffsetMs: number,
): OpenUpload[] {
  return journals
    .filter((journal) => journal.bucket === scope.bucket && journal.key.startsWith(scope.prefix))
    .map((journal) => ({
      key: journal.key,
      uploadId: journal.uploadId,
      // a journal without a readable start is a run's that is over: it counts as old
      initiatedMs: (Date.parse(journal.createdAt) || 0) + clockOffsetMs,
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
