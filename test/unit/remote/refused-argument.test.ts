/** The hint for an answer that names the header it refused. */
import { describe, expect, it } from 'vitest';
import { markRequestSettings, refusedArgumentHint } from '../../../src/remote/refused-argument.js';
import { toUploadError } from '../../../src/remote/classify-error.js';
import { parseS3ErrorBody, S3ErrorResponse } from '../../../src/remote/s3-error-response.js';

const refusal = (ArgumentName: string) =>
  Object.assign(new Error('Invalid argument'), {
    name: 'InvalidArgument',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    ArgumentName,
    ArgumentValue: 'secret-looking-value',
  });

describe('refusedArgumentHint', () => {
  it.each([
    ['x-amz-storage-class', 'storage_class / --storage-class'],
    ['x-amz-acl', 'acl / --acl'],
    ['x-amz-grant-read', 'acl / --acl'],
    ['x-amz-server-side-encryption', 'sse / --sse'],
    ['X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id', 'sse_kms_key_id / --sse-kms-key-id'],
    ['x-amz-server-side-encryption-customer-key-MD5', 'sse_customer_key_file'],
    ['x-amz-tagging', 'tags / --tag'],
    ['x-amz-meta-survey', 'metadata / --metadata'],
    ['x-amz-expected-bucket-owner', 'expected_bucket_owner'],
    ['x-amz-checksum-crc64nvme', 'checksum_algorithm / --checksum-algorithm'],
  ])('names the setting behind %s', (header, setting) => {
    expect(refusedArgumentHint(refusal(header))).toContain(setting);
  });

  it('names nothing for a header we do not set, or none at all', () => {
    expect(refusedArgumentHint(refusal('x-amz-website-redirect-location'))).toBeUndefined();
    expect(refusedArgumentHint(new Error('no argument'))).toBeUndefined();
    expect(refusedArgumentHint(undefined)).toBeUndefined();
  });
});

describe('toUploadError of a refused header', () => {
  it('stops the run with the one setting in the hint, and never the value the server echoed', () => {
    const error = toUploadError(refusal('x-amz-acl'), 'upload', 'P/config/a.yaml');
    expect(error.message).toBe(
      'upload P/config/a.yaml: Invalid argument (InvalidArgument, HTTP 400); the server refused the x-amz-acl header; check acl / --acl',
    );
    expect(error.constructor.name).toBe('ConfigError');
    expect(error.message).not.toContain('secret-looking-value');
  });

  it('is the same for our own request, whose answer we parse ourselves', () => {
    const xml =
      '<Error><Code>InvalidArgument</Code><Message>Invalid arn</Message>' +
      '<ArgumentName>x-amz-server-side-encryption-aws-kms-key-id</ArgumentName><ArgumentValue>k</ArgumentValue></Error>';
    expect(parseS3ErrorBody(xml).argumentName).toBe('x-amz-server-side-encryption-aws-kms-key-id');
    const answer = new S3ErrorResponse(400, parseS3ErrorBody(xml), {});
    expect(toUploadError(answer, 'upload', 'K').message).toContain('check sse_kms_key_id / --sse-kms-key-id');
  });
});

describe('toUploadError of a refusal that names no header (Ceph RGW)', () => {
  const bare = () =>
    Object.assign(new Error('Invalid argument'), {
      name: 'InvalidArgument',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
  const target = {
    bucket: 'b',
    key: 'P/reels/a.mp4',
    contentType: 'video/mp4',
    metadata: { 'mtime-ms': '1' },
  };

  it('names the one setting the request carried', () => {
    const error = markRequestSettings(bare(), { ...target, storageClass: 'GLACIER' }, false);
    expect(toUploadError(error, 'upload', 'P/reels/a.mp4').message).toBe(
      'upload P/reels/a.mp4: Invalid argument (InvalidArgument, HTTP 400); the server refused the one setting the ' +
        'request carried; check storage_class / --storage-class (per folder type when it is a map)',
    );
  });

  it('names each setting the request carried, and not our own metadata', () => {
    const carried = { ...target, acl: 'public-read' as const, tags: { a: 'b' } };
    const error = markRequestSettings(bare(), carried, true);
    expect(toUploadError(error, 'upload', 'K').message).toContain(
      'check sse_customer_key_file / sse_customer_key_in_keyring, acl / --acl and tags / --tag',
    );
  });

  it('keeps the whole list for a request of which nothing is known', () => {
    expect(toUploadError(bare(), 'upload', 'K').message).toContain(
      'check acl / --acl, storage_class, sse, sse_customer_key_file, tags and metadata',
    );
  });
});
