#!/usr/bin/env node
// Creates a bucket unless it already exists.
//   node scripts/create-bucket.mjs ENDPOINT ACCESS_KEY SECRET_KEY BUCKET
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';

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

async function bucketExists(client, bucket) {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    if (error?.$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}

async function ensureBucket(client, bucket) {
  if (await bucketExists(client, bucket)) return 'exists';
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    return 'created';
  } catch (error) {
    // another process may have created it between the HEAD and the PUT
    if (error?.name === 'BucketAlreadyOwnedByYou') return 'exists';
    throw error;
  }
}

// Ceph RGW error bodies carry no <Message> and HEAD answers no body at all, so the status code is the clue
function describeError(error) {
  const status = error?.$metadata?.httpStatusCode;
  return `${status ? `HTTP ${status} ` : ''}${error?.name ?? 'Error'}: ${error?.message ?? error}`;
}

const [endpoint, accessKeyId, secretAccessKey, bucket] = process.argv.slice(2);
if (!endpoint || !accessKeyId || !secretAccessKey || !bucket) {
  console.error('usage: node scripts/create-bucket.mjs ENDPOINT ACCESS_KEY SECRET_KEY BUCKET');
  process.exit(2);
}
const client = makeClient(endpoint, accessKeyId, secretAccessKey);
try {
  console.log(`bucket ${bucket}: ${await ensureBucket(client, bucket)}`);
} catch (error) {
  console.error(`create bucket ${bucket} at ${endpoint}: ${describeError(error)}`);
  process.exit(1);
} finally {
  client.destroy();
}
