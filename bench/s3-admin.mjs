/**
 * The benchmark's own bucket housekeeping, outside every measured run: create a fresh bucket, count what a
 * client left in it, empty and delete it so the next run starts clean and the store does not fill up.
 */
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';

/** A client the way Ceph RGW needs it: path-style, no aws-chunked bodies or flexible checksums. */
export function makeAdminClient({ endpoint, accessKeyId, secretAccessKey }) {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Creates `bucket`; one that already exists is emptied first. */
export async function createFreshBucket(client, bucket) {
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (error?.name !== 'BucketAlreadyOwnedByYou' && error?.name !== 'BucketAlreadyExists') throw error;
    await emptyBucket(client, bucket);
  }
}

/** Objects and bytes in `bucket` (all pages). */
export async function countObjects(client, bucket) {
  let objects = 0;
  let bytes = 0;
  for await (const page of listPages(client, bucket)) {
    for (const item of page.Contents ?? []) {
      objects += 1;
      bytes += item.Size ?? 0;
    }
  }
  return { objects, bytes };
}

/** Deletes every object and open multipart upload in `bucket`, then the bucket. */
export async function deleteBucket(client, bucket) {
  await emptyBucket(client, bucket);
  await client.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => {});
}

async function emptyBucket(client, bucket) {
  for await (const page of listPages(client, bucket)) {
    const keys = (page.Contents ?? []).map((item) => ({ Key: item.Key }));
    if (keys.length > 0) {
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
    }
  }
  const open = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  for (const upload of open.Uploads ?? []) {
    await client.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }),
    );
  }
}

async function* listPages(client, bucket) {
  let token;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    yield page;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/**
 * RGW creates a pool lazily on the first bucket, object and multipart upload (about 2 s each); paying that
 * here keeps the first measured run representative.
 */
export async function warmUp(client, bucket) {
  await createFreshBucket(client, bucket);
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'warm-up', Body: 'warm-up' }));
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mpu' }));
  await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'mpu', UploadId }));
  await deleteBucket(client, bucket);
}
