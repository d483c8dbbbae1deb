import { createHash, createHmac } from 'node:crypto';

/** Keys that sign a request: static keys from the config or the keyring, with a session token when temporary. */
export interface SigningKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

/**
 * A bodiless S3 request to sign: its method, its path as it goes on the wire (already escaped), its query
 * parameters unescaped (none for a HEAD), its headers.
 */
export interface BodilessRequest {
  method: 'HEAD' | 'GET';
  path: string;
  query?: Readonly<Record<string, string>>;
  headers: Record<string, string>;
}

/** SHA-256 of an empty payload, signed as `x-amz-content-sha256`. */
export const EMPTY_PAYLOAD_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * The headers of `request` signed with SigV4 for S3 in `region` at `date`: the same `x-amz-date` and Authorization
 * as the SDK's `@smithy/signature-v4` gives the same request (a unit test compares them). It exists because that
 * signer's module graph loads the SDK's serde, stream and zlib modules: 28 ms on Node 20 and 42 ms on Node 24, most
 * of the start-up of a rerun that sends a HeadBucket and a few listings and nothing else. The query goes on the
 * wire as {@link canonicalQuery} writes it, so that the server reads what was signed.
 */
export function signBodilessRequest(
  request: BodilessRequest,
  keys: SigningKeys,
  region: string,
  date: Date = new Date(),
): Record<string, string> {
  const amzDate = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    ...request.headers,
    'x-amz-date': amzDate,
    'x-amz-content-sha256': EMPTY_PAYLOAD_SHA256,
    ...(keys.sessionToken ? { 'x-amz-security-token': keys.sessionToken } : {}),
  };
  const canonical = Object.entries(headers)
    .map(([name, value]) => [name.toLowerCase(), canonicalHeaderValue(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const canonicalHeaders = canonical.map(([name, value]) => `${name}:${value}\n`).join('');
  const signedHeaders = canonical.map(([name]) => name).join(';');
  const canonicalRequest = [
    request.method,
    request.path,
    canonicalQuery(request.query ?? {}),
    canonicalHeaders,
    signedHeaders,
    EMPTY_PAYLOAD_SHA256,
  ].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = signingKey(keys.secretAccessKey, day, region, 's3');
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return {
    ...headers,
    authorization:
      `AWS4-HMAC-SHA256 Credential=${keys.accessKeyId}/${scope}, ` +
      `SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}

/**
 * A query string as SigV4 signs it: each name and value escaped as RFC 3986 says (all but `A-Z a-z 0-9 - _ . ~`,
 * `/` included), sorted by escaped name; '' for no parameters.
 */
export function canonicalQuery(query: Readonly<Record<string, string>>): string {
  return Object.entries(query)
    .map(([name, value]) => [escapeRfc3986(name), escapeRfc3986(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** A header value as SigV4 signs it: trimmed, runs of white space as one space. */
export function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

/** The SigV4 signing key of `secret` for one day (YYYYMMDD), region and service. */
export function signingKey(secret: string, day: string, region: string, service: string): Buffer {
  let key = createHmac('sha256', `AWS4${secret}`).update(day).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return key;
}

// encodeURIComponent leaves these five as they are, which RFC 3986 reserves
function escapeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
