/**
 * Views of a bucket on the test server, for asserting what an upload left behind, and one removal by hand.
 * S3's PascalCase response fields stay in here; tests see plain camelCase records.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { makeTestClient } from './s3-env.js';

export interface ListedObject {
  key: string;
  size: number;
  etag: string;
}

export interface ObjectHead {
  size: number;
  etag: string;
  contentType: string | undefined;
  lastModified: Date | undefined;
  /** User metadata (`x-amz-meta-*`), keys lower-cased by S3. */
  metadata: Record<string, string>;
}

export interface OpenMultipartUpload {
  key: string;
  uploadId: string;
  initiated: Date | undefined;
}

let sharedClient: S3Client | undefined;

/** One client per test file keeps sockets reused across the many small reads a test makes. */
function client(): S3Client {
  sharedClient ??= makeTestClient();
  return sharedClient;
}

/** Every object under `prefix` (all pages), sorted by key as S3 returns them. */
export async function listAllObjects(bucket: string, prefix?: string): Promise<ListedObject[]> {
  const objects: ListedObject[] = [];
  let token: string | undefined;
  do {
    const page = await client().send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const item of page.Contents ?? []) {
      objects.push({ key: item.Key ?? '', size: item.Size ?? 0, etag: item.ETag ?? '' });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

/** Deletes one object (what a run left behind, removed by hand). */
export async function deleteObject(bucket: string, key: string): Promise<void> {
  await client().send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

/** The object's full body. */
export async function getObjectBytes(bucket: string, key: string): Promise<Buffer> {
  const response = await client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!response.Body) throw new Error(`get s3://${bucket}/${key}: response has no body`);
  return Buffer.from(await response.Body.transformToByteArray());
}

/** The object's size, ETag, content type and user metadata. */
export async function headObject(bucket: string, key: string): Promise<ObjectHead> {
  const response = await client().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return {
    size: response.ContentLength ?? 0,
    etag: response.ETag ?? '',
    contentType: response.ContentType,
    lastModified: response.LastModified,
    metadata: response.Metadata ?? {},
  };
}

/** Multipart uploads started but neither completed nor aborted (all pages). */
export async function listOpenMultipartUploads(bucket: string): Promise<OpenMultipartUpload[]> {
  const uploads: OpenMultipartUpload[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  do {
    const page = await client().send(
      new ListMultipartUploadsCommand({
        Bucket: bucket,
        KeyMarker: keyMarker,
        UploadIdMarker: uploadIdMarker,
      }),
    );
    for (const upload of page.Uploads ?? []) {
      uploads.push({ key: upload.Key ?? '', uploadId: upload.UploadId ?? '', initiated: upload.Initiated });
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
  } while (keyMarker);
  return uploads;
}
