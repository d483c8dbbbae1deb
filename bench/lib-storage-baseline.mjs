#!/usr/bin/env node
/**
 * The naive baseline: what a developer writes with @aws-sdk/lib-storage in an afternoon. It walks the
 * folder and runs one `Upload` per file with lib-storage's defaults (5 MiB parts, 4 parts in flight per
 * file), four files at a time (p-limit). No resume, no verification beyond what the SDK does.
 *
 *   AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... node bench/lib-storage-baseline.mjs ENDPOINT BUCKET FOLDER
 *
 * Object keys are the files' paths relative to FOLDER, with forward slashes.
 */
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Upload } from '@aws-sdk/lib-storage';
import pLimit from 'p-limit';
import { nodePeerTarget } from './node-peer-target.mjs';

const FILES_IN_FLIGHT = 4;

async function* walk(root, rel = '') {
  for (const entry of await readdir(path.join(root, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) yield* walk(root, child);
    else if (entry.isFile()) yield child;
  }
}

const { bucket, folder, client } = nodePeerTarget('lib-storage-baseline.mjs');
const limit = pLimit(FILES_IN_FLIGHT);
const uploads = [];
for await (const rel of walk(folder)) {
  const upload = () =>
    new Upload({
      client,
      params: { Bucket: bucket, Key: rel, Body: createReadStream(path.join(folder, rel)) },
    }).done();
  uploads.push(limit(upload));
}
const results = await Promise.allSettled(uploads);
client.destroy();
const failed = results.filter((r) => r.status === 'rejected');
for (const failure of failed.slice(0, 5)) console.error(`upload failed: ${failure.reason}`);
console.log(`${results.length - failed.length} of ${results.length} files uploaded`);
process.exit(failed.length > 0 ? 1 : 0);
