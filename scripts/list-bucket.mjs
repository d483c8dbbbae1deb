#!/usr/bin/env node
// Prints every object in a bucket (size, ETag, key), following pagination.
//   node scripts/list-bucket.mjs ENDPOINT ACCESS_KEY SECRET_KEY BUCKET [PREFIX]
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

// the SDK's Node 20 end-of-support notice would bury this script's one line of output
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function makeClient(endpoint, accessKeyId, secretAccessKey) {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    // Ceph RGW (Pacific) rejects the SDK's default aws-chunked bodies with 411
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

async function* listObjects(client, bucket, prefix) {
  let token;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    yield* page.Contents ?? [];
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

// Ceph RGW error bodies carry no <Message> and HEAD answers no body at all, so the status code is the clue
function describeError(error) {
  const status = error?.$metadata?.httpStatusCode;
  return `${status ? `HTTP ${status} ` : ''}${error?.name ?? 'Error'}: ${error?.message ?? error}`;
}

const [endpoint, accessKeyId, secretAccessKey, bucket, prefix] = process.argv.slice(2);
if (!endpoint || !accessKeyId || !secretAccessKey || !bucket) {
  console.error('usage: node scripts/list-bucket.mjs ENDPOINT ACCESS_KEY SECRET_KEY BUCKET [PREFIX]');
  process.exit(2);
}
const client = makeClient(endpoint, accessKeyId, secretAccessKey);
let count = 0;
let totalBytes = 0;
try {
  for await (const object of listObjects(client, bucket, prefix)) {
    count += 1;
    totalBytes += object.Size ?? 0;
    console.log(`${String(object.Size ?? 0).padStart(12)}  ${object.ETag ?? ''}  ${object.Key}`);
  }
  console.log(`${count} objects, ${totalBytes} bytes in s3://${bucket}/${prefix ?? ''}`);
} catch (error) {
  console.error(`list bucket ${bucket} at ${endpoint}: ${describeError(error)}`);
  process.exit(1);
} finally {
  client.destroy();
}
