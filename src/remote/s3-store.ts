import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  PutObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { ConfigError } from '../errors.js';
import type { CrcName } from '../content/crc.js';
import {
  encryptionOf,
  isMissingObject,
  listedObject,
  namedKeyRefusal,
  partHeadOf,
  refusesRequest,
  remoteObjectOf,
  storedReport,
  stripQuotes,
  tagsOf,
} from './answer-fields.js';
import { CLIENT_SETTINGS } from './client-settings.js';
import {
  errorCode,
  httpStatusOf,
  isForeignAnswer,
  isNotImplemented,
  isUploadGone,
} from './classify-error.js';
import { isAmazonS3 } from './endpoint-id.js';
import type { ControlRetry } from './control-retry.js';
import { createSdkClients, type EndpointSettings } from './sdk-clients.js';
import { LeanPut, type LeanPutSettings } from './lean-put.js';
import {
  nextListingPage,
  readPartsPage,
  readUploadsPage,
  type ListingPosition,
  type UploadsPosition,
} from './listing-pages.js';
import {
  readFirstByteOnly,
  sendOptions,
  sendWithBody,
  signPayload,
  watchAttempts,
  type AttemptListener,
} from './sdk-requests.js';
import type { ObjectSettings, RequestSettings } from './object-settings.js';
import { payloadHash, putObjectHeaders } from './put-object-request.js';
import type {
  ObjectEncryption,
  ObjectPartHead,
  OpenUpload,
  PartListing,
  RemoteObject,
  RemotePart,
  StoredReport,
} from './remote-object.js';
import {
  bodyDigestFields,
  completionFields,
  copySourceFields,
  customerKeyFields,
  objectFields,
  objectInput,
  ownerFields,
  type CustomerKeyFields,
  type ObjectFields,
  type ObjectInput,
} from './request-fields.js';
import type { CopySource, CrcChecksum, ObjectTarget, SignedBody } from './write-request.js';

/** Where and how to reach the S3 endpoint, and what the store tells of its requests and sends with them. */
export interface StoreSettings extends EndpointSettings {
  /** Called once per HTTP request sent, for request counting in --debug and the benchmark. */
  onRequest?: ((operation: string) => void) | undefined;
  /** Told of each request the control client sends again whose key no {@link S3Store.watchRetries} watches. */
  onRetry?: ((retry: ControlRetry) => void) | undefined;
  /** The SSE-C key and expected bucket owner, sent on every request that takes them. */
  requests?: RequestSettings | undefined;
  /**
   * What the tool's own small objects (the bucket lock, the write probe) are stored with: the configured encryption,
   * tags and ACL, which a bucket policy may require of every PutObject. Never a storage class: they are short-lived.
   */
  ownObjects?: Pick<ObjectSettings, 'encryption' | 'tags' | 'acl'> | undefined;
  /**
   * Bodies held in memory go by {@link LeanPut} instead of the SDK's PutObject command (default true). Off, every
   * request goes through the SDK client, for tests that replace the client's `send`.
   */
  leanPut?: boolean | undefined;
}

/**
 * The only module that speaks S3: it turns our calls into SDK commands and S3's answers into
 * our own types. Data-carrying requests (PutObject, UploadPart) go through a client without SDK
 * retries, because their streamed bodies cannot be replayed; the transfer engine retries them.
 */
export class S3Store {
  private readonly control: S3Client;
  private readonly data: S3Client;
  private readonly lean: LeanPutSettings;
  private readonly leanPuts = new Map<string, Promise<LeanPut | undefined>>();
  private readonly retryWatchers = new Map<string, (retry: ControlRetry) => void>();
  /** Reads of a subresource ask for one byte (see {@link readFirstByteOnly}); Amazon S3 knows every subresource. */
  private readonly boundReads: boolean;

  private destroyed = false;

  constructor(private readonly settings: StoreSettings) {
    this.boundReads = !isAmazonS3(settings.endpoint);
    const clients = createSdkClients(settings);
    this.control = clients.control;
    this.data = clients.data;
    this.lean = clients.lean;
    const listener: AttemptListener = {
      onSend: (operation) => this.settings.onRequest?.(operation),
      onRetry: (retry) => this.tellRetry(retry),
    };
    watchAttempts(this.control, CLIENT_SETTINGS.maxAttempts, listener);
    watchAttempts(this.data, 1, listener);
  }

  /**
   * Tells `listener` of each request about `key` that the control client sends again, until the returned function
   * is called: the engine watches the key of each file it sends, so the SDK's own retries of its completion or
   * part listing count as the file's, as the retries of its bodies do.
   */
  watchRetries(key: string, listener: (retry: ControlRetry) => void): () => void {
    this.retryWatchers.set(key, listener);
    return () => {
      if (this.retryWatchers.get(key) === listener) this.retryWatchers.delete(key);
    };
  }

  private tellRetry(retry: ControlRetry): void {
    // a store closed while its requests were in flight (a run stopping at an error) resets them: nothing to tell
    if (this.destroyed) return;
    const watcher = retry.key === undefined ? undefined : this.retryWatchers.get(retry.key);
    (watcher ?? this.settings.onRetry)?.(retry);
  }

  private owner(): { ExpectedBucketOwner?: string } {
    return ownerFields(this.settings.requests);
  }

  private customerKey(): CustomerKeyFields {
    return customerKeyFields(this.settings.requests);
  }

  private objectInput(bucket: string, key: string): ObjectInput {
    return objectInput(bucket, key, this.settings.requests);
  }

  private namedKeyRefusal(error: unknown): unknown {
    return namedKeyRefusal(error, this.settings.requests);
  }

  private objectFields(target: Omit<ObjectTarget, 'bucket'>): ObjectFields {
    return objectFields(target, this.settings.requests);
  }

  /** Where one of the tool's own small objects goes and what it is stored with (see `ownObjects`). */
  ownObjectTarget(key: string, contentType: string): Omit<ObjectTarget, 'bucket'> {
    const own = this.settings.ownObjects;
    return { key, contentType, metadata: {}, encryption: own?.encryption, tags: own?.tags, acl: own?.acl };
  }

  /** Confirms the bucket exists and the credentials reach it. @throws the SDK error. */
  async headBucket(bucket: string, signal?: AbortSignal): Promise<void> {
    await this.control.send(new HeadBucketCommand({ Bucket: bucket, ...this.owner() }), sendOptions(signal));
  }

  /** The object's size, ETag, date and user metadata, or undefined when there is none. */
  async headObject(bucket: string, key: string, signal?: AbortSignal): Promise<RemoteObject | undefined> {
    const command = new HeadObjectCommand({ ...this.objectInput(bucket, key), ChecksumMode: 'ENABLED' });
    try {
      return remoteObjectOf(key, await this.control.send(command, sendOptions(signal)));
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw this.namedKeyRefusal(error);
    }
  }

  /**
   * Every object under `prefix`, one ListObjectsV2 request per 1,000 keys. A page that says the listing goes on
   * without a continuation token (some S3-compatible servers) is followed from its last key, never taken as the
   * end: an object left out would look missing.
   * @throws RemoteError when such a page has no key to go on from.
   */
  async *listObjects(bucket: string, prefix: string, signal?: AbortSignal): AsyncGenerator<RemoteObject> {
    let next: ListingPosition | undefined = {};
    do {
      const { ContinuationToken, StartAfter } = next;
      const input = { Bucket: bucket, Prefix: prefix, ContinuationToken, StartAfter, ...this.owner() };
      const out: ListObjectsV2CommandOutput = await this.control.send(
        new ListObjectsV2Command(input),
        sendOptions(signal),
      );
      let lastKey: string | undefined;
      for (const item of out.Contents ?? []) {
        if (item.Key === undefined) continue;
        lastKey = item.Key;
        yield listedObject(item.Key, item);
      }
      next = out.IsTruncated
        ? nextListingPage(next, out.NextContinuationToken, lastKey, `s3://${bucket}/${prefix}`)
        : undefined;
    } while (next);
  }

  /**
   * Stores a whole object in one request; returns what the server reports it stored. A body held in memory goes
   * by {@link LeanPut}: the SDK's middleware stack costs more CPU per small file than signing and sending it.
   */
  async putObject(target: ObjectTarget, body: SignedBody, signal?: AbortSignal): Promise<StoredReport> {
    const isLean = this.settings.leanPut !== false && body.stream instanceof Buffer;
    const lean = isLean ? await this.leanPutFor(target.bucket) : undefined;
    if (lean && body.stream instanceof Buffer) {
      const headers = putObjectHeaders(target, body, this.settings.requests);
      this.settings.onRequest?.('PutObjectCommand');
      return storedReport(await lean.put(target.key, headers, body.stream, signal));
    }
    const command = new PutObjectCommand({
      Bucket: target.bucket,
      Key: target.key,
      Body: body.stream,
      ContentLength: body.lengthBytes,
      ...this.objectFields(target),
      ...bodyDigestFields(body),
    });
    signPayload(command, payloadHash(body));
    const out = await sendWithBody(body, signal, (options) => this.data.send(command, options));
    return storedReport(out);
  }

  /** The lean sender for a bucket, made once; undefined when its endpoint needs the SDK (see LeanPut.forBucket). */
  private leanPutFor(bucket: string): Promise<LeanPut | undefined> {
    let lean = this.leanPuts.get(bucket);
    if (!lean) {
      lean = LeanPut.forBucket(this.data, bucket, this.lean).catch(() => undefined);
      this.leanPuts.set(bucket, lean);
    }
    return lean;
  }

  /**
   * Starts a multipart upload, asking for SHA-256 part checksums when `checksums` is set, or a full-object
   * `crc` (Amazon S3 then requires the checksum on every part and in CompleteMultipartUpload). Returns its id
   * and the encryption the server reports for it.
   */
  async createMultipartUpload(
    target: ObjectTarget & { checksums?: boolean; crc?: CrcName | undefined },
    signal?: AbortSignal,
  ): Promise<{ uploadId: string; encryption: ObjectEncryption }> {
    const out = await this.control.send(
      new CreateMultipartUploadCommand({
        Bucket: target.bucket,
        Key: target.key,
        ...this.objectFields(target),
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
  async uploadPart(
    target: { bucket: string; key: string; uploadId: string; partNumber: number },
    body: SignedBody,
    signal?: AbortSignal,
  ): Promise<StoredReport> {
    const command = new UploadPartCommand({
      ...this.objectInput(target.bucket, target.key),
      UploadId: target.uploadId,
      PartNumber: target.partNumber,
      Body: body.stream,
      ContentLength: body.lengthBytes,
      ...bodyDigestFields(body),
    });
    signPayload(command, payloadHash(body));
    const out = await sendWithBody(body, signal, (options) => this.data.send(command, options));
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
        if (this.boundReads) readFirstByteOnly(command);
        const out = await this.control.send(command, sendOptions(signal));
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
  async completeMultipartUpload(
    target: { bucket: string; key: string; uploadId: string },
    parts: readonly RemotePart[],
    signal?: AbortSignal,
    fullObject?: CrcChecksum,
  ): Promise<StoredReport> {
    const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    const complete = (checksums: boolean) =>
      this.control.send(
        new CompleteMultipartUploadCommand({
          ...this.objectInput(target.bucket, target.key),
          UploadId: target.uploadId,
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

  /**
   * Rewrites an object onto itself with new settings (class, encryption, tags, ACL), keeping its bytes, with the
   * content type and metadata given; without tags it keeps its own. `source.etag` guards the copy: a 412 means the
   * object changed since it was looked at. What it stored is read back by HeadObject: the answer's ETag is not
   * the whole story (Ceph ignores some settings on copies). Only for objects of at most 5 GiB; larger ones go by
   * {@link uploadPartCopy}.
   */
  async copyObjectInPlace(target: ObjectTarget, source: CopySource, signal?: AbortSignal): Promise<void> {
    const fields = this.objectFields(target);
    // one attempt: the caller looks at the object before a copy is sent again (see fix-settings.ts)
    await this.data.send(
      new CopyObjectCommand({
        Bucket: target.bucket,
        Key: target.key,
        ...copySourceFields(target, source, this.settings.requests),
        MetadataDirective: 'REPLACE',
        TaggingDirective: fields.Tagging ? 'REPLACE' : 'COPY',
        ...fields,
      }),
      sendOptions(signal),
    );
  }

  /** Copies bytes [firstByte, lastByte] of the object itself into a part of an open multipart upload. */
  async uploadPartCopy(
    target: { bucket: string; key: string; uploadId: string; partNumber: number },
    source: CopySource & { firstByte: number; lastByte: number },
    signal?: AbortSignal,
  ): Promise<string> {
    // one attempt, retried by the caller: the SDK takes a 200 without a body (a server that ignored the copy
    // source) for an aborted copy and would send it again a dozen times for each of the caller's attempts
    const out = await this.data.send(
      new UploadPartCopyCommand({
        ...this.objectInput(target.bucket, target.key),
        UploadId: target.uploadId,
        PartNumber: target.partNumber,
        ...copySourceFields(target, source, this.settings.requests),
        CopySourceRange: `bytes=${source.firstByte}-${source.lastByte}`,
      }),
      sendOptions(signal),
    );
    return stripQuotes(out.CopyPartResult?.ETag);
  }

  /** Aborts an upload; an upload that is already gone counts as aborted. */
  async abortMultipartUpload(
    bucket: string,
    key: string,
    uploadId: string,
    signal?: AbortSignal,
  ): Promise<void> {
    try {
      await this.control.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, ...this.owner() }),
        sendOptions(signal),
      );
    } catch (error) {
      if (!isUploadGone(error)) throw error;
    }
  }

  /** Multipart uploads still open under `prefix` (all pages). */
  async listMultipartUploads(bucket: string, prefix: string, signal?: AbortSignal): Promise<OpenUpload[]> {
    const uploads: OpenUpload[] = [];
    let at: UploadsPosition = {};
    do {
      const out = await this.control.send(
        new ListMultipartUploadsCommand({
          Bucket: bucket,
          Prefix: prefix,
          KeyMarker: at.keyMarker,
          UploadIdMarker: at.uploadIdMarker,
          ...this.owner(),
        }),
        sendOptions(signal),
      );
      const page = readUploadsPage(out, at);
      uploads.push(...page.uploads);
      at = page.next;
    } while (at.keyMarker);
    return uploads;
  }

  /** Deletes one object (used by `credentials test` to remove its probe). */
  async deleteObject(bucket: string, key: string, signal?: AbortSignal): Promise<void> {
    await this.control.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: key, ...this.owner() }),
      sendOptions(signal),
    );
  }

  /**
   * The object's tags (GetObjectTagging), or undefined from a server that keeps none: it says so (501, Swift's
   * s3api), or it does not know `?tagging` and served the object instead (fauxqs), where a PutObjectTagging would
   * store the tag document as the object. Callers tag an object only after this answered with a tag set.
   * @throws the SDK error (NoSuchKey for a missing object).
   */
  async getObjectTags(
    bucket: string,
    key: string,
    signal?: AbortSignal,
  ): Promise<Record<string, string> | undefined> {
    let out;
    try {
      const command = new GetObjectTaggingCommand({ Bucket: bucket, Key: key, ...this.owner() });
      if (this.boundReads) readFirstByteOnly(command);
      out = await this.control.send(command, sendOptions(signal));
    } catch (error) {
      if (isNotImplemented(error) || isForeignAnswer(error)) return undefined;
      throw error;
    }
    return tagsOf(out.TagSet);
  }

  /** Replaces the object's tags (PutObjectTagging). @throws the SDK error. */
  async putObjectTags(
    bucket: string,
    key: string,
    tags: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<void> {
    const TagSet = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
    await this.control.send(
      new PutObjectTaggingCommand({ Bucket: bucket, Key: key, Tagging: { TagSet }, ...this.owner() }),
      sendOptions(signal),
    );
  }

  /** The server's time, to the second, as its last answer told it (our clock's before any answer). */
  serverNow(): Date {
    return this.lean.clock.serverNow();
  }

  /** Closes pooled connections so the process can exit promptly. */
  destroy(): void {
    this.destroyed = true;
    this.control.destroy();
    this.data.destroy();
  }

  /**
   * Stores a small text object only if the key is free (`If-None-Match: *`); returns its ETag, or undefined
   * when an object is already there (412, or 409 while another conditional write to the key is in flight).
   * A server that ignores the header stores it anyway: only a second call over the same key tells.
   * @throws the SDK error for any other failure.
   */
  async createObjectIfAbsent(
    bucket: string,
    key: string,
    text: string,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    return this.putTextIf({ Bucket: bucket, Key: key, IfNoneMatch: '*' }, text, signal);
  }

  /**
   * Replaces a small text object only while its ETag is still `etag` (`If-Match`); returns the new ETag, or
   * undefined when the object changed or is gone. Ceph RGW (Pacific) compares If-Match with the bare ETag
   * and refuses the quoted form RFC 9110 and Amazon S3 use, so a refused quoted form is tried bare once.
   * @throws the SDK error for any other failure.
   */
  async replaceObjectIfMatch(
    bucket: string,
    key: string,
    text: string,
    etag: string,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const bare = stripQuotes(etag);
    return (
      (await this.putTextIf({ Bucket: bucket, Key: key, IfMatch: `"${bare}"` }, text, signal)) ??
      (await this.putTextIf({ Bucket: bucket, Key: key, IfMatch: bare }, text, signal))
    );
  }

  /** A small object's text and ETag, or undefined when there is none. */
  async readObjectText(
    bucket: string,
    key: string,
    signal?: AbortSignal,
  ): Promise<{ text: string; etag: string } | undefined> {
    try {
      const out = await this.control.send(
        new GetObjectCommand(this.objectInput(bucket, key)),
        sendOptions(signal),
      );
      return { text: (await out.Body?.transformToString('utf8')) ?? '', etag: stripQuotes(out.ETag) };
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw this.namedKeyRefusal(error);
    }
  }

  private async putTextIf(
    condition: { Bucket: string; Key: string; IfNoneMatch?: string; IfMatch?: string },
    text: string,
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    try {
      const out = await this.control.send(
        new PutObjectCommand({
          ...condition,
          Body: text,
          ...this.objectFields(this.ownObjectTarget(condition.Key, 'application/json')),
        }),
        sendOptions(signal),
      );
      return stripQuotes(out.ETag);
    } catch (error) {
      const status = httpStatusOf(error);
      // 404: If-Match on a key that is gone (Amazon S3; Ceph answers 412)
      if (status === 412 || status === 409 || errorCode(error) === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  /**
   * HeadObject with PartNumber: the part's size, the object's parts count and its storage class, or undefined when
   * there is no object. Servers that ignore PartNumber (Ceph RGW) answer the whole object's size and no count.
   */
  async headObjectPart(
    bucket: string,
    key: string,
    partNumber: number,
    signal?: AbortSignal,
  ): Promise<ObjectPartHead | undefined> {
    const command = new HeadObjectCommand({ ...this.objectInput(bucket, key), PartNumber: partNumber });
    try {
      return partHeadOf(await this.control.send(command, sendOptions(signal)));
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      // Swift's s3api answers a HEAD with PartNumber 405: then it says what a server that ignores PartNumber says
      if (!refusesRequest(error)) throw this.namedKeyRefusal(error);
      const whole = await this.headObject(bucket, key, signal);
      return (
        whole && {
          sizeBytes: whole.sizeBytes,
          ...(whole.storageClass ? { storageClass: whole.storageClass } : {}),
        }
      );
    }
  }

  /**
   * The object's bytes as a stream, for reading it back. @throws the SDK error (NoSuchKey, InvalidObjectState for
   * an archived object).
   */
  async getObjectStream(bucket: string, key: string, signal?: AbortSignal): Promise<Readable> {
    const out = await this.control
      .send(new GetObjectCommand(this.objectInput(bucket, key)), sendOptions(signal))
      .catch((error: unknown) => {
        throw this.namedKeyRefusal(error);
      });
    if (!(out.Body instanceof Readable)) throw new Error(`GetObject ${key} returned no stream`);
    return out.Body;
  }

  /**
   * One HeadBucket without the SDK's retries, so the caller decides how long to wait for an endpoint that never
   * answers. @throws the SDK or network error.
   */
  async headBucketOnce(bucket: string, signal?: AbortSignal): Promise<void> {
    await this.data.send(new HeadBucketCommand({ Bucket: bucket, ...this.owner() }), sendOptions(signal));
  }
}
