/**
 * What only Amazon S3 shows, checked at the SDK boundary with a mocked client: the shape of a copy in place
 * (copy source, If-Match, metadata kept, class, SSE-KMS, ACL, owners, SSE-C source key), a copy part by part for an
 * object over 5 GiB, and an archived object refused without any copy or restore. Ceph RGW runs the rest
 * (test/integration/object-settings.test.ts).
 */
import { randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectTaggingCommand,
  RestoreObjectCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RemoteError } from '../../../src/errors.js';
import { customerKeyFrom, type ObjectSettings } from '../../../src/remote/object-settings.js';
import { S3Store } from '../../../src/remote/s3-store.js';
import { fixObjectSettings, type FixSettingsContext } from '../../../src/transfer/fix-settings.js';

const GiB = 1024 ** 3;
const OWNER = '111122223333';
const KEY = randomBytes(32);
const WANTED: ObjectSettings = {
  storageClass: 'STANDARD_IA',
  tags: { project: 'RMI25320' },
  metadata: { vessel: 'Ocean One', sha256: 'not ours' },
  acl: 'bucket-owner-full-control',
  encryption: { sse: 'aws:kms', kmsKeyId: 'k1', bucketKey: true },
};
const FILE = { key: 'RMI25320/reels/R 1/R001.mp4', group: 'reels' };

const s3 = mockClient(S3Client);
let store: S3Store;

function context(customerKey = false): FixSettingsContext {
  store = new S3Store({
    region: 'eu-west-1',
    forcePathStyle: false,
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
    requests: { expectedBucketOwner: OWNER, ...(customerKey ? { customerKey: customerKeyFrom(KEY) } : {}) },
  });
  return {
    store,
    bucket: 'survey',
    settingsFor: () => WANTED,
    customerKey,
    signal: new AbortController().signal,
  };
}

/** HeadObject answers `before` until the copy, then the wanted class and encryption and the copy's ETag. */
function objectChangedByCopy(before: Record<string, unknown>): void {
  let etag: string | undefined;
  const after = {
    ...before,
    StorageClass: 'STANDARD_IA',
    ServerSideEncryption: 'aws:kms',
    SSEKMSKeyId: 'k1',
  };
  s3.on(HeadObjectCommand).callsFake(() => (etag ? { ...after, ETag: etag } : before));
  s3.on(CopyObjectCommand).callsFake(() => {
    etag = '"new"';
    return { CopyObjectResult: { ETag: etag } };
  });
  // Ceph RGW answers no ETag here: the object's comes from HeadObject
  s3.on(CompleteMultipartUploadCommand).callsFake(() => {
    etag = '"new-2"';
    return {};
  });
}

const STORED = {
  ContentLength: 1000,
  ETag: '"old"',
  ContentType: 'video/mp4',
  Metadata: { 'mtime-ms': '1700000000000', sha256: 'ab'.repeat(32), crew: 'north' },
};

beforeEach(() => {
  s3.reset();
  s3.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: 'crew', Value: 'north' }] });
  s3.on(PutObjectTaggingCommand).resolves({});
});
afterEach(() => store.destroy());
afterAll(() => s3.restore());

describe('copy in place', () => {
  it('keeps type, our metadata and tags, and sends the wanted class, encryption, ACL and owners', async () => {
    objectChangedByCopy(STORED);
    const fixed = await fixObjectSettings(FILE, context());
    expect(fixed).toMatchObject({ etag: 'new' });
    expect(fixed.unapplied).toBeUndefined();
    const [copy] = s3.commandCalls(CopyObjectCommand).map((call) => call.args[0].input);
    expect(copy).toMatchObject({
      Bucket: 'survey',
      Key: FILE.key,
      CopySource: 'survey/RMI25320/reels/R%201/R001.mp4',
      CopySourceIfMatch: '"old"',
      MetadataDirective: 'REPLACE',
      ContentType: 'video/mp4',
      Metadata: { 'mtime-ms': '1700000000000', sha256: 'ab'.repeat(32), crew: 'north', vessel: 'Ocean One' },
      StorageClass: 'STANDARD_IA',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'k1',
      BucketKeyEnabled: true,
      ACL: 'bucket-owner-full-control',
      TaggingDirective: 'REPLACE',
      Tagging: 'crew=north&project=RMI25320',
      ExpectedBucketOwner: OWNER,
      ExpectedSourceBucketOwner: OWNER,
    });
    expect(copy?.CopySourceSSECustomerKey).toBeUndefined();
  });

  it('has the file sent again when the copy did not keep the bytes (a server that ignored the copy source)', async () => {
    objectChangedByCopy(STORED);
    s3.on(CopyObjectCommand).callsFake(() => {
      s3.on(HeadObjectCommand).resolves({
        ...STORED,
        ContentLength: 0,
        ETag: '"d41d8cd98f00b204e9800998ecf8427e"',
      });
      return { ETag: '"d41d8cd98f00b204e9800998ecf8427e"' };
    });
    const fixed = await fixObjectSettings(FILE, context());
    expect(fixed.unapplied).toEqual(['the copy stored 0 of 1000 bytes']);
  });

  it('takes a refused copy (412: the object changed meanwhile) for a failure, not for a copy to look at', async () => {
    s3.on(HeadObjectCommand).resolves(STORED);
    s3.on(CopyObjectCommand).rejects(
      Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
        name: 'PreconditionFailed',
        $metadata: { httpStatusCode: 412 },
      }),
    );
    const error = await fixObjectSettings(FILE, context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(1);
    expect(s3.commandCalls(HeadObjectCommand)).toHaveLength(1);
  });

  it('gives the SSE-C key for the source and the copy when the object is encrypted with it', async () => {
    objectChangedByCopy({ ...STORED, SSECustomerAlgorithm: 'AES256' });
    await fixObjectSettings(FILE, context(true));
    const [copy] = s3.commandCalls(CopyObjectCommand).map((call) => call.args[0].input);
    expect(copy).toMatchObject({
      CopySourceSSECustomerAlgorithm: 'AES256',
      CopySourceSSECustomerKey: KEY.toString('base64'),
      SSECustomerAlgorithm: 'AES256',
      SSECustomerKey: KEY.toString('base64'),
    });
  });

  it('copies an object over 5 GiB part by part, ranges covering every byte once', async () => {
    const sizeBytes = 6 * GiB + 12345;
    objectChangedByCopy({ ...STORED, ContentLength: sizeBytes });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    s3.on(UploadPartCopyCommand).callsFake((input: { PartNumber: number }) => ({
      CopyPartResult: { ETag: `"p${input.PartNumber}"` },
    }));
    const fixed = await fixObjectSettings(FILE, context());
    expect(fixed.etag).toBe('new-2');
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input).toMatchObject({
      StorageClass: 'STANDARD_IA',
      ServerSideEncryption: 'aws:kms',
      Tagging: 'crew=north&project=RMI25320',
    });
    const ranges = s3
      .commandCalls(UploadPartCopyCommand)
      .map((call) => call.args[0].input)
      .sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0))
      .map((input) =>
        input
          .CopySourceRange!.match(/^bytes=(\d+)-(\d+)$/)!
          .slice(1)
          .map(Number),
      );
    let next = 0;
    for (const [first, last] of ranges) {
      expect(first).toBe(next);
      next = last! + 1;
    }
    expect(next).toBe(sizeBytes);
    const parts = s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input.MultipartUpload?.Parts;
    expect(parts?.map((p) => p.PartNumber)).toEqual(ranges.map((_, i) => i + 1));
  });

  it('sets only the tags when class and encryption are as wanted: no copy', async () => {
    s3.on(HeadObjectCommand).resolves({
      ...STORED,
      StorageClass: 'STANDARD_IA',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'k1',
    });
    const fixed = await fixObjectSettings(FILE, context());
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
    expect(fixed.detail).toBe('tags set (project=RMI25320)');
    const tagging = s3.commandCalls(PutObjectTaggingCommand)[0]?.args[0].input.Tagging?.TagSet;
    expect(tagging).toEqual([
      { Key: 'crew', Value: 'north' },
      { Key: 'project', Value: 'RMI25320' },
    ]);
  });

  it('says what a copy did not change, so the file can be sent again', async () => {
    s3.on(HeadObjectCommand).resolves(STORED);
    s3.on(CopyObjectCommand).resolves({ CopyObjectResult: { ETag: '"old"' } });
    const fixed = await fixObjectSettings(FILE, context());
    expect(fixed.unapplied).toEqual([
      'storage class STANDARD, wanted STANDARD_IA',
      'encryption none, wanted aws:kms',
    ]);
  });
});

describe('archived objects', () => {
  it.each(['GLACIER', 'DEEP_ARCHIVE'])(
    'refuses to copy a %s object and never restores it',
    async (storageClass) => {
      s3.on(HeadObjectCommand).resolves({ ...STORED, StorageClass: storageClass });
      const error = await fixObjectSettings(FILE, context()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteError);
      expect((error as Error).message).toMatch(new RegExp(`archived in ${storageClass}.*restore-object`));
      expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
      expect(s3.commandCalls(RestoreObjectCommand)).toHaveLength(0);
    },
  );
});
