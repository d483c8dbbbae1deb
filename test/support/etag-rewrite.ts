/**
 * ETag rewriting for the fault proxy: making a server that answers MD5 ETags look like Amazon S3 with SSE-KMS
 * (opaque ETags), or answer one wrong MD5, and the SigV4 re-signing that a rewritten request (body, target or
 * headers) needs.
 *
 * @module
 */
import { createHash, createHmac } from 'node:crypto';
import { canonicalHeaderValue, signingKey } from '../../src/remote/request-signature.js';

/** XOR mask of the AWS-style ETags: reversible, so the proxy can give the server its real ETags back. */
const MASK = createHash('md5').update('aws-kms-etag').digest();

const ETAG_HEX = /^([0-9a-f]{32})(-\d+)?$/;

/** Maps the hex of an ETag (`hex` or `hex-N`, quotes kept) through `map`; any other value is returned as is. */
function mapEtag(value: string, map: (hex: string) => string): string {
  const quoted = value.startsWith('"') && value.endsWith('"') && value.length >= 2;
  const bare = quoted ? value.slice(1, -1) : value;
  const m = ETAG_HEX.exec(bare);
  if (!m) return value;
  const mapped = `${map(m[1]!)}${m[2] ?? ''}`;
  return quoted ? `"${mapped}"` : mapped;
}

function xorMask(hex: string): string {
  const bytes = Buffer.from(hex, 'hex');
  for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i]! ^ MASK[i]!;
  return bytes.toString('hex');
}

/**
 * The opaque ETag Amazon S3 would answer for an SSE-KMS object: a deterministic 32-hex value derived from the
 * real one (so ListParts agrees with UploadPart), with a multipart `-N` suffix kept. Its own inverse.
 */
export function awsKmsEtag(etag: string): string {
  return mapEtag(etag, xorMask);
}

/**
 * An ETag that is no MD5 at all, as Cloudflare R2 answered for parts in 2022: the masked hex written in base64,
 * `-N` kept. {@link fromOpaqueEtag} turns it back.
 */
export function opaqueEtag(etag: string): string {
  return mapEtag(etag, (hex) => Buffer.from(xorMask(hex), 'hex').toString('base64'));
}

/** The real ETag of an {@link opaqueEtag} (quotes kept); any other value is returned as is. */
export function fromOpaqueEtag(value: string): string {
  const quoted = value.startsWith('"') && value.endsWith('"') && value.length >= 2;
  const bare = quoted ? value.slice(1, -1) : value;
  const m = /^([A-Za-z0-9+/]{22}==)(-\d+)?$/.exec(bare);
  if (!m) return value;
  const real = `${xorMask(Buffer.from(m[1]!, 'base64').toString('hex'))}${m[2] ?? ''}`;
  return quoted ? `"${real}"` : real;
}

/**
 * A multipart ETag without its `-N`, as s3rver answers for a multipart object (the MD5 of its bytes there, a digest
 * of the server's own here): 32 hex digits that are neither S3's ETag of parts nor the object's MD5.
 */
export function etagWithoutPartCount(etag: string): string {
  const quoted = etag.startsWith('"') && etag.endsWith('"') && etag.length >= 2;
  const bare = quoted ? etag.slice(1, -1) : etag;
  const m = ETAG_HEX.exec(bare);
  if (!m?.[2]) return etag;
  return quoted ? `"${m[1]!}"` : m[1]!;
}

/** The ETag with its hex digits in capitals, as Alibaba OSS writes them. */
export function etagInCapitals(etag: string): string {
  return mapEtag(etag, (hex) => hex.toUpperCase());
}

/** The ETag with its hex digits in small letters, as the server behind the proxy wrote them. */
export function etagInSmallLetters(etag: string): string {
  const quoted = etag.startsWith('"') && etag.endsWith('"') && etag.length >= 2;
  const bare = quoted ? etag.slice(1, -1) : etag;
  if (!/^[0-9A-F]{32}(-\d+)?$/.test(bare)) return etag;
  return quoted ? `"${bare.toLowerCase()}"` : bare.toLowerCase();
}

/** Another valid MD5 than the real ETag: the MD5 of the real one. */
export function wrongEtag(etag: string): string {
  return mapEtag(etag, (hex) => createHash('md5').update(hex).digest('hex'));
}

/** Rewrites every `<ETag>` value of an XML body (quotes written as `"` or `&quot;`). */
export function rewriteXmlEtags(xml: string, map: (etag: string) => string): string {
  return xml.replace(
    /<ETag>(&quot;|")?([^<&"]*)(&quot;|")?<\/ETag>/g,
    (_all, open = '', value: string, close = '') => {
      return `<ETag>${open}${map(value)}${close}</ETag>`;
    },
  );
}

/** Options of {@link resignRequest}. */
export interface ResignInput {
  method: string;
  /** Raw request target (path + query) as sent. */
  url: string;
  /** The target to sign for instead (default `url`). */
  newUrl?: string;
  /** Flat raw header list as received. */
  rawHeaders: string[];
  /** The original body (to check that the proxy reproduces the client's signature). */
  originalBody: Buffer;
  /** The body to send instead. */
  body: Buffer;
  /**
   * Headers (any case) the request goes without: every occurrence is removed, and each one signed leaves
   * `SignedHeaders` too, so the server checks the signature over the headers it gets. Never `host`: SigV4
   * requires it signed.
   */
  dropHeaders?: readonly string[];
  secretAccessKey: string;
}

/**
 * Signs a header-signed SigV4 request again for a new body (and target, and without some headers, if given):
 * same date, scope and signed headers (less the dropped ones), with the new body's `x-amz-content-sha256` and
 * `Content-Length` and no `Transfer-Encoding`. Returns the new raw header list, or undefined when the request is
 * not header-signed or the client's own signature cannot be reproduced from the original request (then a new one
 * would be wrong too).
 */
export function resignRequest(input: ResignInput): string[] | undefined {
  const auth = headerValues(input.rawHeaders, 'authorization')[0] ?? '';
  const m =
    /^AWS4-HMAC-SHA256 Credential=[^/]+\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m) return undefined;
  const [, date, region, service, signedList, signature] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const key = signingKey(input.secretAccessKey, date, region, service);
  const sign = (headers: string[], body: Buffer, signed: string, url: string) =>
    signatureOf(input.method, url, headers, signed, sha256Hex(body), key, date, region, service);
  if (sign(input.rawHeaders, input.originalBody, signedList, input.url) !== signature) return undefined;
  // the body goes whole, framed by its Content-Length: a Transfer-Encoding beside it makes the request invalid
  const kept = dropHeaders(input.rawHeaders, signedList, [...(input.dropHeaders ?? []), 'transfer-encoding']);
  const headers = setHeader(
    setHeader(kept.rawHeaders, 'x-amz-content-sha256', sha256Hex(input.body)),
    'content-length',
    String(input.body.length),
  );
  const fresh = sign(headers, input.body, kept.signedList, input.newUrl ?? input.url);
  const authorization = auth
    .replace(/SignedHeaders=[^,\s]+/, `SignedHeaders=${kept.signedList}`)
    .replace(/Signature=[0-9a-f]{64}$/, `Signature=${fresh}`);
  return setHeader(headers, 'authorization', authorization);
}

/**
 * The raw headers without every header `names` lists, and the `SignedHeaders` list without them: a server signs
 * every header the list names, sent or not, so a header dropped from the request must leave the list too.
 */
function dropHeaders(
  rawHeaders: string[],
  signedList: string,
  names: readonly string[],
): { rawHeaders: string[]; signedList: string } {
  const dropped = new Set(names.map((name) => name.toLowerCase()));
  let kept = rawHeaders;
  for (const name of dropped) kept = withoutHeader(kept, name);
  const signed = signedList.split(';').filter((name) => !dropped.has(name));
  return { rawHeaders: kept, signedList: signed.join(';') };
}

function signatureOf(
  method: string,
  url: string,
  headers: string[],
  signedList: string,
  payloadHash: string,
  key: Buffer,
  date: string,
  region: string,
  service: string,
): string {
  const q = url.indexOf('?');
  const canonicalHeaders = signedList
    .split(';')
    .map((name) => `${name}:${headerValues(headers, name).map(canonicalHeaderValue).join(',')}\n`)
    .join('');
  const canonicalRequest = [
    method,
    q === -1 ? url : url.slice(0, q),
    canonicalQuery(q === -1 ? '' : url.slice(q + 1)),
    canonicalHeaders,
    signedList,
    payloadHash,
  ].join('\n');
  const amzDate = headerValues(headers, 'x-amz-date')[0] ?? '';
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    `${date}/${region}/${service}/aws4_request`,
    sha256Hex(Buffer.from(canonicalRequest)),
  ].join('\n');
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

function canonicalQuery(query: string): string {
  return query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const i = pair.indexOf('=');
      const name = decode(i === -1 ? pair : pair.slice(0, i));
      const value = i === -1 ? '' : decode(pair.slice(i + 1));
      return [escapeUri(name), escapeUri(value)] as const;
    })
    .filter(([name]) => name !== 'X-Amz-Signature')
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function headerValues(raw: string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2)
    if (raw[i]?.toLowerCase() === name) values.push(raw[i + 1] ?? '');
  return values;
}

/** The raw header list with `name` set to `value` (in place of its first occurrence, or appended). */
export function setHeader(raw: string[], name: string, value: string): string[] {
  const out: string[] = [];
  let set = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() !== name) out.push(raw[i]!, raw[i + 1]!);
    else if (!set) {
      out.push(raw[i]!, value);
      set = true;
    }
  }
  if (!set) out.push(name, value);
  return out;
}

/** Raw headers (name, value, ...) without every header called `name` (lower case). */
export function withoutHeader(raw: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2)
    if (raw[i]?.toLowerCase() !== name) out.push(raw[i] ?? '', raw[i + 1] ?? '');
  return out;
}
