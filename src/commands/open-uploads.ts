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
  /** Now on the clock the uploads' start times are on: the server's for its listing, this machine's for journals. */
  nowMs: number;
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
    const uploads = await store.uploads.listOpen(scope.bucket, scope.prefix);
    return { uploads, source: 'server', nowMs: store.serverNow().getTime() };
  } catch (error) {
    if (!refusesRequest(error))
      throw toUploadError(error, 'list multipart uploads under', `s3://${scope.bucket}/${scope.prefix}`);
    // journals are written on this machine's clock, which judges their ages alike wherever the server's is
    const uploads = journaledUploads(await journals.list(), scope);
    return { uploads, source: 'journals', nowMs: Date.now(), refusal: error };
  }
}

/**
 * The uploads `journals` name in `scope.bucket` under `scope.prefix`, started when each journal was created (on
 * the clock of the machine that wrote it).
 */
export function journaledUploads(
  journals: readonly UploadJournal[],
  scope: { bucket: string; prefix: string },
): OpenUpload[] {
  return journals
    .filter((journal) => journal.bucket === scope.bucket && journal.key.startsWith(scope.prefix))
    .map((journal) => ({
      key: journal.key,
      uploadId: journal.uploadId,
      // a journal without a readable start is a run's that is over: it counts as old
      initiatedMs: Date.parse(journal.createdAt) || 0,
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
