/**
 * Fault-injecting, counting HTTP proxy for integration tests of the S3 uploader.
 *
 * The CLI under test is pointed at the proxy (`--endpoint http://127.0.0.1:<proxyPort>`) and the proxy
 * forwards every request to the real S3 server (path-style addressing). Requests are forwarded
 * byte-for-byte: method, raw request target (path + query), header names/values/order and, crucially,
 * the `Host` header exactly as the client sent it, because `Host` is part of the SigV4 signature.
 * Only hop-by-hop headers that SigV4 never signs (`Connection`, `Keep-Alive`, `Expect`, ...) are
 * dropped, and only when they are not listed in the request's `SignedHeaders`.
 *
 * Uses only `node:http` / `node:net`; listens on and connects to 127.0.0.1 only.
 *
 * @module
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  awsKmsEtag,
  fromOpaqueEtag,
  opaqueEtag,
  resignRequest,
  rewriteXmlEtags,
  setHeader,
  withoutHeader,
  wrongEtag,
  etagWithoutPartCount,
  etagInCapitals,
  etagInSmallLetters,
} from './etag-rewrite.js';

/** S3 operation as recognised from the REST shape of a path-style request. */
export type S3Operation =
  | 'PutObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'CopyObject'
  | 'UploadPartCopy'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  | 'ListObjectsV2'
  | 'ListMultipartUploads'
  | 'HeadObject'
  | 'HeadBucket'
  | 'GetObject'
  | 'Other';

/** What a {@link FaultRule} does to a request it hits. */
export type FaultAction =
  | 'reset-mid-body'
  | 'status-500'
  | 'slowdown-503'
  | 'request-timeout-400'
  | 'delay'
  | 'stall'
  | 'truncate-response'
  | 'flip-byte'
  | 'hold'
  | 'hold-answer'
  | 'wrong-etag'
  | 'etag-without-part-count'
  | 'digest-required-400'
  | 'invalid-kms-key-400'
  | 'ignore-subresource'
  | 'too-large-413'
  | 'drop-storage-class'
  | 'drop-continuation-token'
  | 'repeat-listing-page'
  | 'ignore-copy-source'
  | 'ignore-tagging-header'
  | 'ignore-acl-header'
  | 'access-denied-403'
  | 'method-not-allowed-405'
  | 'not-implemented-501'
  | 'wrong-region-301'
  | 'wrong-region-400';

/**
 * How the proxy passes ETags on: `as-is`, or `aws-kms`: the way Amazon S3 answers for SSE-KMS objects. Every
 * ETag (the `ETag` header, `<ETag>` in CompleteMultipartUpload, ListParts and ListObjectsV2 bodies) becomes an
 * opaque 32-hex value derived from the real one (`-N` suffix kept; ListParts still agrees with UploadPart),
 * and object answers get `x-amz-server-side-encryption: aws:kms` where the server sent none. The client's
 * CompleteMultipartUpload body, which echoes those ETags, gets the real ones back and is signed again (the
 * proxy needs the secret key for that). `opaque`: every ETag becomes no MD5 at all (base64, `-N` kept), as
 * Cloudflare R2 answered part ETags in 2022, with no encryption header; the Complete body is restored the same way.
 * `capitals`: every MD5-shaped ETag in capitals, as Alibaba OSS writes them; the Complete body gets them back in
 * lower case.
 */
export type EtagStyle = 'as-is' | 'aws-kms' | 'opaque' | 'capitals';

/**
 * A fault to inject.
 *
 * Rules are evaluated in order for every request. Each rule counts the requests it matches; the first
 * rule that fires handles the request and later rules do not see it (their counters are not advanced).
 *
 * Actions:
 * - `reset-mid-body`: forward about half of the request body upstream, then reset the client
 *   connection (`socket.resetAndDestroy()`: the client sees ECONNRESET/EPIPE) and destroy the upstream
 *   request so no partial object is stored. With an unknown body length (chunked), half of the first
 *   received chunk is forwarded before the reset.
 * - `status-500` / `slowdown-503` / `request-timeout-400` / `access-denied-403` / `method-not-allowed-405` /
 *   `not-implemented-501`: consume the whole request body, do not forward, answer with an S3 XML error
 *   (`InternalError` / `SlowDown` / `RequestTimeout` / `AccessDenied`, as keys whose policy allows only some
 *   operations get / `MethodNotAllowed` / `NotImplemented`, as s3rver answers ListMultipartUploads).
 * - `delay`: wait `delayMs` (default 1000) before forwarding.
 * - `stall`: consume the request body and never answer (until {@link FaultProxy.close}).
 * - `truncate-response`: forward, then send only the first half of the upstream response body and
 *   close the client connection. If the response has no body (e.g. UploadPart's 200, HEAD, 204) the
 *   connection is closed without sending anything: the upstream performed the operation but the client
 *   never learns the result.
 * - `flip-byte`: forward the request body with one byte XOR 0xff at an offset drawn from the seeded
 *   PRNG (reported in the log entry as `flipOffset`). With an unknown body length the body is buffered.
 *
 * - `hold`: keep the request (its body unread) until the test calls {@link FaultProxy.release}, then forward it.
 * - `hold-answer`: forward the request, and keep the server's answer until {@link FaultProxy.release}: the server
 *   has done what was asked, the client does not know it yet. A client that gives up meanwhile never learns it.
 *
 * `until` makes a fault wait for the proxy to have had an answer to a request of another operation (the server's,
 * or one an error fault made up), as well as for {@link FaultProxy.release}: `hold` then forwards the request,
 * `hold-answer` passes the answer on, and an error fault (`status-500` ... `invalid-kms-key-400`) answers. This
 * orders requests of two files sent at once, whatever order the client sends them in.
 * - `wrong-etag`: forward, then answer another valid MD5 as the ETag (header and XML body): the MD5 of the real
 *   one, as if the server had stored other bytes.
 * - `etag-without-part-count`: forward, then answer the ETag (header and XML body) without its `-N`, as s3rver
 *   answers for a multipart object.
 * - `digest-required-400`: consume the body, do not forward, answer 400 `InvalidRequest` as Amazon S3 does for an
 *   UploadPart without `Content-MD5` or a checksum into a bucket with Object Lock (match `withoutDigest` for that).
 * - `invalid-kms-key-400`: consume the body, do not forward, answer 400 `InvalidArgument` naming the refused
 *   header (`ArgumentName`) and echoing its value, as Amazon S3 answers a KMS key id that is no key or ARN.
 * - `ignore-subresource`: forward the request without the query parameter `match.subresource`, signed again (the
 *   proxy needs the secret key), as a server that does not know the subresource takes it (fauxqs does): a PUT of
 *   `?tagging` stores the tag document as the object, a GET of `?tagging` or `?uploadId` serves the object.
 * - `too-large-413`: consume the body, do not forward, answer 413 with an HTML page and close the connection, as
 *   nginx does for a body over its `client_max_body_size` (match `minBodyBytes` for that limit).
 * - `drop-storage-class`: forward, and answer without `x-amz-storage-class`, as a server that ignored the class
 *   asked for answers a HeadObject of an object it keeps in STANDARD.
 * - `drop-continuation-token`: forward a ListObjectsV2 asking for pages of `maxKeys` keys (`max-keys` set, signed
 *   again; the proxy needs the secret key), and answer the page without `<NextContinuationToken>`, as some
 *   S3-compatible servers answer a truncated page: `IsTruncated` true and no token to go on with.
 * - `repeat-listing-page`: do not forward; answer the ListObjectsV2 page the proxy passed on last, whatever the
 *   request asked for, as a server that takes no notice of `continuation-token` or `start-after` answers the
 *   page before again (forwarded as is while no page has been passed on).
 * - `ignore-tagging-header`: forward a PutObject without its `x-amz-tagging` header, signed again without it (the
 *   proxy needs the secret key), as s3rver takes it: the object is stored untagged.
 * - `ignore-acl-header`: forward a request without its `x-amz-acl` header, signed again without it (the proxy
 *   needs the secret key), as Swift's s3api takes a canned ACL: the object is stored private.
 * - `ignore-copy-source`: forward a CopyObject (or UploadPartCopy) without its `x-amz-copy-source` header, signed
 *   again without it, as a server that ignores the header takes the request: a PutObject of the empty body, with
 *   the request's settings.
 *
 * - `wrong-region-301`: consume the body, do not forward, answer as Amazon S3 answers a request signed for another
 *   region than the bucket's: 301 with `x-amz-bucket-region: <bucketRegion>` (a GET's body also says
 *   `PermanentRedirect`). Match `signedForOtherRegionThan` with the same region so that requests signed for it pass.
 * - `wrong-region-400`: the same, as Swift's s3api and MinIO answer it: 400 with no header, a HEAD's answer empty,
 *   a GET's `AuthorizationHeaderMalformed` naming the expected region in `<Region>`.
 *
 * `reset-mid-body` and `flip-byte` only match requests that carry a body (`Content-Length` > 0 or a
 * `Transfer-Encoding`), so an unfiltered body rule is not wasted on e.g. a HeadBucket.
 */
export interface FaultRule {
  /** Which requests: every given criterion must hold (all omitted = every request). */
  match?: {
    /** HTTP method, case-insensitive. */
    method?: string;
    /** S3 operation as returned by {@link classifyS3Request}. */
    operation?: S3Operation;
    /** Substring of the (URL-decoded) object key; requests without a key never match. */
    keyIncludes?: string;
    /** `partNumber` query parameter. */
    partNumber?: number;
    /** Only requests that carry neither `Content-MD5` nor an `x-amz-checksum-*` header. */
    withoutDigest?: boolean;
    /** Only requests whose query has this parameter (`tagging`, `uploadId`). */
    subresource?: string;
    /** Only requests whose `Content-Length` is at least this. */
    minBodyBytes?: number;
    /** Only requests signed (SigV4 `Authorization` header) for a region other than this one. */
    signedForOtherRegionThan?: string;
  };
  /** The region `wrong-region-301` says the bucket is in (default `eu-west-1`). */
  bucketRegion?: string;
  /** What to do. */
  action: FaultAction;
  /** With `hold`, `hold-answer` or an error fault: wait until a request of this operation has had an answer. */
  until?: S3Operation;
  /**
   * With an action that forwards the request and changes its answer (`drop-storage-class`): keep that answer until
   * {@link FaultProxy.release}, as `hold-answer` keeps one it does not change.
   */
  holdAnswer?: boolean;
  /** How many matching requests to hit (default 1); `Infinity` for all. */
  times?: number;
  /** Skip the first N matching requests (default 0). */
  after?: number;
  /** Probability per matching request, drawn from the seeded PRNG (default 1). */
  probability?: number;
  /** Delay for the `delay` action in milliseconds (default 1000). */
  delayMs?: number;
  /** Keys per page that `drop-continuation-token` asks the server for (default: as many as the client asks). */
  maxKeys?: number;
}

/** Result of {@link classifyS3Request}. */
export interface S3RequestInfo {
  operation: S3Operation;
  bucket?: string;
  /** URL-decoded object key. */
  key?: string;
  partNumber?: number;
  uploadId?: string;
}

/** One proxied request. */
export interface ProxyLogEntry {
  method: string;
  /** Raw request target as sent by the client (path + query). */
  url: string;
  operation: S3Operation;
  /**
   * Upstream status if the request was forwarded and answered (also for `truncate-response`), the
   * injected status for error faults, 502 if the upstream failed, `null` if no response was produced.
   */
  status: number | null;
  /** Request body bytes received from the client (wire bytes, i.e. including aws-chunked framing). */
  bodyBytes: number;
  /** The injected fault action, if any. */
  fault?: string;
  /** Body offset whose byte was flipped (`flip-byte` only). */
  flipOffset?: number;
  /** Upstream/transport error, if any. */
  error?: string;
  /** When the client closed the connection before any answer (killed, or gave up on the request). */
  clientClosedAt?: number;
}

/** Counters collected by the proxy. */
export interface ProxyStats {
  /** Requests received. */
  requests: number;
  /** Requests per {@link S3Operation}. */
  byOperation: Record<string, number>;
  /** Request body bytes received from clients. */
  requestBodyBytes: number;
  /** Request body bytes per {@link S3Operation}. */
  bodyBytesByOperation: Record<string, number>;
  /** Bytes of UploadPart/PutObject bodies that the upstream answered 2xx to. */
  acceptedBodyBytes: number;
  /** Requests that a {@link FaultRule} fired on. */
  faultsInjected: number;
  /** One entry per request, in arrival order. */
  log: ProxyLogEntry[];
}

/** A running proxy. */
export interface FaultProxy {
  /** Port the proxy listens on (127.0.0.1). */
  port: number;
  /** `http://127.0.0.1:<port>`, to pass as `--endpoint`. */
  endpoint: string;
  /** Snapshot (deep copy) of the counters. */
  stats(): ProxyStats;
  /** Zero the counters and the log (rule counters and PRNG state are kept). */
  resetStats(): void;
  /** Replace the rules; their match/hit counters start from zero. The PRNG is not reseeded. */
  setRules(rules: FaultRule[]): void;
  /** Switch how ETags are passed on (see {@link EtagStyle}); applies to requests that arrive from now on. */
  setEtagStyle(style: EtagStyle): void;
  /** Forwards every request a `hold` rule holds, and passes on every answer `hold-answer` holds; returns how many. */
  release(): number;
  /** How many requests a `hold` rule holds now, and answers a `hold-answer` rule holds. */
  held(): number;
  /** Stop listening, destroy all client and upstream sockets (including stalled ones), resolve. */
  close(): Promise<void>;
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Upstream base URL, e.g. `http://127.0.0.1:7481`; host must be 127.0.0.1 or localhost. */
  target: string;
  /** Initial rules (default none: pure counting proxy). */
  rules?: FaultRule[];
  /** PRNG seed for `probability` and flip offsets (default 1). */
  seed?: number;
  /** Port to listen on (default 0 = ephemeral). */
  port?: number;
  /** How ETags are passed on (default `as-is`). */
  etags?: EtagStyle;
  /** The secret key the client signs with: `aws-kms` ETags need it to sign a restored Complete body again. */
  secretAccessKey?: string;
}

const OBJECT_SUBRESOURCES = [
  'acl',
  'tagging',
  'retention',
  'legal-hold',
  'attributes',
  'torrent',
  'restore',
  'select',
];

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Classify a path-style S3 request by its REST shape.
 *
 * @param method - HTTP method (any case).
 * @param url - Raw request target, e.g. `/bucket/some%20key?partNumber=3&uploadId=abc`.
 * @param copySource - Whether the request has an `x-amz-copy-source` header (CopyObject, UploadPartCopy).
 * @returns The operation plus bucket, URL-decoded key, partNumber and uploadId when present.
 */
export function classifyS3Request(method: string, url: string, copySource = false): S3RequestInfo {
  const m = method.toUpperCase();
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));

  let path = rawPath;
  if (/^https?:\/\//i.test(path)) {
    // absolute-form request target: drop scheme and authority
    const slash = path.indexOf('/', path.indexOf('//') + 2);
    path = slash === -1 ? '/' : path.slice(slash);
  }
  path = path.replace(/^\/+/, '');
  const slash = path.indexOf('/');
  const rawBucket = slash === -1 ? path : path.slice(0, slash);
  const rawKey = slash === -1 ? '' : path.slice(slash + 1);

  const info: S3RequestInfo = { operation: 'Other' };
  if (rawBucket !== '') info.bucket = safeDecode(rawBucket);
  if (rawKey !== '') info.key = safeDecode(rawKey);
  const pn = query.get('partNumber');
  if (pn !== null && /^\d+$/.test(pn)) info.partNumber = Number(pn);
  const uploadId = query.get('uploadId');
  if (uploadId !== null) info.uploadId = uploadId;

  const has = (name: string): boolean => query.has(name);
  if (info.bucket === undefined) return info;

  if (info.key !== undefined) {
    const subresource = OBJECT_SUBRESOURCES.some(has);
    switch (m) {
      case 'PUT':
        // a copy is a PUT with x-amz-copy-source: the server reads the bytes from the bucket, none are sent
        if (has('partNumber') && has('uploadId'))
          info.operation = copySource ? 'UploadPartCopy' : 'UploadPart';
        else if (!has('partNumber') && !has('uploadId') && !subresource)
          info.operation = copySource ? 'CopyObject' : 'PutObject';
        break;
      case 'POST':
        if (has('uploads')) info.operation = 'CreateMultipartUpload';
        else if (has('uploadId')) info.operation = 'CompleteMultipartUpload';
        break;
      case 'DELETE':
        if (has('uploadId')) info.operation = 'AbortMultipartUpload';
        break;
      case 'GET':
        if (has('uploadId')) info.operation = 'ListParts';
        else if (!subresource) info.operation = 'GetObject';
        break;
      case 'HEAD':
        info.operation = 'HeadObject';
        break;
    }
    return info;
  }

  if (m === 'GET') {
    if (query.get('list-type') === '2') info.operation = 'ListObjectsV2';
    else if (has('uploads')) info.operation = 'ListMultipartUploads';
  } else if (m === 'HEAD') {
    info.operation = 'HeadBucket';
  }
  return info;
}

/** mulberry32: tiny deterministic PRNG returning floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACTIONS: ReadonlySet<string> = new Set<FaultAction>([
  'wrong-region-301',
  'wrong-region-400',
  'reset-mid-body',
  'status-500',
  'slowdown-503',
  'request-timeout-400',
  'delay',
  'stall',
  'truncate-response',
  'flip-byte',
  'hold',
  'hold-answer',
  'wrong-etag',
  'etag-without-part-count',
  'digest-required-400',
  'invalid-kms-key-400',
  'ignore-subresource',
  'too-large-413',
  'drop-storage-class',
  'drop-continuation-token',
  'repeat-listing-page',
  'ignore-copy-source',
  'ignore-tagging-header',
  'ignore-acl-header',
  'access-denied-403',
  'method-not-allowed-405',
  'not-implemented-501',
]);
const BODY_ACTIONS: ReadonlySet<FaultAction> = new Set<FaultAction>(['reset-mid-body', 'flip-byte']);

interface ErrorFault {
  status: number;
  code: string;
  message: string;
  /** Elements after Message, as Amazon S3 names the refused header of an InvalidArgument. */
  elements?: string;
}

const ERROR_FAULTS: Partial<Record<FaultAction, ErrorFault>> = {
  'status-500': {
    status: 500,
    code: 'InternalError',
    message: 'We encountered an internal error. Please try again.',
  },
  'slowdown-503': { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
  'access-denied-403': { status: 403, code: 'AccessDenied', message: 'Access Denied' },
  'method-not-allowed-405': {
    status: 405,
    code: 'MethodNotAllowed',
    message: 'The specified method is not allowed against this resource.',
  },
  'not-implemented-501': {
    status: 501,
    code: 'NotImplemented',
    message: 'A parameter you provided implies functionality that is not implemented',
  },
  'digest-required-400': {
    status: 400,
    code: 'InvalidRequest',
    message:
      'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Part requests with Object Lock parameters',
  },
  'invalid-kms-key-400': {
    status: 400,
    code: 'InvalidArgument',
    message: 'Invalid arn us-east-1',
    elements:
      '<ArgumentName>x-amz-server-side-encryption-aws-kms-key-id</ArgumentName>' +
      '<ArgumentValue>not-an-arn</ArgumentValue>',
  },
  'request-timeout-400': {
    status: 400,
    code: 'RequestTimeout',
    message:
      'Your socket connection to the server was not read from or written to within the timeout period.',
  },
};

/** Hop-by-hop request headers dropped unless SigV4-signed (`transfer-encoding` is kept for framing). */
const HOP_BY_HOP_REQUEST = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'upgrade',
  'expect',
]);
/** Hop-by-hop response headers; node re-frames the body towards the client. */
const HOP_BY_HOP_RESPONSE = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'trailer',
]);
/** The region in a SigV4 `Authorization` header's credential scope (`Credential=AKID/DAY/REGION/s3/aws4_request`). */
function signingRegionOf(headers: IncomingMessage['headers']): string | undefined {
  return /Credential=[^/,]+\/\d{8}\/([^/,]+)\//.exec(headers.authorization ?? '')?.[1];
}

function hasDigestHeader(headers: IncomingMessage['headers']): boolean {
  return Object.keys(headers).some((name) => name === 'content-md5' || name.startsWith('x-amz-checksum-'));
}

/** Methods for which node's client would add `Transfer-Encoding: chunked` to a request without framing. */
const NO_DEFAULT_BODY_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);

interface RuleState {
  rule: FaultRule;
  seen: number;
  hits: number;
}

function validateRules(rules: FaultRule[]): RuleState[] {
  return rules.map((rule, i) => {
    if (!ACTIONS.has(rule.action)) throw new Error(`fault rule ${i}: unknown action ${String(rule.action)}`);
    const { times, after, probability, delayMs, maxKeys } = rule;
    if (times !== undefined && !(times >= 0)) throw new Error(`fault rule ${i}: times must be >= 0`);
    if (after !== undefined && !(after >= 0)) throw new Error(`fault rule ${i}: after must be >= 0`);
    if (probability !== undefined && !(probability >= 0 && probability <= 1)) {
      throw new Error(`fault rule ${i}: probability must be within [0, 1]`);
    }
    if (delayMs !== undefined && !(delayMs >= 0)) throw new Error(`fault rule ${i}: delayMs must be >= 0`);
    if (maxKeys !== undefined && !(Number.isInteger(maxKeys) && maxKeys >= 1))
      throw new Error(`fault rule ${i}: maxKeys must be a whole number >= 1`);
    return { rule: { ...rule, ...(rule.match ? { match: { ...rule.match } } : {}) }, seen: 0, hits: 0 };
  });
}

function emptyStats(): ProxyStats {
  return {
    requests: 0,
    byOperation: {},
    requestBodyBytes: 0,
    bodyBytesByOperation: {},
    acceptedBodyBytes: 0,
    faultsInjected: 0,
    log: [],
  };
}

function copyStats(s: ProxyStats): ProxyStats {
  return {
    ...s,
    byOperation: { ...s.byOperation },
    bodyBytesByOperation: { ...s.bodyBytesByOperation },
    log: s.log.map((e) => ({ ...e })),
  };
}

/** Lower-cased header names listed in SigV4 `SignedHeaders` (header or presigned query). */
function signedHeaderNames(req: IncomingMessage, url: string): Set<string> {
  const out = new Set<string>();
  const auth = req.headers.authorization;
  const fromAuth = typeof auth === 'string' ? /SignedHeaders=([^,\s]+)/i.exec(auth)?.[1] : undefined;
  const q = url.indexOf('?');
  const fromQuery = q === -1 ? null : new URLSearchParams(url.slice(q + 1)).get('X-Amz-SignedHeaders');
  for (const list of [fromAuth, fromQuery]) {
    if (list) for (const h of list.split(';')) out.add(h.trim().toLowerCase());
  }
  return out;
}

/** Tokens of all `Connection` headers in a flat raw header list. */
function connectionTokens(raw: string[]): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === 'connection') {
      for (const t of (raw[i + 1] ?? '').split(',')) if (t.trim()) out.add(t.trim().toLowerCase());
    }
  }
  return out;
}

function upstreamRequestHeaders(req: IncomingMessage, method: string, url: string): string[] {
  const raw = req.rawHeaders;
  const signed = signedHeaderNames(req, url);
  const listed = connectionTokens(raw);
  const out: string[] = [];
  let framed = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const value = raw[i + 1] ?? '';
    const lower = name.toLowerCase();
    if ((HOP_BY_HOP_REQUEST.has(lower) || listed.has(lower)) && !signed.has(lower)) continue;
    if (lower === 'content-length' || lower === 'transfer-encoding') framed = true;
    out.push(name, value);
  }
  // A request without Content-Length/Transfer-Encoding has no body; keep node's client from
  // switching it to chunked encoding (neither header is part of an unsigned request's signature).
  if (!framed && !NO_DEFAULT_BODY_METHODS.has(method)) out.push('Content-Length', '0');
  return out;
}

function downstreamResponseHeaders(raw: string[]): string[] {
  const listed = connectionTokens(raw);
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const lower = name.toLowerCase();
    if (HOP_BY_HOP_RESPONSE.has(lower) || listed.has(lower)) continue;
    out.push(name, raw[i + 1] ?? '');
  }
  return out;
}

function requestContentLength(req: IncomingMessage): number | undefined {
  if (req.headers['transfer-encoding'] !== undefined) return undefined;
  const cl = req.headers['content-length'];
  if (cl === undefined || !/^\d+$/.test(cl)) return undefined;
  return Number(cl);
}

function requestHasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const cl = requestContentLength(req);
  return cl !== undefined && cl > 0;
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

function sendS3Error(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: OutgoingHttpHeaders = {},
  elements = '',
): void {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<Error><Code>${code}</Code><Message>${message}</Message>${elements}<RequestId>fault</RequestId></Error>`;
  res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(body),
    'x-amz-request-id': 'fault',
    ...extra,
  });
  res.end(body);
}

/** A request body read ahead of forwarding, with the headers (and the target, if another) to forward it under. */
interface PreparedRequest {
  headers: string[];
  body: Buffer;
  url?: string;
}

function hasQueryParameter(url: string, name: string): boolean {
  const q = url.indexOf('?');
  return q !== -1 && new URLSearchParams(url.slice(q + 1)).has(name);
}

/** `url` without the query parameter `name` (the rest of the query as sent). */
function withoutQueryParameter(url: string, name: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const kept = url
    .slice(q + 1)
    .split('&')
    .filter((pair) => pair !== '' && decodeURIComponent(pair.split('=')[0] ?? '') !== name);
  return kept.length > 0 ? `${url.slice(0, q)}?${kept.join('&')}` : url.slice(0, q);
}

/** `url` with the query parameter `name` set to `value` (in place of any it had). */
function withQueryParameter(url: string, name: string, value: string): string {
  const rest = withoutQueryParameter(url, name);
  return `${rest}${rest.includes('?') ? '&' : '?'}${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
}

/** A ListObjectsV2 page without its `<NextContinuationToken>`: truncated, it then names no way on. */
function withoutContinuationToken(xml: string): string {
  return xml.replace(/<NextContinuationToken>[^<]*<\/NextContinuationToken>/g, '');
}

/** Answers that name the object's encryption on Amazon S3. */
const OBJECT_ANSWERS: ReadonlySet<S3Operation> = new Set<S3Operation>([
  'PutObject',
  'UploadPart',
  'CreateMultipartUpload',
  'CompleteMultipartUpload',
  'HeadObject',
  'GetObject',
]);

/** Answers whose XML body lists ETags (besides listing pages, which go by {@link passListingPage}). */
const XML_ETAG_ANSWERS: ReadonlySet<S3Operation> = new Set<S3Operation>([
  'CompleteMultipartUpload',
  'ListParts',
]);

/**
 * Passes an upstream answer on with every ETag mapped through `map` (header, and XML body for the operations
 * that list ETags), adding `x-amz-server-side-encryption: aws:kms` when `addKms` and the server named none.
 */
function rewriteAnswer(
  ures: IncomingMessage,
  res: ServerResponse,
  op: S3Operation,
  status: number,
  headers: string[],
  map: (etag: string) => string,
  addKms: boolean,
): void {
  let out: string[] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i] ?? '';
    out.push(name, name.toLowerCase() === 'etag' ? map(headers[i + 1] ?? '') : (headers[i + 1] ?? ''));
  }
  if (addKms && !out.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'x-amz-server-side-encryption'))
    out.push('x-amz-server-side-encryption', 'aws:kms');
  ures.on('close', () => {
    if (!ures.complete) res.destroy();
  });
  if (!XML_ETAG_ANSWERS.has(op)) {
    res.writeHead(status, ures.statusMessage, out);
    ures.pipe(res);
    return;
  }
  const chunks: Buffer[] = [];
  ures.on('data', (c: Buffer) => chunks.push(c));
  ures.on('end', () => {
    if (res.destroyed) return;
    const original = Buffer.concat(chunks);
    const body =
      original.length > 0 ? Buffer.from(rewriteXmlEtags(original.toString('utf8'), map)) : original;
    if (original.length > 0) out = setHeader(out, 'content-length', String(body.length));
    res.writeHead(status, ures.statusMessage, out);
    res.end(body);
  });
}

/** A ListObjectsV2 answer as the proxy passed it on, kept for `repeat-listing-page`. */
interface ListingPage {
  status: number;
  headers: string[];
  body: Buffer;
}

/**
 * Passes a ListObjectsV2 page on with its XML body edited by `edit` and `Content-Length` set to match; hands the
 * page as passed on to `onPassed` once it is whole.
 */
function passListingPage(
  ures: IncomingMessage,
  res: ServerResponse,
  page: { status: number; headers: string[] },
  edit: (xml: string) => string,
  onPassed: (page: ListingPage) => void,
): void {
  const chunks: Buffer[] = [];
  ures.on('close', () => {
    if (!ures.complete) res.destroy();
  });
  ures.on('data', (c: Buffer) => chunks.push(c));
  ures.on('end', () => {
    if (res.destroyed) return;
    const body = Buffer.from(edit(Buffer.concat(chunks).toString('utf8')));
    const headers = setHeader(page.headers, 'content-length', String(body.length));
    res.writeHead(page.status, ures.statusMessage, headers);
    res.end(body);
    onPassed({ status: page.status, headers, body });
  });
}

function resetSocket(sock: Socket | null | undefined): void {
  if (!sock || sock.destroyed) return;
  sock.on('error', () => {});
  if (typeof sock.resetAndDestroy === 'function') sock.resetAndDestroy();
  else sock.destroy();
}

/**
 * Start a fault-injecting, counting proxy on 127.0.0.1 in front of `opts.target`.
 *
 * @example
 * ```ts
 * const proxy = await startFaultProxy({ target: 'http://127.0.0.1:7481', seed: 42 });
 * proxy.setRules([{ match: { operation: 'UploadPart' }, action: 'slowdown-503', times: 2 }]);
 * // run the CLI with --endpoint proxy.endpoint ...
 * expect(proxy.stats().byOperation.UploadPart).toBe(expectedParts + 2);
 * await proxy.close();
 * ```
 */
export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(opts.target);
  if (target.protocol !== 'http:') throw new Error(`fault proxy: target must be http://, got ${opts.target}`);
  if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') {
    throw new Error(`fault proxy: target host must be 127.0.0.1, got ${target.hostname}`);
  }
  if (target.pathname !== '/' && target.pathname !== '') {
    throw new Error(`fault proxy: target must not have a path, got ${opts.target}`);
  }
  const targetPort = target.port === '' ? 80 : Number(target.port);

  let rules = validateRules(opts.rules ?? []);
  let stats = emptyStats();
  const prng = mulberry32(opts.seed ?? 1);
  const sockets = new Set<Socket>();
  const upstreams = new Set<ClientRequest>();
  const timers = new Set<NodeJS.Timeout>();
  let closing: Promise<void> | undefined;
  let etagStyle: EtagStyle = opts.etags ?? 'as-is';
  const heldRequests = new Set<() => void>();
  // the operations answered since the rules were set, and what waits for one (see FaultRule.until)
  const answeredOps = new Set<S3Operation>();
  const awaitingAnswer = new Map<S3Operation, Set<() => void>>();
  const afterAnswerOf = (operation: S3Operation, res: ServerResponse, then: () => void): void => {
    if (answeredOps.has(operation)) return then();
    const waiting = awaitingAnswer.get(operation) ?? new Set<() => void>();
    awaitingAnswer.set(operation, waiting);
    waiting.add(then);
    res.on('close', () => waiting.delete(then));
  };
  const noteAnswer = (operation: S3Operation): void => {
    answeredOps.add(operation);
    const waiting = awaitingAnswer.get(operation);
    awaitingAnswer.delete(operation);
    for (const then of waiting ?? []) then();
  };
  /** Keeps `then` until release(), or until the rule's `until` operation is answered; whichever comes first. */
  const holdUntilReleased = (rule: FaultRule, res: ServerResponse, then: () => void): void => {
    const go = (): void => {
      if (!heldRequests.delete(go)) return;
      then();
    };
    heldRequests.add(go);
    res.on('close', () => heldRequests.delete(go));
    if (rule.until !== undefined) afterAnswerOf(rule.until, res, go);
  };
  let lastListingPage: ListingPage | undefined;

  // Free upstream sockets are dropped after 30 s idle, well before typical server idle timeouts,
  // to avoid reusing a socket the upstream is closing.
  const agent = new Agent({ keepAlive: true, keepAliveMsecs: 1000, maxSockets: Infinity, timeout: 30_000 });

  const pickRule = (
    info: S3RequestInfo,
    url: string,
    method: string,
    hasBody: boolean,
    headers: IncomingMessage['headers'],
  ): FaultRule | undefined => {
    for (const st of rules) {
      const { rule } = st;
      const mt = rule.match;
      if (mt) {
        if (mt.method !== undefined && mt.method.toUpperCase() !== method) continue;
        if (mt.operation !== undefined && mt.operation !== info.operation) continue;
        if (mt.keyIncludes !== undefined && !(info.key ?? '\0').includes(mt.keyIncludes)) continue;
        if (mt.partNumber !== undefined && mt.partNumber !== info.partNumber) continue;
        if (mt.withoutDigest && hasDigestHeader(headers)) continue;
        if (mt.subresource !== undefined && !hasQueryParameter(url, mt.subresource)) continue;
        if (mt.minBodyBytes !== undefined && !(Number(headers['content-length']) >= mt.minBodyBytes))
          continue;
        if (
          mt.signedForOtherRegionThan !== undefined &&
          signingRegionOf(headers) === mt.signedForOtherRegionThan
        )
          continue;
      }
      if (BODY_ACTIONS.has(rule.action) && !hasBody) continue;
      st.seen++;
      if (st.seen <= (rule.after ?? 0)) continue;
      if (st.hits >= (rule.times ?? 1)) continue;
      const p = rule.probability ?? 1;
      if (p < 1 && !(prng() < p)) continue;
      st.hits++;
      return rule;
    }
    return undefined;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = req.url ?? '/';
    const info = classifyS3Request(method, url, req.headers['x-amz-copy-source'] !== undefined);
    const op = info.operation;
    const entry: ProxyLogEntry = { method, url, operation: op, status: null, bodyBytes: 0 };
    stats.requests++;
    stats.byOperation[op] = (stats.byOperation[op] ?? 0) + 1;
    stats.bodyBytesByOperation[op] ??= 0;
    stats.log.push(entry);

    const hasBody = requestHasBody(req);
    const rule = pickRule(info, url, method, hasBody, req.headers);
    // Drawn at arrival (not when the body ends) so the PRNG sequence only depends on request order.
    const flipFraction = rule?.action === 'flip-byte' ? prng() : 0;
    if (rule) {
      entry.fault = rule.action;
      stats.faultsInjected++;
    }

    const count = (n: number): void => {
      entry.bodyBytes += n;
      stats.requestBodyBytes += n;
      stats.bodyBytesByOperation[op] = (stats.bodyBytesByOperation[op] ?? 0) + n;
    };
    req.on('error', () => {});
    res.on('error', () => {});

    const consumeBody = (then: () => void): void => {
      req.on('data', (c: Buffer) => count(c.length));
      req.on('end', then);
    };

    const errorFault = rule ? ERROR_FAULTS[rule.action] : undefined;
    if (errorFault) {
      const answer = (): void => {
        if (res.destroyed) return;
        entry.status = errorFault.status;
        sendS3Error(res, errorFault.status, errorFault.code, errorFault.message, {}, errorFault.elements);
        noteAnswer(op);
      };
      const until = rule?.until;
      consumeBody(() => (until === undefined ? answer() : afterAnswerOf(until, res, answer)));
      return;
    }
    if (rule?.action === 'wrong-region-301') {
      consumeBody(() => {
        if (res.destroyed) return;
        entry.status = 301;
        const region = rule.bucketRegion ?? 'eu-west-1';
        sendS3Error(
          res,
          301,
          'PermanentRedirect',
          'The bucket you are attempting to access must be addressed using the specified endpoint.',
          { 'x-amz-bucket-region': region },
        );
      });
      return;
    }
    if (rule?.action === 'wrong-region-400') {
      consumeBody(() => {
        if (res.destroyed) return;
        entry.status = 400;
        const region = rule.bucketRegion ?? 'eu-west-1';
        const body =
          `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AuthorizationHeaderMalformed</Code>` +
          `<Message>The authorization header is malformed; the region is wrong; expecting '${region}'</Message>` +
          `<Region>${region}</Region><RequestId>fault</RequestId></Error>`;
        res.writeHead(400, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
        res.end(method === 'HEAD' ? undefined : body);
      });
      return;
    }
    if (rule?.action === 'too-large-413') {
      consumeBody(() => {
        if (res.destroyed) return;
        entry.status = 413;
        const page = '<html><head><title>413 Request Entity Too Large</title></head></html>\n';
        res.writeHead(413, {
          'Content-Type': 'text/html',
          'Content-Length': page.length,
          Connection: 'close',
        });
        res.end(page);
      });
      return;
    }
    if (rule?.action === 'stall') {
      consumeBody(() => {});
      return;
    }
    const repeated = rule?.action === 'repeat-listing-page' ? lastListingPage : undefined;
    if (repeated) {
      consumeBody(() => {
        if (res.destroyed) return;
        entry.status = repeated.status;
        res.writeHead(repeated.status, repeated.headers);
        res.end(repeated.body);
      });
      return;
    }

    // the style at arrival applies to the whole exchange
    const kmsStyle = etagStyle === 'aws-kms';
    const styleEtag = {
      'aws-kms': awsKmsEtag,
      opaque: opaqueEtag,
      capitals: etagInCapitals,
      'as-is': undefined,
    }[etagStyle];
    const answerEtag =
      rule?.action === 'wrong-etag'
        ? wrongEtag
        : rule?.action === 'etag-without-part-count'
          ? etagWithoutPartCount
          : styleEtag;
    const realEtag = kmsStyle ? awsKmsEtag : etagStyle === 'capitals' ? etagInSmallLetters : fromOpaqueEtag;

    const forward = (attempt: number, prepared?: PreparedRequest): void => {
      if (closing || res.destroyed) return;
      const mode = rule?.action;
      const contentLength = requestContentLength(req);
      let aborted = false; // we reset / the client went away: ignore upstream events
      let responded = false;

      const up = httpRequest({
        host: '127.0.0.1',
        port: targetPort,
        method,
        path: prepared?.url ?? url,
        headers: prepared?.headers ?? upstreamRequestHeaders(req, method, url),
        agent,
      });
      upstreams.add(up);
      up.on('close', () => upstreams.delete(up));

      res.on('close', () => {
        // client went away (or we cut it off): drop the upstream exchange too, so an unfinished
        // upload body never completes upstream
        if (!res.writableFinished) {
          aborted = true;
          if (entry.status === null && entry.error === undefined) entry.clientClosedAt = Date.now();
          up.destroy();
        }
      });

      up.on('error', (err) => {
        if (aborted || closing) return;
        const code = (err as NodeJS.ErrnoException).code;
        if (
          !responded &&
          attempt === 0 &&
          !hasBody &&
          up.reusedSocket &&
          (code === 'ECONNRESET' || code === 'EPIPE')
        ) {
          // stale keep-alive socket towards the upstream; bodiless requests can be replayed safely
          forward(1);
          return;
        }
        entry.error = errorText(err);
        if (!res.headersSent) {
          entry.status = 502;
          sendS3Error(res, 502, 'BadGateway', `fault proxy: upstream error ${entry.error}`, {
            Connection: 'close',
          });
        } else {
          res.destroy();
        }
      });

      up.on('response', (ures) => {
        responded = true;
        ures.on('error', () => {});
        const status = ures.statusCode ?? 0;
        entry.status = status;
        if (status >= 200 && status < 300 && (op === 'UploadPart' || op === 'PutObject')) {
          stats.acceptedBodyBytes += entry.bodyBytes;
        }
        noteAnswer(op);
        if (rule?.action === 'hold-answer' || rule?.holdAnswer)
          holdUntilReleased(rule, res, () => passAnswer(ures, status));
        else passAnswer(ures, status);
      });

      const passAnswer = (ures: IncomingMessage, status: number): void => {
        if (aborted || res.destroyed) {
          ures.resume();
          return;
        }
        const answered = downstreamResponseHeaders(ures.rawHeaders);
        const headers =
          mode === 'drop-storage-class' ? withoutHeader(answered, 'x-amz-storage-class') : answered;
        if (mode === 'truncate-response') {
          truncate(ures, status, headers);
          return;
        }
        if (op === 'ListObjectsV2' && status >= 200 && status < 300) {
          const edit = (xml: string): string => {
            const mapped = answerEtag ? rewriteXmlEtags(xml, answerEtag) : xml;
            return mode === 'drop-continuation-token' ? withoutContinuationToken(mapped) : mapped;
          };
          passListingPage(ures, res, { status, headers }, edit, (page) => (lastListingPage = page));
          return;
        }
        if (answerEtag) {
          const kms = kmsStyle && status >= 200 && status < 300 && OBJECT_ANSWERS.has(op);
          rewriteAnswer(ures, res, op, status, headers, answerEtag, kms);
          return;
        }
        res.writeHead(status, ures.statusMessage, headers);
        ures.on('close', () => {
          if (!ures.complete) res.destroy();
        });
        ures.pipe(res);
      };

      const truncate = (ures: IncomingMessage, status: number, headers: string[]): void => {
        const sock = req.socket;
        const finish = (part: Buffer | undefined): void => {
          if (part === undefined) {
            sock.destroy(); // no body to cut: drop the response entirely
            return;
          }
          res.writeHead(status, ures.statusMessage, headers);
          res.flushHeaders();
          if (part.length > 0) res.write(part);
          sock.end(); // flush headers + half body, then FIN: the client sees a premature close
          sock.setTimeout(5000, () => sock.destroy());
        };
        const noBody = method === 'HEAD' || status === 204 || status === 304 || status < 200;
        const lenHeader = ures.headers['content-length'];
        const len = lenHeader !== undefined && /^\d+$/.test(lenHeader) ? Number(lenHeader) : undefined;
        if (noBody || len === 0) {
          ures.resume();
          finish(undefined);
          return;
        }
        if (len !== undefined) {
          const limit = Math.floor(len / 2);
          const parts: Buffer[] = [];
          let got = 0;
          let done = false;
          ures.on('data', (c: Buffer) => {
            if (done) return;
            const take = c.subarray(0, limit - got);
            parts.push(take);
            got += take.length;
            if (got >= limit) {
              done = true;
              finish(Buffer.concat(parts));
            }
          });
          ures.on('end', () => {
            if (!done) finish(Buffer.concat(parts));
          });
          if (limit === 0) {
            done = true;
            finish(Buffer.alloc(0));
          }
          return;
        }
        const parts: Buffer[] = [];
        ures.on('data', (c: Buffer) => parts.push(c));
        ures.on('end', () => {
          const all = Buffer.concat(parts);
          finish(all.length === 0 ? undefined : all.subarray(0, Math.floor(all.length / 2)));
        });
      };

      if (attempt > 0) {
        // replay of a bodiless request: the body (if any framing) was already consumed
        up.end();
        return;
      }
      if (prepared) {
        up.end(prepared.body);
        return;
      }

      // ---- request body pump ----
      let received = 0;
      let flipAt = -1;
      let bufferAll = false;
      const buffered: Buffer[] = [];
      if (mode === 'flip-byte') {
        if (contentLength !== undefined) flipAt = Math.floor(flipFraction * contentLength);
        else bufferAll = true;
      }
      let resetAt: number | undefined;
      if (mode === 'reset-mid-body' && contentLength !== undefined) resetAt = Math.floor(contentLength / 2);

      const doReset = (): void => {
        aborted = true;
        up.destroy();
        resetSocket(req.socket);
      };

      up.on('drain', () => req.resume());
      req.on('data', (chunk: Buffer) => {
        if (aborted) return;
        const start = received;
        received += chunk.length;
        count(chunk.length);
        if (mode === 'reset-mid-body') {
          const limit = resetAt ?? start + Math.floor(chunk.length / 2);
          const part = chunk.subarray(0, Math.max(0, limit - start));
          if (part.length > 0) up.write(part);
          if (received >= limit) doReset();
          return;
        }
        if (bufferAll) {
          buffered.push(chunk);
          return;
        }
        let out = chunk;
        if (flipAt >= start && flipAt < received) {
          out = Buffer.from(chunk);
          const i = flipAt - start;
          out[i] = (out[i] ?? 0) ^ 0xff;
          entry.flipOffset = flipAt;
        }
        if (!up.write(out)) req.pause();
      });
      req.on('end', () => {
        if (aborted) return;
        if (mode === 'reset-mid-body') {
          doReset(); // body ended before the threshold (e.g. empty chunked body)
          return;
        }
        if (bufferAll) {
          const all = Buffer.concat(buffered);
          if (all.length > 0) {
            const i = Math.floor(flipFraction * all.length);
            all[i] = (all[i] ?? 0) ^ 0xff;
            entry.flipOffset = i;
          }
          up.end(all);
          return;
        }
        up.end();
      });
    };

    /** A Complete body that echoes rewritten ETags gets the real ones back, signed again, before it goes on. */
    const restoreCompleteBody = (body: Buffer): PreparedRequest => {
      const upstreamHeaders = upstreamRequestHeaders(req, method, url);
      const restored = Buffer.from(rewriteXmlEtags(body.toString('utf8'), realEtag));
      const headers = resignRequest({
        method,
        url,
        rawHeaders: upstreamHeaders,
        originalBody: body,
        body: restored,
        secretAccessKey: opts.secretAccessKey ?? '',
      });
      if (headers) return { headers, body: restored };
      entry.error = 'fault proxy: cannot sign the restored CompleteMultipartUpload body (secretAccessKey?)';
      return { headers: upstreamHeaders, body };
    };
    /** The request changed as a faulty server would take it (another target, headers dropped), signed again. */
    const resigned = (
      body: Buffer,
      change: { url?: string; dropHeaders?: string[] },
      what: string,
    ): PreparedRequest => {
      const upstreamHeaders = upstreamRequestHeaders(req, method, url);
      const headers = resignRequest({
        method,
        url,
        ...(change.url !== undefined ? { newUrl: change.url } : {}),
        ...(change.dropHeaders !== undefined ? { dropHeaders: change.dropHeaders } : {}),
        rawHeaders: upstreamHeaders,
        originalBody: body,
        body,
        secretAccessKey: opts.secretAccessKey ?? '',
      });
      if (headers) return { headers, body, ...(change.url !== undefined ? { url: change.url } : {}) };
      entry.error = `fault proxy: cannot sign ${what} again (secretAccessKey?)`;
      return { headers: upstreamHeaders, body };
    };
    /** How the request must change before it goes on, once its body is read; undefined: it goes as it came. */
    const preparation = (): ((body: Buffer) => PreparedRequest) | undefined => {
      const name = rule?.match?.subresource ?? '';
      const maxKeys = rule?.maxKeys;
      switch (rule?.action) {
        case 'ignore-subresource':
          return (body) =>
            resigned(body, { url: withoutQueryParameter(url, name) }, `the request without ?${name}`);
        case 'drop-continuation-token':
          if (maxKeys === undefined) return undefined;
          return (body) =>
            resigned(
              body,
              { url: withQueryParameter(url, 'max-keys', String(maxKeys)) },
              `the listing with max-keys=${maxKeys}`,
            );
        case 'ignore-copy-source':
          return (body) =>
            resigned(body, { dropHeaders: ['x-amz-copy-source'] }, 'the request without x-amz-copy-source');
        case 'ignore-tagging-header':
          return (body) =>
            resigned(body, { dropHeaders: ['x-amz-tagging'] }, 'the request without x-amz-tagging');
        case 'ignore-acl-header':
          return (body) => resigned(body, { dropHeaders: ['x-amz-acl'] }, 'the request without x-amz-acl');
      }
      if (styleEtag && op === 'CompleteMultipartUpload' && hasBody) return restoreCompleteBody;
      return undefined;
    };
    const startForward = (): void => {
      const prepare = preparation();
      if (!prepare) {
        forward(0);
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => {
        count(c.length);
        chunks.push(c);
      });
      req.on('end', () => forward(0, prepare(Buffer.concat(chunks))));
    };

    if (rule?.action === 'hold') {
      holdUntilReleased(rule, res, startForward);
      return;
    }
    if (rule?.action === 'delay') {
      const t = setTimeout(() => {
        timers.delete(t);
        startForward();
      }, rule.delayMs ?? 1000);
      timers.add(t);
      res.on('close', () => {
        clearTimeout(t);
        timers.delete(t);
      });
      return;
    }
    startForward();
  };

  const server: Server = createServer(
    {
      keepAliveTimeout: 60_000,
      headersTimeout: 65_000,
      requestTimeout: 0, // uploads through the proxy may take long; stalls are intentional
      noDelay: true,
    },
    handle,
  );
  server.on('connection', (sock: Socket) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    stats: () => copyStats(stats),
    resetStats: () => {
      stats = emptyStats();
    },
    setRules: (next: FaultRule[]) => {
      rules = validateRules(next);
      answeredOps.clear();
    },
    setEtagStyle: (style: EtagStyle) => {
      etagStyle = style;
    },
    release: () => {
      const waiting = [...heldRequests];
      for (const go of waiting) go();
      return waiting.length;
    },
    held: () => heldRequests.size,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        heldRequests.clear();
        server.close(() => resolve());
        for (const up of upstreams) up.destroy();
        for (const sock of sockets) sock.destroy();
        agent.destroy();
      });
      return closing;
    },
  };
}
