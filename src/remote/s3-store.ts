import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  isMissingObject,
  listedObject,
  namedKeyRefusal,
  partHeadOf,
  refusesRequest,
  remoteObjectOf,
  storedReport,
  tagsOf,
} from './answer-fields.js';
import { isForeignAnswer, isNotImplemented } from './classify-error.js';
import { CLIENT_SETTINGS } from './client-settings.js';
import type { ControlRetry } from './control-retry.js';
import { isAmazonS3 } from './endpoint-id.js';
import { LeanPut, type LeanPutSettings } from './lean-put.js';
import { listedKey, nextListingPage, type ListingPosition } from './listing-pages.js';
import { MultipartUploads } from './multipart-uploads.js';
import type { ObjectSettings, RequestSettings } from './object-settings.js';
import { OwnObjects } from './own-objects.js';
import { payloadHash, putObjectHeaders } from './put-object-request.js';
import type { ObjectGrant, ObjectPartHead, RemoteObject, StoredReport } from './remote-object.js';
import {
  bodyDigestFields,
  copySourceFields,
  objectFields,
  objectInput,
  ownerFields,
  type ObjectFields,
  type ObjectInput,
} from './request-fields.js';
import { createSdkClients, type EndpointSettings } from './sdk-clients.js';
import {
  readFirstByteOnly,
  sendOptions,
  sendWithBody,
  signPayload,
  watchAttempts,
  type AttemptListener,
  type RequestTarget,
} from './sdk-requests.js';
import type { CopySource, ObjectTarget, SignedBody } from './write-request.js';

/** Where and how to reach the S3 endpoint, and what the store tells of its requests and sends with them. */
export interface StoreSettings extends EndpointSettings {
  /** Called once per HTTP request sent, for request counting in --debug and the benchmark. */
  onRequest?: ((operation: string, target: RequestTarget) => void) | undefined;
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
 * The S3 boundary: it turns our calls into SDK commands and S3's answers into our own types, here for buckets and
 * whole objects and through {@link uploads} for multipart uploads. Data-carrying requests (PutObject, UploadPart)
 * go through a client without SDK retries, because their streamed bodies cannot be replayed; the transfer engine
 * retries them.
 */
export class S3Store {
  /** The multipart upload requests, on this store's clients and settings. */
  readonly uploads: MultipartUploads;
  /** The tool's own small objects (the bucket lock, the write probe), on this store's clients and settings. */
  readonly ownObjects: OwnObjects;
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
    const { control, data, lean } = createSdkClients(settings);
    this.control = control;
    this.data = data;
    this.lean = lean;
    this.uploads = new MultipartUploads({ control, data, settings, boundReads: this.boundReads });
    this.ownObjects = new OwnObjects({ control, settings, clock: lean.clock });
    const listener: AttemptListener = {
      onSend: (operation, target) => this.settings.onRequest?.(operation, target),
      onRetry: (retry) => this.tellRetry(retry),
    };
    watchAttempts(control, CLIENT_SETTINGS.maxAttempts, listener);
    watchAttempts(data, 1, listener);
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

  /** Confirms the bucket exists and the credentials reach it. @throws the SDK error. */
  async headBucket(bucket: string, signal?: AbortSignal): Promise<void> {
    await this.control.send(new HeadBucketCommand({ Bucket: bucket, ...this.owner() }), sendOptions(signal));
  }

  /**
   * One HeadBucket without the SDK's retries, so the caller decides how long to wait for an endpoint that never
   * answers. @throws the SDK or network error.
   */
  async headBucketOnce(bucket: string, signal?: AbortSignal): Promise<void> {
    await this.data.send(new HeadBucketCommand({ Bucket: bucket, ...this.owner() }), sendOptions(signal));
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
   * Every object under `prefix`, one ListObjectsV2 request per 1,000 keys. A page that says the listing goes on
   * without a continuation token (some S3-compatible servers) is followed from its last key, never taken as the
   * end: an object left out would look missing.
   * @throws RemoteError when such a page has no key to go on from.
   */
  async *listObjects(bucket: string, prefix: string, signal?: AbortSignal): AsyncGenerator<RemoteObject> {
    let next: ListingPosition | undefined = {};
    do {
      const { ContinuationToken, StartAfter } = next;
      const input = {
        Bucket: bucket,
        Prefix: prefix,
        ContinuationToken,
        StartAfter,
        EncodingType: 'url' as const,
        ...this.owner(),
      };
      const out: ListObjectsV2CommandOutput = await this.control.send(
        new ListObjectsV2Command(input),
        sendOptions(signal),
      );
      const where = `s3://${bucket}/${prefix}`;
      let lastKey: string | undefined;
      for (const item of out.Contents ?? []) {
        if (item.Key === undefined) continue;
        lastKey = listedKey(item.Key, out.EncodingType, where);
        yield listedObject(lastKey, item);
      }
      next = out.IsTruncated ? nextListingPage(next, out.NextContinuationToken, lastKey, where) : undefined;
    } while (next);
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
    const command = new GetObjectTaggingCommand({ Bucket: bucket, Key: key, ...this.owner() });
    const out = await this.readSubresource(command, () => this.control.send(command, sendOptions(signal)));
    return out && tagsOf(out.TagSet);
  }

  /**
   * The grants of the object's ACL (GetObjectAcl), each as its grantee's group URI or id and its permission, or
   * undefined from a server that shows no ACL: it says so (501), or it does not know `?acl` and served the object.
   * @throws the SDK error (AccessDenied without s3:GetObjectAcl).
   */
  async getObjectGrants(
    bucket: string,
    key: string,
    signal?: AbortSignal,
  ): Promise<ObjectGrant[] | undefined> {
    const command = new GetObjectAclCommand({ Bucket: bucket, Key: key, ...this.owner() });
    const out = await this.readSubresource(command, () => this.control.send(command, sendOptions(signal)));
    if (!out) return undefined;
    return (out.Grants ?? []).map((grant) => ({
      grantee: grant.Grantee?.URI ?? grant.Grantee?.ID ?? '',
      permission: grant.Permission ?? '',
    }));
  }

  /**
   * Sends `command`, a read of an object's subresource (`?tagging`, `?acl`), or answers undefined for a server
   * without it: one that says so (501), or one that does not know the subresource and served the object (of which
   * a bound read asks one byte).
   * @throws the SDK error otherwise.
   */
  private async readSubresource<Out>(
    command: { middlewareStack: unknown },
    send: () => Promise<Out>,
  ): Promise<Out | undefined> {
    if (this.boundReads) readFirstByteOnly(command);
    try {
      return await send();
    } catch (error) {
      if (isNotImplemented(error) || isForeignAnswer(error)) return undefined;
      throw error;
    }
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
      this.settings.onRequest?.('PutObjectCommand', { key: target.key });
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
   * Rewrites an object onto itself with new settings (class, encryption, tags, ACL), keeping its bytes, with the
   * content type and metadata given; without tags it keeps its own. `source.etag` guards the copy: a 412 means the
   * object changed since it was looked at. What it stored is read back by HeadObject: the answer's ETag is not
   * the whole story (Ceph ignores some settings on copies). Only for objects of at most 5 GiB; larger ones go by
   * {@link MultipartUploads.copyPart}.
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

  private owner(): { ExpectedBucketOwner?: string } {
    return ownerFields(this.settings.requests);
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
}
