import { createHash } from 'node:crypto';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import {
  canonicalQuery,
  EMPTY_PAYLOAD_SHA256,
  signBodilessRequest,
  type BodilessRequest,
  type SigningKeys,
} from '../../../src/remote/request-signature.js';

const DATE = new Date('2026-12-03T05:17:14.123Z');
const KEYS: SigningKeys = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

async function sdkSignature(
  { method, path, query = {}, headers }: BodilessRequest,
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
      method,
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 7481,
      path,
      query: { ...query },
      headers: { ...headers, 'x-amz-content-sha256': EMPTY_PAYLOAD_SHA256 },
    },
    { signingDate: DATE },
  );
  return signed.headers;
}

describe('signBodilessRequest', () => {
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
    const request = { method: 'HEAD' as const, path, headers };
    const ours = signBodilessRequest(request, keys, region, DATE);
    const sdk = await sdkSignature(request, keys, region);

    expect(ours).toEqual(sdk);
  });

  it.each([
    ['a first page', { 'list-type': '2', prefix: 'RMI25320/reels/', 'encoding-type': 'url' }],
    [
      'a later page, its token and prefix holding what RFC 3986 escapes',
      {
        'list-type': '2',
        prefix: "Vermessung Süd/it's (2)/*!~_.-/",
        'encoding-type': 'url',
        'continuation-token': '1/ab+cd==&x=y',
      },
    ],
  ])('signs a GET with the query of %s exactly as the SDK signer does', async (_name, query) => {
    const request = {
      method: 'GET' as const,
      path: '/rr-bucket',
      query,
      headers: { host: '127.0.0.1:7481' },
    };
    const ours = signBodilessRequest(request, KEYS, 'us-east-1', DATE);
    const sdk = await sdkSignature(request, KEYS, 'us-east-1');

    expect(ours).toEqual(sdk);
  });

  it('writes the query sorted by name, each name and value escaped as RFC 3986 says', () => {
    expect(canonicalQuery({ prefix: "a b/(c)'*!", 'list-type': '2', 'continuation-token': 'x+y=' })).toBe(
      'continuation-token=x%2By%3D&list-type=2&prefix=a%20b%2F%28c%29%27%2A%21',
    );
    expect(canonicalQuery({})).toBe('');
  });

  it('signs the SHA-256 of an empty payload', () => {
    expect(EMPTY_PAYLOAD_SHA256).toBe(createHash('sha256').update('').digest('hex'));
  });
});
