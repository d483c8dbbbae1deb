/**
 * A multipart upload over a link found down: the parts not yet started are not sent (each would spend a request on
 * a link that answers none), and the file fails with the link-down error that stops the run. A verdict that takes
 * five minutes of silence against a real server is reached here by a link watch whose window is 0 ms, over a
 * mocked client whose UploadPart fails without an answer after the first part.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  S3Client,
  UploadPartCommand,
  type UploadPartCommandInput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LinkDownError } from '../../../src/errors.js';
import { S3Store } from '../../../src/remote/s3-store.js';
import { LinkWatch } from '../../../src/transfer/link-watch.js';
import { uploadFile } from '../../../src/transfer/upload-file.js';
import { mockedTransferContext } from '../../support/transfer-context.js';

const MiB = 1024 ** 2;
const s3 = mockClient(S3Client);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'link-down-parts-'));
  await writeFile(path.join(dir, 'reel.mp4'), randomBytes(40 * MiB)); // five parts of 8 MiB
});

afterAll(async () => {
  s3.restore();
  await rm(dir, { recursive: true, force: true });
});

it('sends no part after the link is found down, and fails the file with the link-down error', async () => {
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
  s3.on(ListMultipartUploadsCommand).resolves({ Uploads: [] });
  s3.on(UploadPartCommand).callsFake((input: UploadPartCommandInput) => {
    if (input.PartNumber === 1) return { ETag: '"part-1"' };
    throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
  });
  const store = new S3Store({
    region: 'us-east-1',
    forcePathStyle: true,
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
  });
  const ctx = {
    ...(await mockedTransferContext(store, path.join(dir, 'state'), {
      bucket: 'survey',
      endpointId: 'http://127.0.0.1:1',
      integrity: 'checksum',
      settingsFor: () => ({ encryption: undefined, tags: {}, metadata: {} }),
    })),
    maxWorkersPerFile: 1,
    link: new LinkWatch(() => 0, 0),
  };
  const info = await stat(path.join(dir, 'reel.mp4'));
  const file = {
    path: path.join(dir, 'reel.mp4'),
    key: 'P/reel.mp4',
    sizeBytes: info.size,
    mtimeMs: Math.floor(info.mtimeMs),
  };
  try {
    const error = await uploadFile(file, ctx, () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LinkDownError);
    // part 1 stored; part 2 fails three times (the watch's count); parts 3 to 5 are never sent
    const parts = s3.commandCalls(UploadPartCommand).map((call) => call.args[0].input.PartNumber);
    expect(parts).toEqual([1, 2, 2, 2]);
  } finally {
    store.destroy();
  }
});
