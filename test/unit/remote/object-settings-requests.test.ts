/**
 * What only Amazon S3 has, checked at the SDK boundary with a mocked client: the request shapes of the object
 * settings (DEEP_ARCHIVE, tags, canned ACL, SSE-KMS with a Bucket Key, SSE-C on every request that needs the key,
 * the expected bucket owner on every request), and the one-line, exit-2 errors for the codes AWS answers with.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, AuthError } from '../../../src/errors.js';
import { exitCodeFor } from '../../../src/exit-codes.js';
import { classifyS3Error, toUploadError } from '../../../src/remote/classify-error.js';
import { customerKeyFrom, type ObjectSettings } from '../../../src/remote/object-settings.js';
import { S3Store } from '../../../src/remote/s3-store.js';
import { uploadFile, type TransferContext } from '../../../src/transfer/upload-file.js';
import { mockedTransferContext } from '../../support/transfer-context.js';

const MiB = 1024 ** 2;
const OWNER = '111122223333';
const KEY = randomBytes(32);
const KEY_MD5 = createHash('md5').update(KEY).digest('base64');
const SETTINGS: ObjectSettings = {
  storageClass: 'DEEP_ARCHIVE',
  tags: { project: 'RMI25320', 'cost centre': 'survey&sea' },
  metadata: { vessel: 'Ocean One' },
  acl: 'bucket-owner-full-control',
  encryption: { sse: 'aws:kms', kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k1', bucketKey: true },
};

const s3 = mockClient(S3Client);
let dir: string;

function s3Error(code: string, status: number): Error {
  return Object.assign(new Error(`${code} message text`), {
    name: code,
    $metadata: { httpStatusCode: status },
  });
}

function storeWith(customerKey: boolean): S3Store {
  return new S3Store({
    region: 'eu-west-1',
    forcePathStyle: false,
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
    // these tests read PutObject's input from the mocked SDK client; lean-put.test.ts pins the lean path's headers
    leanPut: false,
    requests: { expectedBucketOwner: OWNER, ...(customerKey ? { customerKey: customerKeyFrom(KEY) } : {}) },
  });
}

async function context(store: S3Store, settings: ObjectSettings): Promise<TransferContext> {
  return mockedTransferContext(store, await mkdtemp(path.join(dir, 'state-')), {
    bucket: 'survey',
    endpointId: 'aws:eu-west-1',
    integrity: 'md5',
    settingsFor: () => settings,
  });
}

async function fileToSend(name: string) {
  const filePath = path.join(dir, name);
  const info = await stat(filePath);
  return {
    path: filePath,
    key: `P/${name}`,
    sizeBytes: info.size,
    mtimeMs: Math.floor(info.mtimeMs),
    group: 'reels',
  };
}

function md5Of(input: { Body?: unknown }): string {
  return `"${createHash('md5')
    .update(input.Body as Buffer)
    .digest('hex')}"`;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'object-settings-'));
  await writeFile(path.join(dir, 'small.json'), randomBytes(1000));
  await writeFile(path.join(dir, 'reel.mp4'), randomBytes(20 * MiB));
});
afterAll(async () => {
  s3.restore();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => s3.reset());

describe('request shapes', () => {
  let store: S3Store;
  afterEach(() => store.destroy());

  it('sends class, tags, ACL, SSE-KMS with a Bucket Key, metadata and the owner on PutObject', async () => {
    store = storeWith(false);
    s3.on(PutObjectCommand).callsFake((input: { Body?: unknown }) => ({
      ETag: md5Of(input),
      ServerSideEncryption: 'aws:kms',
    }));
    await uploadFile(await fileToSend('small.json'), await context(store, SETTINGS), () => {});
    const input = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      StorageClass: 'DEEP_ARCHIVE',
      Tagging: 'cost%20centre=survey%26sea&project=RMI25320',
      ACL: 'bucket-owner-full-control',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k1',
      BucketKeyEnabled: true,
      ExpectedBucketOwner: OWNER,
      Metadata: { vessel: 'Ocean One', 'mtime-ms': expect.any(String), sha256: expect.any(String) },
    });
  });

  it('puts the SSE-C key on the upload, every part and the completion, never the object settings on parts', async () => {
    store = storeWith(true);
    const ssec = {
      SSECustomerAlgorithm: 'AES256',
      SSECustomerKey: KEY.toString('base64'),
      SSECustomerKeyMD5: KEY_MD5,
    };
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1', SSECustomerAlgorithm: 'AES256' });
    s3.on(UploadPartCommand).resolves({ ETag: '"p"', SSECustomerAlgorithm: 'AES256' });
    s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '"x-2"' });
    const target = {
      bucket: 'survey',
      key: 'P/reel.mp4',
      contentType: 'video/mp4',
      metadata: {},
      ...SETTINGS,
    };
    const { uploadId, encryption } = await store.uploads.create({ ...target, encryption: undefined });
    expect(encryption).toBe('SSE-C');
    const body = Buffer.from('part bytes');
    const md5Hex = createHash('md5').update(body).digest('hex');
    for (const partNumber of [1, 2])
      await store.uploads.uploadPart(
        { bucket: 'survey', key: target.key, uploadId, partNumber },
        { stream: body, lengthBytes: body.length, md5Hex },
      );
    await store.uploads.complete({ bucket: 'survey', key: target.key, uploadId }, [
      { partNumber: 1, etag: 'p', sizeBytes: 10 },
      { partNumber: 2, etag: 'p', sizeBytes: 10 },
    ]);
    const create = s3.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input;
    expect(create).toMatchObject({
      ...ssec,
      StorageClass: 'DEEP_ARCHIVE',
      ACL: 'bucket-owner-full-control',
      ExpectedBucketOwner: OWNER,
    });
    const parts = s3.commandCalls(UploadPartCommand).map((call) => call.args[0].input);
    expect(parts.length).toBe(2);
    for (const part of parts) {
      expect(part).toMatchObject({ ...ssec, ExpectedBucketOwner: OWNER });
      expect(part).not.toHaveProperty('StorageClass');
      expect(part).not.toHaveProperty('Tagging');
    }
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input).toMatchObject({
      ...ssec,
      ExpectedBucketOwner: OWNER,
    });
  });

  it('sends the owner and the SSE-C key on reads: HeadObject, GetObject, ListParts, listing and both HeadBuckets', async () => {
    store = storeWith(true);
    const ssec = { SSECustomerKey: KEY.toString('base64'), SSECustomerKeyMD5: KEY_MD5 };
    s3.on(HeadObjectCommand).resolves({
      ContentLength: 1,
      StorageClass: 'DEEP_ARCHIVE',
      SSECustomerAlgorithm: 'AES256',
    });
    s3.on(GetObjectCommand).resolves({ Body: Readable.from([Buffer.from('x')]) as never });
    s3.on(ListPartsCommand).resolves({ Parts: [] });
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    s3.on(HeadBucketCommand).resolves({});
    const head = await store.headObject('survey', 'k');
    expect(head).toMatchObject({ storageClass: 'DEEP_ARCHIVE', encryption: 'SSE-C' });
    await store.getObjectStream('survey', 'k');
    await store.uploads.listParts('survey', 'k', 'u1');
    for (const _ of [store.listObjects('survey', 'P/')]) for await (const __ of _) void __;
    await store.headBucket('survey');
    await store.headBucketOnce('survey');
    expect(s3.commandCalls(HeadBucketCommand)[1]!.args[0].input).toMatchObject({
      ExpectedBucketOwner: OWNER,
    });
    for (const command of [HeadObjectCommand, GetObjectCommand, ListPartsCommand])
      expect(s3.commandCalls(command)[0]!.args[0].input).toMatchObject({
        ...ssec,
        ExpectedBucketOwner: OWNER,
      });
    for (const command of [ListObjectsV2Command, HeadBucketCommand])
      expect(s3.commandCalls(command)[0]!.args[0].input).toMatchObject({ ExpectedBucketOwner: OWNER });
  });
});

describe('errors AWS answers for the settings', () => {
  it.each([
    ['KMS.NotFoundException', 400, /fix sse_kms_key_id \/ --sse-kms-key-id$/],
    ['KMS.DisabledException', 400, /the KMS key is disabled; enable it or change sse_kms_key_id/],
    ['InvalidStorageClass', 400, /change storage_class \/ --storage-class/],
    ['InvalidArgument', 400, /check acl \/ --acl, storage_class/],
    ['AccessControlListNotSupported', 400, /remove acl \/ --acl$/],
  ])('%s stops the run with a one-line config error naming the setting (exit 2)', (code, status, hint) => {
    const error = s3Error(code, status);
    expect(classifyS3Error(error)).toBe('run-fatal');
    const wrapped = toUploadError(error, 'start upload of', 'P/reels/a.mp4');
    expect(wrapped).toBeInstanceOf(ConfigError);
    expect(wrapped.message).toMatch(hint);
    expect(wrapped.message).not.toContain('\n');
    expect(exitCodeFor(wrapped)).toBe(2);
  });

  it('names the bucket policy, KMS key and expected owner for a 403 AccessDenied (exit 2)', () => {
    const wrapped = toUploadError(s3Error('AccessDenied', 403), 'upload', 'P/a.json');
    expect(wrapped).toBeInstanceOf(AuthError);
    expect(wrapped.message).toMatch(
      /sse \/ sse_kms_key_id, tags and acl .*kms:GenerateDataKey.*expected_bucket_owner/,
    );
    expect(exitCodeFor(wrapped)).toBe(2);
  });

  it('sends no part once CreateMultipartUpload says the KMS key is missing', async () => {
    const store = storeWith(false);
    s3.on(CreateMultipartUploadCommand).rejects(s3Error('KMS.NotFoundException', 400));
    const failure = await uploadFile(
      await fileToSend('reel.mp4'),
      await context(store, SETTINGS),
      () => {},
    ).catch((error: unknown) => error);
    store.destroy();
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as Error).message).toMatch(/^start upload of P\/reel\.mp4: .*fix sse_kms_key_id/);
    expect(s3.commandCalls(CreateMultipartUploadCommand).length).toBe(1);
    expect(s3.commandCalls(UploadPartCommand).length).toBe(0);
  });
});
