import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import type { CrcName } from '../content/crc.js';
import { ConfigError } from '../errors.js';
import { encryptionOf, refusesRequest, storedReport, stripQuotes } from './answer-fields.js';
import { errorCode, isForeignAnswer, isUploadGone } from './classify-error.js';
import { readPartsPage, readUploadsPage, type UploadsPosition } from './listing-pages.js';
import type { RequestSettings } from './object-settings.js';
import { payloadHash } from './put-object-request.js';
import type { ObjectEncryption, OpenUpload, PartListing, RemotePart, StoredReport } from './remote-object.js';
import {
  bodyDigestFields,
  completionFields,
  copySourceFields,
  objectFields,
  objectInput,
  ownerFields,
  type ObjectInput,
} from './request-fields.js';
import { readFirstByteOnly, sendOptions, sendWithBody, signPayload } from './sdk-requests.js';
import type { CopySource, CrcChecksum, ObjectTarget, SignedBody } from './write-request.js';

/** The store's clients and settings that multipart requests go through. */
export interface UploadSenders {
  /** With the SDK's retries. */
  control: S3Client;
  /** One attempt per request: the caller retries parts and part copies. */
  data: S3Client;
  /** The store's settings, read at each request for the bucket owner and the SSE-C key. */
  settings: { readonly requests?: RequestSettings | undefined };
  /** Part listings ask for the first byte only (see {@link readFirstByteOnly}): every server but Amazon S3. */
  boundReads: boolean;
}

/** An open multipart upload of an object. */
export interface UploadTarget {
  bucket: string;
  key: string;
  uploadId: string;
}

/** A part of an open multipart upload; part numbers are 1-based. */
export interface PartTarget extends UploadTarget {
  partNumber: number;
}

/**
 * The multipart upload requests of a store: start, parts sent or copied, part listing, completion, abort, and the
 * uploads still open under a prefix. Parts go through a client without SDK retries, because their streamed bodies
 * cannot be replayed, and so do part copies (see {@link copyPart}); the transfer engine retries both.
 */
export class MultipartUploads {
  /** The server's refusal of ListMultipartUploads (405, 501), kept: it refuses the next one alike. */
  private listingRefusal: unknown;
  /** The store's first ListMultipartUploads: listings asked while it is answered wait to learn from it. */
  private firstListing: Promise<unknown> | undefined;

  constructor(private readonly senders: UploadSenders) {}

  /**
   * Starts a multipart upload, asking for SHA-256 part checksums when `checksums` is set, or a full-object
   * `crc` (Amazon S3 then requires the checksum on every part and in CompleteMultipartUpload). Returns its id
   * and the encryption the server reports for it.
   */
  async create(
    target: ObjectTarget & { checksums?: boolean; crc?: CrcName | undefined },
    signal?: AbortSignal,
  ): Promise<{ uploadId: string; encryption: ObjectEncryption }> {
    const out = await this.senders.control.send(
      new CreateMultipartUploadCommand({
        Bucket: target.bucket,
        Key: target.key,
        ...objectFields(target, this.requests()),
        ...(target.checksums && !target.crc ? { ChecksumAlgorithm: 'SHA256' as const } : {}),
        ...(target.crc ? { ChecksumAlgorithm: target.crc, ChecksumType: 'FULL_OBJECT' as const } : {}),
      }),
      sendOptions(signal),
    );
    // every S3 server names the upload; a web server or console answers any request with 200 and a page
    if (!out.UploadId)
      throw new ConfigError(
        `start upload of ${target.key}: the server answered without an upload id, which every S3 server sends; ` +
          'check endpoint_url / --endpoint (the S3 API address and port, not a web server or console) and any proxy on the way',
      );
    return { uploadId: out.UploadId, encryption: encryptionOf(out) };
  }

  /** Sends one part; returns what the server reports it stored. */
  async uploadPart(target: PartTarget, body: SignedBody, signal?: AbortSignal): Promise<StoredReport> {
    const command = new UploadPartCommand({
      ...this.objectInput(target.bucket, target.key),
      UploadId: target.uploadId,
      PartNumber: target.partNumber,
      Body: body.stream,
      ContentLength: body.lengthBytes,
      ...bodyDigestFields(body),
    });
    signPayload(command, payloadHash(body));
    const out = await sendWithBody(body, signal, (options) => this.senders.data.send(command, options));
    return storedReport(out);
  }

  /**
   * The parts the server holds for an upload (all pages); `gone` when the server says the upload does not exist;
   * `unlisted` when it cannot say: it does not know ListParts (fauxqs serves the object, or answers NoSuchKey
   * for a key with none yet; Swift may refuse with 405 or 501). Ceph RGW answers NoSuchKey for an upload that is
   * gone, so that answer is `unlisted` too: the next request naming the upload tells.
   */
  async listParts(bucket: string, key: string, uploadId: string, signal?: AbortSignal): Promise<PartListing> {
    const parts: RemotePart[] = [];
    let marker: string | undefined;
    try {
      do {
        const input = { ...this.objectInput(bucket, key), UploadId: uploadId, PartNumberMarker: marker };
        const command = new ListPartsCommand(input);
        if (this.senders.boundReads) readFirstByteOnly(command);
        const out = await this.senders.control.send(command, sendOptions(signal));
        // a listing names its upload; XML without it is the object, from a server that does not know ?uploadId
        if (out.UploadId !== uploadId) return 'unlisted';
        const page = readPartsPage(out, marker);
        parts.push(...page.parts);
        marker = page.nextMarker;
      } while (marker);
    } catch (error) {
      if (errorCode(error) === 'NoSuchUpload') return 'gone';
      if (isUploadGone(error) || isForeignAnswer(error) || refusesRequest(error)) return 'unlisted';
      throw error;
    }
    return parts;
  }

  /**
   * Completes an upload from its parts in part-number order (with each part's SHA-256 checksum or CRC when it
   * has one, and the whole object's CRC when the upload stores a full-object CRC); returns what the server reports
   * it stored. Ceph RGW answers an empty ETag and no encryption here.
   */
  async complete(
    upload: UploadTarget,
    parts: readonly RemotePart[],
    signal?: AbortSignal,
    fullObject?: CrcChecksum,
  ): Promise<StoredReport> {
    const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    const complete = (checksums: boolean) =>
      this.senders.control.send(
        new CompleteMultipartUploadCommand({
          ...this.objectInput(upload.bucket, upload.key),
          UploadId: upload.uploadId,
          ...completionFields(sorted, checksums, fullObject),
        }),
        sendOptions(signal),
      );
    const withChecksums = Boolean(fullObject) || sorted.some((p) => p.checksumSha256 || p.crcChecksums);
    try {
      return storedReport(await complete(withChecksums));
    } catch (error) {
      // Swift's s3api checks the body against a schema without checksum elements (400 MalformedXML); it keeps
      // no checksums anyway, and the object is then proven by its size and ETag
      if (!withChecksums || errorCode(error) !== 'MalformedXML') throw error;
      return storedReport(await complete(false));
    }
  }

  /** Copies bytes [firstByte, lastByte] of the object itself into a part of its open multipart upload. */
  async copyPart(
    target: PartTarget,
    source: CopySource & { firstByte: number; lastByte: number },
    signal?: AbortSignal,
  ): Promise<string> {
    // one attempt, retried by the caller: the SDK takes a 200 without a body (a server that ignored the copy
    // source) for an aborted copy and would send it again a dozen times for each of the caller's attempts
    const out = await this.senders.data.send(
      new UploadPartCopyCommand({
        ...this.objectInput(target.bucket, target.key),
        UploadId: target.uploadId,
        PartNumber: target.partNumber,
        ...copySourceFields(target, source, this.requests()),
        CopySourceRange: `bytes=${source.firstByte}-${source.lastByte}`,
      }),
      sendOptions(signal),
    );
    return stripQuotes(out.CopyPartResult?.ETag);
  }

  /** Aborts an upload; an upload that is already gone counts as aborted. */
  async abort(bucket: string, key: string, uploadId: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.senders.control.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, ...this.owner() }),
        sendOptions(signal),
      );
    } catch (error) {
      if (!isUploadGone(error)) throw error;
    }
  }

  /**
   * Multipart uploads still open under `prefix` (all pages). A server that refused the listing once (405, 501) is
   * not asked again: each multipart file of a run would otherwise send it one more request to refuse.
   */
  async listOpen(bucket: string, prefix: string, signal?: AbortSignal): Promise<OpenUpload[]> {
    if (this.firstListing) await this.firstListing.catch(() => undefined);
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the server's own answer, as it came
    if (this.listingRefusal !== undefined) throw this.listingRefusal;
    const listing = this.listPages(bucket, prefix, signal).catch((error: unknown) => {
      if (refusesRequest(error)) this.listingRefusal = error;
      throw error;
    });
    this.firstListing ??= listing;
    return listing;
  }

  private async listPages(bucket: string, prefix: string, signal?: AbortSignal): Promise<OpenUpload[]> {
    const uploads: OpenUpload[] = [];
    let at: UploadsPosition = {};
    do {
      const out = await this.senders.control.send(
        new ListMultipartUploadsCommand({
          Bucket: bucket,
          Prefix: prefix,
          KeyMarker: at.keyMarker,
          UploadIdMarker: at.uploadIdMarker,
          EncodingType: 'url',
          ...this.owner(),
        }),
        sendOptions(signal),
      );
      const page = readUploadsPage(out, at, `open uploads in s3://${bucket}/${prefix}`);
      uploads.push(...page.uploads);
      at = page.next;
    } while (at.keyMarker);
    return uploads;
  }

  private requests(): RequestSettings | undefined {
    return this.senders.settings.requests;
  }

  private owner(): { ExpectedBucketOwner?: string } {
    return ownerFields(this.requests());
  }

  private objectInput(bucket: string, key: string): ObjectInput {
    return objectInput(bucket, key, this.requests());
  }
}
