import type { UploadTask } from '../collector/plan-upload.js';
import type { ListedObject, Listing } from '../remote/bucket-probe.js';
import type { LoggedUpload } from '../status/csv-log-index.js';
import { errorCode, httpStatusOf, refusesListing, toUploadError } from '../remote/classify-error.js';
import { decideFromLog, type LogFacts } from './decide.js';
import { listUnder } from './lookup-remote.js';
import type { ObjectReader } from './object-reader.js';

/** Objects the upload log says were sent that the bucket does not hold as sent: the first in words, how many. */
export interface LogGap {
  first: string;
  count: number;
}

/**
 * The files the upload log settles: before a run trusts the log, each of their objects is looked for in a listing
 * of their prefixes. A bucket emptied or recreated, a project, folder or single object deleted, objects expired by
 * a lifecycle rule: the log still says "sent", and without this a rerun would say done with them missing.
 */
export function settledByLog(
  tasks: Iterable<UploadTask>,
  logged: ReadonlyMap<string, LogFacts>,
): UploadTask[] {
  return [...tasks].filter((task) => decideFromLog(task, logged.get(task.key)) !== undefined);
}

/**
 * The files of `settled` whose key `listing` lacks, or lists with another size or with another ETag than the one
 * `logged` recorded for it (an object replaced behind the tool by one as big), or undefined when every one is
 * there as sent, or the listing was refused (keys that may only write, a server that does not list): then the
 * log is trusted as before. An ETag is compared only where both the log and the listing have one.
 */
export function findLogGap(
  settled: readonly UploadTask[],
  listing: Listing,
  bucket: string,
  logged: ReadonlyMap<string, Pick<LoggedUpload, 'etag'>> = new Map(),
): LogGap | undefined {
  if (listing === 'refused') return undefined;
  let first: string | undefined;
  let count = 0;
  for (const task of settled) {
    const difference = differenceFromLog(task, listing.get(task.key), logged.get(task.key)?.etag);
    if (difference === undefined) continue;
    count += 1;
    first ??= `s3://${bucket}/${task.key} ${difference}`;
  }
  return first === undefined ? undefined : { first, count };
}

function differenceFromLog(
  task: UploadTask,
  listed: ListedObject | undefined,
  loggedEtag: string | undefined,
): string | undefined {
  if (listed === undefined) return 'is not in the bucket';
  if (listed.sizeBytes !== task.sizeBytes)
    return `holds ${listed.sizeBytes} bytes, not the ${task.sizeBytes} sent`;
  const [now, sent] = [listed.etag, loggedEtag].map((etag) => etag?.replace(/^"|"$/g, '').toLowerCase());
  if (now && sent && now !== sent) return `holds other content (ETag ${now}, not the ${sent} sent)`;
  return undefined;
}

/** A gap in words: the first object, how many more, and that the log says otherwise. */
export function describeLogGap({ first, count }: LogGap): string {
  return count === 1
    ? `${first}, though the log says it was sent`
    : `${first}, and ${count - 1} more, though the log says they were sent`;
}

/**
 * Every object under `prefixes` with its size and ETag, through the store, or `refused` when the bucket may not be listed
 * (403 AccessDenied) or the server does not list (405, 501).
 * @throws the stop's error once `signal` is aborted; RemoteError/AuthError naming the bucket for another failure.
 */
export async function listPrefixes(
  reader: ObjectReader,
  bucket: string,
  prefixes: readonly string[],
  signal: AbortSignal,
): Promise<Listing> {
  try {
    const listed = await listUnder(prefixes, { reader, bucket, signal });
    return new Map([...listed].map(([key, { sizeBytes, etag }]) => [key, { sizeBytes, etag }]));
  } catch (error) {
    if (signal.aborted) throw error;
    if (refusesListing(httpStatusOf(error), errorCode(error))) return 'refused';
    throw toUploadError(error, 'check existing objects in', bucket);
  }
}
