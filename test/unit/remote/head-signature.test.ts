import { createHash } from 'node:crypto';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_PAYLOAD_SHA256,
  signHeadRequest,
  type SigningKeys,
} from '../../../src/remote/head-signature.js';

const DATE = new Date('2026-12-03T05:17:14.123Z');
const KEYS: SigningKeys = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

async function sdkSignature(
  path: string,
  headers: Record<string, string>,
  keys: SigningKeys,
  region: string,
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: 's3',
    region,
    credentials: keys,
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: 'HEAD',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 7481,
      path,
      query: {},
      headers: { ...headers, 'x-amz-content-sha256': EMPTY_PAYLOAD_SHA256 },
    },
    { signingDate: DATE },
  );
  return signed.headers;
}

describe('signHeadRequest', () => {
  it.each([
    ['a plain bucket', '/rr-bucket', { host: '127.0.0.1:7481' }, KEYS, 'us-east-1'],
    [
      'a bucket under an endpoint path',
      '/s3/survey.bucket-1',
      { host: 'store.example:9000' },
      KEYS,
      'eu-west-2',
    ],
    [
      'an expected bucket owner',
      '/rr-bucket',
      { host: '127.0.0.1:7481', 'x-amz-expected-bucket-owner': '111122223333' },
      KEYS,
      'ap-southeast-2',
    ],
    [
      'temporary keys',
      '/rr-bucket',
      { host: '127.0.0.1:7481' },
      { ...KEYS, sessionToken: 'FwoGZXIvYXdzEXAMPLE//token+with/slashes==' },
      'us-east-1',
    ],
  ])('signs %s exactly as the SDK signer does', async (_name, path, headers, keys, region) => {
    const ours = signHeadRequest({ path, headers }, keys, region, DATE);
    const sdk = await sdkSignature(path, headers, keys, region);

    expect(ours).toEqual(sdk);
  });

  it('signs the SHA-256 of an empty payload', () => {
    expect(EMPTY_PAYLOAD_SHA256).toBe(createHash('sha256').update('').digest('hex'));
  });
});
