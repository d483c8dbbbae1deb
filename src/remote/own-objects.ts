import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isMissingObject, namedKeyRefusal, stripQuotes } from './answer-fields.js';
import { errorCode, httpStatusOf } from './classify-error.js';
import type { ObjectSettings, RequestSettings } from './object-settings.js';
import { objectFields, objectInput, ownerFields } from './request-fields.js';
import { sendOptions } from './sdk-requests.js';
import type { ServerClock } from './server-clock.js';
import type { ObjectTarget } from './write-request.js';

/** The store's client, settings and clock that requests for its own objects go through. */
export interface OwnObjectSenders {
  /** With the SDK's retries. */
  control: S3Client;
  /** The store's settings, read at each request: bucket owner, SSE-C key, and what own objects are stored with. */
  settings: {
    readonly requests?: RequestSettings | undefined;
    readonly ownObjects?: Pick<ObjectSettings, 'encryption' | 'tags' | 'acl'> | undefined;
  };
  /** The server's time as every sender of the store knows it. */
  clock: ServerClock;
}

/**
 * The tool's own small objects in the bucket: the bucket lock, created and replaced only on a condition so that two
 * machines never both hold it, and the write probe of `credentials test`. They are stored with the configured
 * encryption, tags and ACL (which a bucket policy may require of every PutObject), never with a storage class.
 */
export class OwnObjects {
  constructor(private readonly senders: OwnObjectSenders) {}

  /** Where one of the tool's own small objects goes and what it is stored with (see `ownObjects`). */
  target(key: string, contentType: string): Omit<ObjectTarget, 'bucket'> {
    const own = this.senders.settings.ownObjects;
    return { key, contentType, metadata: {}, encryption: own?.encryption, tags: own?.tags, acl: own?.acl };
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
    const requests = this.senders.settings.requests;
    try {
      const out = await this.senders.control.send(
        new GetObjectCommand(objectInput(bucket, key, requests)),
        sendOptions(signal),
      );
      return { text: (await out.Body?.transformToString('utf8')) ?? '', etag: stripQuotes(out.ETag) };
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw namedKeyRefusal(error, requests);
    }
  }

  /** Deletes one of the tool's own objects: a released lock, the write probe. */
  async deleteObject(bucket: string, key: string, signal?: AbortSignal): Promise<void> {
    const owner = ownerFields(this.senders.settings.requests);
    await this.senders.control.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: key, ...owner }),
      sendOptions(signal),
    );
  }

  /** The server's time, to the second, as its last answer told it: a lock's lease is judged on it. */
  serverNow(): Date {
    return this.senders.clock.serverNow();
  }

  private async putTextIf(
    condition: { Bucket: string; Key: string; IfNoneMatch?: string; IfMatch?: string },
    text: string,
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    const fields = objectFields(
      this.target(condition.Key, 'application/json'),
      this.senders.settings.requests,
    );
    try {
      const out = await this.senders.control.send(
        new PutObjectCommand({ ...condition, Body: text, ...fields }),
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
}
