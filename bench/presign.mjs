/**
 * A presigned PutObject URL for the `curl -T` reference, signed with @smithy/signature-v4 (already a
 * dependency of the SDK), so the benchmark needs no @aws-sdk/s3-request-presigner. The payload is
 * UNSIGNED-PAYLOAD, as in every presigned URL: curl sends the bytes and nothing else.
 */
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/** The `Checksum` shape SignatureV4 wants, over node:crypto: SHA-256, or HMAC-SHA-256 when given a key. */
class Sha256 {
  constructor(secret) {
    this.hash = secret ? createHmac('sha256', secret) : createHash('sha256');
  }

  update(data) {
    this.hash.update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  digest() {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

/** A URL that lets one `PUT` store `key` in `bucket` (path-style) for `expiresInSeconds`. */
export async function presignPutUrl({
  endpoint,
  accessKeyId,
  secretAccessKey,
  bucket,
  key,
  expiresInSeconds = 3600,
}) {
  const url = new URL(endpoint);
  const signer = new SignatureV4({
    service: 's3',
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey },
    sha256: Sha256,
    uriEscapePath: false,
  });
  const pathname = `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  const signed = await signer.presign(
    {
      method: 'PUT',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port) || undefined,
      path: pathname,
      // read by the signer as the payload hash, and left out of the signed headers, as the S3 presigner does
      headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      query: {},
    },
    { expiresIn: expiresInSeconds, unsignableHeaders: new Set(['x-amz-content-sha256']) },
  );
  const query = Object.entries(signed.query)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
  return `${url.protocol}//${url.host}${pathname}?${query}`;
}
