import type { ObjectPartHead, RemoteObject } from '../remote/remote-object.js';

/**
 * The reads the verifier makes of a bucket; S3Store implements it. Only these, so a decision can be tested against
 * an in-memory bucket and never sends anything.
 */
export interface ObjectReader {
  /** The object with user metadata, encryption and stored checksums, or undefined when there is none. */
  headObject(bucket: string, key: string, signal?: AbortSignal): Promise<RemoteObject | undefined>;
  /** Every object under `prefix`, without metadata. */
  listObjects(bucket: string, prefix: string, signal?: AbortSignal): AsyncIterable<RemoteObject>;
  /** HeadObject with PartNumber, or undefined when there is no object. */
  headObjectPart(
    bucket: string,
    key: string,
    partNumber: number,
    signal?: AbortSignal,
  ): Promise<ObjectPartHead | undefined>;
  /** The object's tags, or undefined from a server that keeps none. @throws when there is no object. */
  getObjectTags(
    bucket: string,
    key: string,
    signal?: AbortSignal,
  ): Promise<Record<string, string> | undefined>;
  /** The object's bytes. @throws when it cannot be read. */
  getObjectStream(bucket: string, key: string, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
}
