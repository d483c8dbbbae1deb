import { createHash } from 'node:crypto';
import type { ObjectPartHead, RemoteObject } from '../../../src/remote/remote-object.js';
import type { ObjectReader } from '../../../src/verifier/object-reader.js';

/** An object as the fake holds it: what HeadObject says, what HeadObject with PartNumber says, and its bytes. */
export interface FakeObject {
  head: RemoteObject;
  firstPart?: ObjectPartHead;
  body?: Buffer;
  tags?: Record<string, string>;
}

export const md5Hex = (data: Buffer): string => createHash('md5').update(data).digest('hex');
export const sha256Hex = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/**
 * An in-memory bucket behind the verifier's {@link ObjectReader}: HeadObject answers everything, a listing only
 * key, size, ETag and date (as S3's does), HeadObject with PartNumber like Ceph RGW (the whole object, no count)
 * unless the object says otherwise. Every request is counted.
 */
export class FakeBucket implements ObjectReader {
  readonly objects = new Map<string, FakeObject>();
  readonly requests: string[] = [];
  failWith: unknown;

  headObject(_bucket: string, key: string): Promise<RemoteObject | undefined> {
    this.requests.push(`head ${key}`);
    if (this.failWith) return Promise.reject(this.failWith as Error);
    const object = this.objects.get(key);
    return Promise.resolve(object && { metadata: {}, ...object.head });
  }

  async *listObjects(_bucket: string, prefix: string): AsyncGenerator<RemoteObject> {
    this.requests.push(`list ${prefix}`);
    if (this.failWith) throw this.failWith;
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    for (const key of keys) {
      const { head } = this.objects.get(key)!;
      await Promise.resolve();
      yield { key, sizeBytes: head.sizeBytes, etag: head.etag, lastModifiedMs: head.lastModifiedMs };
    }
  }

  headObjectPart(_bucket: string, key: string, partNumber: number): Promise<ObjectPartHead | undefined> {
    this.requests.push(`head-part ${partNumber} ${key}`);
    const object = this.objects.get(key);
    return Promise.resolve(object && (object.firstPart ?? { sizeBytes: object.head.sizeBytes }));
  }

  getObjectTags(_bucket: string, key: string): Promise<Record<string, string> | undefined> {
    this.requests.push(`tags ${key}`);
    const object = this.objects.get(key);
    if (!object) return Promise.reject(Object.assign(new Error('no such key'), { name: 'NoSuchKey' }));
    return Promise.resolve({ ...object.tags });
  }

  async getObjectStream(_bucket: string, key: string): Promise<AsyncIterable<Uint8Array>> {
    this.requests.push(`get ${key}`);
    const body = this.objects.get(key)?.body;
    if (!body) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    await Promise.resolve();
    return [body];
  }

  /** Stores `content` under `key` as one PutObject would: ETag = MD5, with `metadata`. */
  put(
    key: string,
    content: Buffer,
    head: Partial<RemoteObject> = {},
    extra: Omit<FakeObject, 'head'> = {},
  ): void {
    this.objects.set(key, {
      head: { key, sizeBytes: content.length, etag: md5Hex(content), lastModifiedMs: Date.now(), ...head },
      body: content,
      ...extra,
    });
  }

  /** Requests of one kind ('head', 'list', 'head-part', 'get'). */
  count(kind: string): number {
    return this.requests.filter((r) => r.startsWith(`${kind} `)).length;
  }
}

/** The multipart ETag and composite SHA-256 of `content` cut into `partSizeBytes` parts. */
export function partDigestsOf(content: Buffer, partSizeBytes: number): { etag: string; composite: string } {
  const md5s: Buffer[] = [];
  const sha256s: Buffer[] = [];
  for (let start = 0; start < content.length; start += partSizeBytes) {
    const part = content.subarray(start, start + partSizeBytes);
    md5s.push(createHash('md5').update(part).digest());
    sha256s.push(createHash('sha256').update(part).digest());
  }
  return {
    etag: `${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${md5s.length}`,
    composite: `${createHash('sha256').update(Buffer.concat(sha256s)).digest('base64')}-${sha256s.length}`,
  };
}
