#!/usr/bin/env node
/**
 * The best Node peer: s3-sync-client's `sync` (the `aws s3 sync` algorithm in Node) of the folder to the
 * bucket, with the tuning the other tuned peers get: 16 transfers in flight, 64 MiB parts. A second sync
 * of an unchanged folder lists the bucket, finds every object newer and as big, and sends nothing.
 *
 *   AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... node bench/s3-sync-client-sync.mjs ENDPOINT BUCKET FOLDER
 *
 * Object keys are the files' paths relative to FOLDER, with forward slashes.
 */
import { S3SyncClient } from 's3-sync-client';
import { nodePeerTarget } from './node-peer-target.mjs';

const MAX_CONCURRENT_TRANSFERS = 16;
const PART_SIZE_BYTES = 64 * 1024 * 1024;

const { bucket, folder, client } = nodePeerTarget('s3-sync-client-sync.mjs');
try {
  const { created, updated } = await new S3SyncClient({ client }).sync(folder, `s3://${bucket}`, {
    maxConcurrentTransfers: MAX_CONCURRENT_TRANSFERS,
    partSize: PART_SIZE_BYTES,
  });
  console.log(`${created.length} files created, ${updated.length} updated`);
} catch (error) {
  console.error(`sync failed: ${error?.stack ?? error}`);
  process.exitCode = 1;
} finally {
  client.destroy();
}
