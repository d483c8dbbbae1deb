import type { ListMultipartUploadsCommandOutput, ListPartsCommandOutput } from '@aws-sdk/client-s3';
import { RemoteError } from '../errors.js';
import { listedPart } from './answer-fields.js';
import { decodeUrlKey } from './list-page-xml.js';
import type { OpenUpload, RemotePart } from './remote-object.js';

/**
 * The keys of a listing page as the bucket holds them: decoded when the server says it encoded them (`EncodingType`
 * `url`); a server that ignored the request sent them as they are.
 * @throws RemoteError for a key that does not decode: an object left out of a listing would look missing.
 */
export function listedKey(key: string, encodingType: string | undefined, where: string): string {
  if (encodingType !== 'url') return key;
  const decoded = decodeUrlKey(key);
  if (decoded === undefined)
    throw new RemoteError(
      `list ${where}: the server listed the key '${key}' as URL-encoded, but it does not decode; report it to the server's maintainers`,
      false,
    );
  return decoded;
}

/** Where a listing goes on from, and the last key the page before named. */
export interface ListingPosition {
  ContinuationToken?: string;
  StartAfter?: string;
  lastKey?: string | undefined;
}

/**
 * Where a truncated listing goes on: from its continuation token, or else after the last key it named. A page
 * that ends where the page before ended, or hands back the token it was asked with, is the same page again from a
 * server that ignored where to go on from: followed, it would be asked for forever.
 * @throws RemoteError when the listing does not move on.
 */
export function nextListingPage(
  previous: ListingPosition,
  token: string | undefined,
  lastKey: string | undefined,
  where: string,
): ListingPosition {
  const repeated = lastKey !== undefined && lastKey === previous.lastKey;
  if (token && token !== previous.ContinuationToken && !repeated)
    return { ContinuationToken: token, lastKey: lastKey ?? previous.lastKey };
  if (lastKey !== undefined && !repeated) return { StartAfter: lastKey, lastKey };
  const what = repeated
    ? 'answers the same page again'
    : 'gives neither a continuation token nor a key to start after';
  throw new RemoteError(
    `list ${where}: the server says the listing goes on but ${what}; report it to the server's maintainers`,
    false,
  );
}

/**
 * The parts a ListParts page adds to those of the pages before, and the part-number marker of the next page
 * (undefined at the end of the list).
 */
export function readPartsPage(
  out: ListPartsCommandOutput,
  marker: string | undefined,
): { parts: RemotePart[]; nextMarker: string | undefined } {
  // parts at or before the marker are a page the server answered again (it ignored the marker)
  const parts = (out.Parts ?? []).map(listedPart).filter((p) => p.partNumber > Number(marker ?? 0));
  // a server that says the list goes on without a marker goes on after the last part it listed
  const from = out.NextPartNumberMarker ?? out.Parts?.at(-1)?.PartNumber?.toString();
  return { parts, nextMarker: out.IsTruncated && from !== marker ? from : undefined };
}

/** Where a listing of open uploads goes on from; no key marker: at the end of the list. */
export interface UploadsPosition {
  keyMarker?: string | undefined;
  uploadIdMarker?: string | undefined;
}

/** The open uploads a ListMultipartUploads page names, and where the next page starts. */
export function readUploadsPage(
  out: ListMultipartUploadsCommandOutput,
  at: UploadsPosition,
  where = 'open uploads',
): { uploads: OpenUpload[]; next: UploadsPosition } {
  const key = (text: string) => listedKey(text, out.EncodingType, where);
  const uploads: OpenUpload[] = [];
  for (const u of out.Uploads ?? []) {
    if (u.Key && u.UploadId)
      uploads.push({ key: key(u.Key), uploadId: u.UploadId, initiatedMs: u.Initiated?.getTime() ?? 0 });
  }
  // a server that says the list goes on without markers goes on after the last upload it listed
  const last = out.Uploads?.at(-1);
  const from = out.NextKeyMarker ? key(out.NextKeyMarker) : last?.Key && key(last.Key);
  const fromId = out.NextKeyMarker ? out.NextUploadIdMarker : last?.UploadId;
  const moved = from !== at.keyMarker || fromId !== at.uploadIdMarker;
  const next = out.IsTruncated && moved ? { keyMarker: from, uploadIdMarker: fromId } : {};
  return { uploads, next };
}
