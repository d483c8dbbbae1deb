import { isEtagContentMd5, sameEtag } from '../content/etag.js';
import { partRange } from '../content/part-layout.js';
import type { RemotePart } from '../remote/remote-object.js';
import { hexToBase64 } from '../remote/put-object-request.js';
import type { IntegrityMode } from './integrity-mode.js';
import type { BodyDigests } from './signed-body.js';
import type { JournalPart, UploadJournal } from './upload-journal.js';

/** A part the server holds that a resumed upload sends again, and why. */
export interface DroppedPart {
  partNumber: number;
  reason: string;
}

/**
 * Decides which parts of an interrupted upload are kept, from what ListParts says (`serverParts`, the truth
 * about what is stored) and what the journal recorded. A part is kept only if its size fits its range and:
 * - the journal lists it: ListParts' ETag equals the recorded one and, where the upload's ETags are MD5s, the
 *   recorded local MD5; in checksum mode ListParts' checksum equals the recorded SHA-256;
 * - the journal does not list it (it lags one part) or has no local digest for it (a version 1 journal): the
 *   local range, hashed by `hashPart`, matches ListParts' checksum or MD5 ETag.
 * With `recheckAll` (the file's mtime moved by a clock shift) every kept part's range is hashed again and must
 * equal the journal's digest. Parts are returned in ListParts' order, with the local digest they were kept by.
 */
export async function confirmParts(
  journal: UploadJournal,
  serverParts: readonly RemotePart[],
  hashPart: (partNumber: number) => Promise<BodyDigests>,
  recheckAll: boolean,
): Promise<{ kept: JournalPart[]; dropped: DroppedPart[] }> {
  const recorded = new Map(journal.parts.map((p) => [p.partNumber, p]));
  const kept: JournalPart[] = [];
  const dropped: DroppedPart[] = [];
  for (const server of serverParts) {
    const verdict = await confirmPart(journal, server, recorded.get(server.partNumber), hashPart, recheckAll);
    if (typeof verdict === 'string') dropped.push({ partNumber: server.partNumber, reason: verdict });
    else kept.push(verdict);
  }
  return { kept, dropped };
}

async function confirmPart(
  journal: UploadJournal,
  server: RemotePart,
  recorded: JournalPart | undefined,
  hashPart: (partNumber: number) => Promise<BodyDigests>,
  recheckAll: boolean,
): Promise<JournalPart | string> {
  const { length } = partRange(server.partNumber, journal.partSizeBytes, journal.sizeBytes);
  if (length === 0 || server.sizeBytes !== length)
    return `stored size ${server.sizeBytes}, expected ${length}`;
  if (recorded && !agreesWithRecord(journal, recorded, server))
    return `the stored part (ETag ${server.etag}) is not the one the journal recorded`;
  const recordedDigest = recorded && localDigestOf(recorded, journal.integrity);
  if (recorded && recordedDigest && !recheckAll) return recorded;
  const local = await hashPart(server.partNumber);
  const localDigest = localDigestOf(local, journal.integrity);
  const confirmed = recordedDigest ? localDigest === recordedDigest : serverConfirms(journal, server, local);
  if (!confirmed) return 'the local bytes of its range do not match what is stored';
  return { ...(recorded ?? server), ...local };
}

/** True when ListParts reports what the journal recorded when the part was sent. */
function agreesWithRecord(journal: UploadJournal, recorded: JournalPart, server: RemotePart): boolean {
  if (!sameEtag(server.etag, recorded.etag)) return false;
  if (
    recorded.md5 &&
    isEtagContentMd5(journal.encryption, server.etag) &&
    !sameEtag(server.etag, recorded.md5)
  )
    return false;
  const crc = journal.crc && server.crcChecksums?.[journal.crc];
  if (crc && recorded.crc && crc !== recorded.crc) return false;
  const checksum = journal.integrity === 'checksum' && server.checksumSha256 && recorded.sha256;
  return !checksum || server.checksumSha256 === hexToBase64(recorded.sha256!);
}

/** True when a stored part's checksum or MD5 ETag proves it holds the local bytes `local`. */
function serverConfirms(journal: UploadJournal, server: RemotePart, local: BodyDigests): boolean {
  const crc = journal.crc && server.crcChecksums?.[journal.crc];
  if (journal.integrity === 'checksum' && crc) return crc === local.crc;
  if (journal.integrity === 'checksum')
    return Boolean(
      server.checksumSha256 && local.sha256 && server.checksumSha256 === hexToBase64(local.sha256),
    );
  return Boolean(
    local.md5 && isEtagContentMd5(journal.encryption, server.etag) && sameEtag(server.etag, local.md5),
  );
}

function localDigestOf(digests: BodyDigests, integrity: IntegrityMode): string | undefined {
  return integrity === 'checksum' ? digests.sha256 : digests.md5;
}
