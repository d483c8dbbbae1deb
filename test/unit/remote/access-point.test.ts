/**
 * An S3 access point's ARN in place of a bucket, as the AWS CLI takes it (company accounts grant another account an
 * access point, not the bucket): accepted as the bucket, kept out of the state folder's names, sent through the SDK
 * (which addresses the access point's own host and region), and named in a copy's source as S3 asks. No local
 * server has access points, so the requests are read from the mocked SDK client.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CopyObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accessPointOf, bucketFolderName, parseBucketName } from '../../../src/config/parse-values.js';
import { resolveRunOptions, type UploadFlags } from '../../../src/config/run-options.js';
import { ConfigError } from '../../../src/errors.js';
import { copySourceOf } from '../../../src/remote/request-fields.js';
import { S3Store } from '../../../src/remote/s3-store.js';
import { uploadFile } from '../../../src/transfer/upload-file.js';
import { mockedTransferContext } from '../../support/transfer-context.js';

const ACCESS_POINT = 'arn:aws:s3:us-west-2:123456789012:accesspoint/survey-ap';
const OUTPOST_ACCESS_POINT =
  'arn:aws:s3-outposts:us-west-2:123456789012:outpost/op-01ac5d28a6a232904/accesspoint/survey-ap';

describe('an access point ARN as the bucket', () => {
  it("is accepted, a region's or an Outpost's, beside bucket names", () => {
    expect(parseBucketName(ACCESS_POINT)).toBe(ACCESS_POINT);
    expect(parseBucketName(OUTPOST_ACCESS_POINT)).toBe(OUTPOST_ACCESS_POINT);
    expect(parseBucketName('survey-archive')).toBe('survey-archive');
    expect(accessPointOf(ACCESS_POINT)).toEqual({
      partition: 'aws',
      region: 'us-west-2',
      account: '123456789012',
      name: 'survey-ap',
      onOutpost: false,
    });
    expect(accessPointOf(OUTPOST_ACCESS_POINT)).toMatchObject({ region: 'us-west-2', onOutpost: true });
    expect(accessPointOf('survey-archive')).toBeUndefined();
  });

  it('of a Multi-Region Access Point is refused with why and what to use', () => {
    const mrap = 'arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap';
    expect(() => parseBucketName(mrap)).toThrow(ConfigError);
    expect(() => parseBucketName(mrap)).toThrow(/needs SigV4A signatures.*access point of one region/);
  });

  it("of a bucket (not an access point) is refused as a bucket name, naming the access point's form", () => {
    expect(() => parseBucketName('arn:aws:s3:::survey-archive')).toThrow(
      /not a valid S3 bucket name; .*or an access point's ARN/,
    );
  });

  it('names the state folder of its runs without the characters Windows refuses in a folder name', () => {
    expect(bucketFolderName(ACCESS_POINT)).toBe('arn_aws_s3_us-west-2_123456789012_accesspoint_survey-ap');
    expect(bucketFolderName('survey.archive-1')).toBe('survey.archive-1');
    const options = resolveRunOptions(
      {
        projectKey: 'RMI25320',
        folder: path.resolve('/surveys/RMI25320'),
        stateDir: '/state',
      } as UploadFlags,
      { bucket: ACCESS_POINT },
      { HOME: '/nowhere' },
    );
    expect(path.relative(path.resolve('/state'), path.dirname(options.statusJson))).toBe(
      path.join('runs', 'arn_aws_s3_us-west-2_123456789012_accesspoint_survey-ap', 'RMI25320'),
    );
  });

  it("is signed for the ARN's region and addressed by its own host, whatever the region and endpoint say", () => {
    const flags = { projectKey: 'RMI25320', folder: path.resolve('/surveys/RMI25320') } as UploadFlags;
    const env = { HOME: '/nowhere', AWS_REGION: 'eu-west-1' };
    const options = resolveRunOptions(
      flags,
      { bucket: ACCESS_POINT, endpoint_url: 'https://s3.example.com' },
      env,
    );
    expect(options).toMatchObject({ region: 'us-west-2', forcePathStyle: false });
    expect(() => resolveRunOptions(flags, { bucket: ACCESS_POINT, force_path_style: true }, env)).toThrow(
      /force_path_style: true cannot address an access point .*remove force_path_style/,
    );
  });

  it("names a copy's source as S3 asks for one through an access point: ARN/object/key, escaped", () => {
    expect(copySourceOf({ bucket: ACCESS_POINT, key: 'P/reels/a b.mp4' })).toBe(
      'arn%3Aaws%3As3%3Aus-west-2%3A123456789012%3Aaccesspoint/survey-ap/object/P/reels/a%20b.mp4',
    );
    expect(copySourceOf({ bucket: 'survey', key: 'P/reels/a b.mp4' })).toBe('survey/P/reels/a%20b.mp4');
  });
});

describe('requests to an access point', () => {
  const s3 = mockClient(S3Client);
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'access-point-'));
    await writeFile(path.join(dir, 'small.json'), randomBytes(1000));
  });
  afterAll(async () => {
    s3.restore();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => s3.reset());

  it("go through the SDK, which resolves the access point's host: a small file's PutObject names the ARN", async () => {
    // the lean path signs for a plain bucket URL only; were it taken, the mocked client would see no PutObject
    const store = new S3Store({
      region: 'us-west-2',
      forcePathStyle: false,
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
    });
    s3.on(PutObjectCommand).callsFake((input: { Body?: unknown }) => ({
      ETag: `"${createHash('md5')
        .update(input.Body as Buffer)
        .digest('hex')}"`,
    }));
    const file = path.join(dir, 'small.json');
    const info = await stat(file);
    try {
      await uploadFile(
        {
          path: file,
          key: 'P/config/small.json',
          sizeBytes: info.size,
          mtimeMs: Math.floor(info.mtimeMs),
          group: 'config',
        },
        await mockedTransferContext(store, dir, {
          bucket: ACCESS_POINT,
          endpointId: 'aws',
          integrity: 'md5',
          settingsFor: () => ({ tags: {}, metadata: {} }),
        }),
        () => {},
      );
    } finally {
      store.destroy();
    }
    const puts = s3.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.args[0].input).toMatchObject({ Bucket: ACCESS_POINT, Key: 'P/config/small.json' });
  });

  it("copy a stored object onto itself with the access point's copy source", async () => {
    const store = new S3Store({ region: 'us-west-2', forcePathStyle: false, leanPut: false });
    s3.on(CopyObjectCommand).resolves({});
    try {
      await store.copyObjectInPlace(
        { bucket: ACCESS_POINT, key: 'P/reels/a.mp4', contentType: 'video/mp4', metadata: {}, tags: {} },
        { etag: 'abc', customerKeyEncrypted: false },
      );
    } finally {
      store.destroy();
    }
    expect(s3.commandCalls(CopyObjectCommand)[0]!.args[0].input).toMatchObject({
      Bucket: ACCESS_POINT,
      CopySource: 'arn%3Aaws%3As3%3Aus-west-2%3A123456789012%3Aaccesspoint/survey-ap/object/P/reels/a.mp4',
      CopySourceIfMatch: '"abc"',
    });
  });
});
