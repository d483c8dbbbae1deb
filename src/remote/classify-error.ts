import { AuthError, ConfigError, RemoteError, UploadError } from '../errors.js';
import { refusedArgumentHint, refusedSettingHint } from './refused-argument.js';

/** How the engine treats a failed request: try again, give up on this file, or stop the run. */
export type ErrorClass = 'retryable' | 'file-fatal' | 'run-fatal' | 'upload-gone';

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $fault?: 'client' | 'server';
  $response?: { headers?: Record<string, string | undefined> };
}

const RETRYABLE_CODES = new Set([
  'SlowDown',
  'RequestTimeout',
  'InternalError',
  'ServiceUnavailable',
  'Throttling',
  'ThrottlingException',
  'TooManyRequests',
  'XAmzContentSHA256Mismatch',
  'BadDigest',
  'IncompleteBody',
  'TimeoutError',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  // the proxy could not reach the server: as a refused connection would be, and may not be next time
  'ProxyBadGateway',
]);

/** S3's refusal of a request signed more than 15 minutes from the server's time. */
const CLOCK_SKEW_CODE = 'RequestTimeTooSkewed';

const AUTH_CODES = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
  'AuthorizationHeaderMalformed',
]);

const RUN_FATAL_CODES = new Set([
  'NoSuchBucket',
  'PermanentRedirect',
  'InvalidBucketName',
  'AllAccessDisabled',
]);

/**
 * Our code for a read with an SSE-C key that the server refused (400): the object is stored with another key, or
 * without one. A HEAD's answer carries no code of its own, so the store names it (see S3Store).
 */
export const CUSTOMER_KEY_REFUSED = 'SSECustomerKeyRefused';

/**
 * Codes that say a setting of ours cannot be used with this bucket or account (the KMS key, the storage class, the
 * canned ACL, SSE-C): every object would be refused alike, so the run stops before more bytes are sent.
 */
const SETTING_CODES = new Set([
  CUSTOMER_KEY_REFUSED,
  'KMS.NotFoundException',
  'KMS.DisabledException',
  'KMS.KMSInvalidStateException',
  'KMS.AccessDeniedException',
  'KMS.InvalidKeyUsageException',
  'InvalidStorageClass',
  'InvalidArgument',
  'AccessControlListNotSupported',
  'InvalidEncryptionAlgorithmError',
]);

/** What to do about each way a TLS handshake fails, for one side of the connection. */
interface TlsAdvice {
  untrusted: string;
  outOfDate: string;
  otherHost: string;
  notTls: string;
}

/** The TLS failures OpenSSL and Node name, each with its advice. A wrong port or scheme is "wrong version number". */
function tlsHints(advice: TlsAdvice): Record<string, string> {
  return {
    DEPTH_ZERO_SELF_SIGNED_CERT: advice.untrusted,
    SELF_SIGNED_CERT_IN_CHAIN: advice.untrusted,
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: advice.untrusted,
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: advice.untrusted,
    UNABLE_TO_GET_ISSUER_CERT: advice.untrusted,
    CERT_UNTRUSTED: advice.untrusted,
    CERT_HAS_EXPIRED: advice.outOfDate,
    CERT_NOT_YET_VALID: advice.outOfDate,
    ERR_TLS_CERT_ALTNAME_INVALID: advice.otherHost,
    EPROTO: advice.notTls,
    ERR_SSL_WRONG_VERSION_NUMBER: advice.notTls,
  };
}

const GIVE_CA = "give your CA's certificate (PEM) with ca_bundle / --ca-bundle / AWS_CA_BUNDLE";

/**
 * Failures on the way to the server that no retry mends, TLS's and a proxy's, with what to do: each names the
 * setting to change.
 */
const CONNECTION_HINTS: Record<string, string> = {
  ...tlsHints({
    untrusted: `the endpoint's certificate is not signed by a CA this machine trusts; ${GIVE_CA}`,
    outOfDate:
      "the endpoint's certificate has expired or is not valid yet; renew it, or check this machine's clock",
    otherHost:
      'the certificate does not name the host of endpoint_url / --endpoint; use a host name the certificate names',
    notTls:
      'the endpoint does not speak TLS there; use http:// in endpoint_url / --endpoint, or the port that serves https',
  }),
  ProxyAuthenticationRequired:
    "the proxy wants a user and password: write them into the proxy variable's URL as user:password@ before its host, or add the endpoint's host to NO_PROXY",
  ProxyRefused:
    "the proxy does not let this connection through; ask for the endpoint to be allowed, or add the endpoint's host to NO_PROXY",
};

/**
 * A TLS failure on the way to an https:// proxy is the proxy's setting, not the endpoint's, whose hints would send
 * the user to the wrong setting; `variable` is the environment variable (or setting) that named the proxy.
 */
function proxyTlsHints(variable: string): Record<string, string> {
  return tlsHints({
    untrusted: `the proxy's certificate is not signed by a CA this machine trusts; ${GIVE_CA}`,
    outOfDate: "the proxy's certificate has expired or is not valid yet; check this machine's clock",
    otherHost: `the proxy's certificate does not name the host in ${variable}; use a host name the certificate names`,
    notTls: `the proxy speaks plain HTTP there; write ${variable} with http:// (https:// means TLS to the proxy itself, which most proxies do not take, even for HTTPS traffic)`,
  });
}

/** The proxy an error happened on the way to, and the variable that named it, when it did. */
function proxyOf(error: unknown): { proxy: string; variable: string } | undefined {
  const { proxy, variable } = (error ?? {}) as { proxy?: unknown; variable?: unknown };
  return typeof proxy === 'string'
    ? { proxy, variable: typeof variable === 'string' ? variable : 'the proxy variable' }
    : undefined;
}

/** The hint for a connection failure: the proxy's when it happened on the way to one, else the endpoint's. */
function connectionHint(code: string, error: unknown): string | undefined {
  const proxy = proxyOf(error);
  return (proxy ? proxyTlsHints(proxy.variable)[code] : undefined) ?? CONNECTION_HINTS[code];
}

/**
 * What to check when the proxy a request went through never answered (refused, unknown host, timed out): the
 * proxy variable, not the endpoint, is what is wrong. Undefined for a request that went direct.
 */
export function proxyNoAnswerAdvice(error: unknown): string | undefined {
  const proxy = proxyOf(error);
  if (!proxy || !Object.hasOwn(NO_ANSWER_REASONS, errorCode(error))) return undefined;
  return `check ${proxy.variable} (the proxy's scheme, host and port) and that the proxy runs, or add the endpoint's host to NO_PROXY to reach it without the proxy`;
}

/**
 * Whether the error says a setting of the run is wrong for this server or bucket, so every request would fail
 * alike: the run stops with a configuration error (exit 2).
 */
function isSettingFault(code: string, error: unknown): boolean {
  return (
    RUN_FATAL_CODES.has(code) ||
    SETTING_CODES.has(code) ||
    Object.hasOwn(CONNECTION_HINTS, code) ||
    isNotImplemented(error) ||
    // moved for good: a HEAD's answer carries no PermanentRedirect code, only its status
    httpStatusOf(error) === 301
  );
}

/** Network errors that mean no HTTP answer came back at all, in the user's words. */
const NO_ANSWER_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  // the SDK's connect timeout (connectionTimeout) and its socket timeout before any byte came back
  TimeoutError: 'connection timed out',
};

/**
 * Why a request got no HTTP answer at all (`connection refused`, `host name not found`, ...), or undefined when
 * the server answered (any HTTP status) or the request failed another way (a reset connection, say).
 */
export function describeNoAnswer(error: unknown): string | undefined {
  if (httpStatusOf(error) !== undefined) return undefined;
  const reason = NO_ANSWER_REASONS[errorCode(error)];
  // the proxy, not the endpoint, is what did not answer
  const proxy = (error as { proxy?: unknown })?.proxy;
  return reason && typeof proxy === 'string' ? `${reason} by proxy ${proxy}` : reason;
}

/** The HTTP status an SDK error was answered with; undefined when no answer came (a network error). */
export function httpStatusOf(error: unknown): number | undefined {
  return (error as SdkErrorShape)?.$metadata?.httpStatusCode;
}

/**
 * Whether an SDK error is a web page answered with a 4xx: a web server, a console or a proxy's block page where
 * an S3 API was expected (S3 answers errors in XML, or with no body at all to a HEAD).
 */
export function isWebPageAnswer(error: unknown): boolean {
  const status = httpStatusOf(error) ?? 0;
  const type = (error as SdkErrorShape)?.$response?.headers?.['content-type'] ?? '';
  return status >= 400 && status < 500 && status !== 413 && /^\s*text\/html\b/i.test(type);
}

/** A region as S3 names one in `x-amz-bucket-region`: one host-name label. */
const REGION_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The region an answer says the bucket is in, when it refused the request for being signed for another region:
 * Amazon S3 answers a 301 (or a HeadBucket's 400) with `x-amz-bucket-region`, as the SDK's own redirect reads it;
 * S3, Swift's s3api and MinIO answer a GET with `AuthorizationHeaderMalformed` naming the region in `<Region>`.
 */
export function bucketRegionOf(error: unknown): string | undefined {
  const status = httpStatusOf(error);
  if (status !== 301 && status !== 307 && status !== 400) return undefined;
  const shape = error as SdkErrorShape & { Region?: unknown };
  const named = errorCode(error) === 'AuthorizationHeaderMalformed' ? shape.Region : undefined;
  const region = (shape?.$response?.headers?.['x-amz-bucket-region'] ?? named)?.toString().trim();
  return region && REGION_NAME.test(region) ? region : undefined;
}

/** The S3 error code of an SDK or network error ('' when it has none). */
export function errorCode(error: unknown): string {
  const shape = error as SdkErrorShape;
  return shape?.code ?? shape?.name ?? '';
}

/**
 * Whether a listing's answer says the bucket may not be listed (403 AccessDenied: keys that may only write; another
 * 403, such as SignatureDoesNotMatch, is a fault to explain) or that the server does not list (405, 501).
 */
export function refusesListing(status: number | undefined, code: string): boolean {
  if (status === 403) return code === 'AccessDenied';
  return status === 405 || status === 501 || code === 'NotImplemented';
}

/** True when the server says it does not implement the request (501 NotImplemented). */
export function isNotImplemented(error: unknown): boolean {
  return errorCode(error) === 'NotImplemented' || httpStatusOf(error) === 501;
}

/**
 * True when a request naming a multipart upload, its SDK error or our wrapping of it, says the upload does not
 * exist: NoSuchUpload, or NoSuchKey / NotFound, as Ceph RGW answers ListParts of an unknown upload.
 */
export function isUploadGone(error: unknown): boolean {
  return ['NoSuchUpload', 'NoSuchKey', 'NotFound'].includes(errorCode(answerOf(error)));
}

/** {@link isUploadGone}, or the upload lacks a part its completion named (InvalidPart). */
export function isUploadMissing(error: unknown): boolean {
  return isUploadGone(error) || errorCode(answerOf(error)) === 'InvalidPart';
}

/** True when the server, or a proxy before it, refused a request for its body's size (413), wrapped or not. */
export function isBodyTooLarge(error: unknown): boolean {
  return httpStatusOf(answerOf(error)) === 413;
}

/** The server's answer behind an error: the SDK error our one-line error wraps, or the error itself. */
function answerOf(error: unknown): unknown {
  return error instanceof UploadError ? error.cause : error;
}

/**
 * True when a subresource read (`?tagging`, `?uploadId`, asked for its first byte) was answered as a GetObject of
 * the object: by a server that does not know the subresource (fauxqs). Its 2xx body, one byte of the object, does
 * not parse as the answer asked for; an empty object has no first byte (416). A body the network cut off is not
 * this: only a body read whole carries the text the parser refused.
 */
export function isForeignAnswer(error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status === 416) return true;
  const whole = typeof error === 'object' && error !== null && '$responseBodyText' in error;
  return status !== undefined && status >= 200 && status < 300 && whole;
}

/**
 * Classifies a failed S3 request once, for every caller: retry decisions never match message text.
 * Network failures, 5xx, throttling and checksum mismatches are retryable; auth failures and a
 * missing bucket stop the run; other 4xx fail only the file at hand.
 */
export function classifyS3Error(error: unknown): ErrorClass {
  // our own verdict on an answer (the server stored other bytes) says itself whether a resend can help
  if (error instanceof RemoteError) return error.retryable ? 'retryable' : 'file-fatal';
  // credentials that cannot be had (an expired session, a role refused) fail every file alike
  if (error instanceof AuthError) return 'run-fatal';
  const code = errorCode(error);
  const status = httpStatusOf(error);
  if (code === 'NoSuchUpload') return 'upload-gone';
  // asking again does not make a server implement what it lacks, nor will the next file: Swift's s3api refuses
  // tags and SSE on every write (501); the reads that may meet a 501 (tags, HEAD by part number) handle it first
  if (isSettingFault(code, error)) return 'run-fatal';
  // refused for the time it was signed at, which the next attempt takes from the server's clock (server-clock.ts)
  if (code === CLOCK_SKEW_CODE) return 'retryable';
  if (AUTH_CODES.has(code) || status === 403) return 'run-fatal';
  if (RETRYABLE_CODES.has(code) || (status !== undefined && status >= 500) || status === 429)
    return 'retryable';
  if (status === undefined && !(error instanceof UploadError)) return 'retryable';
  return 'file-fatal';
}

/**
 * Wraps an SDK error into the project's hierarchy with a one-line message:
 * `<operation> <target>: <what went wrong>; <what to do>`.
 */
export function toUploadError(error: unknown, operation: string, target: string): UploadError {
  if (error instanceof UploadError) return error;
  const code = errorCode(error);
  const status = httpStatusOf(error);
  const notImplemented = isNotImplemented(error);
  const hint = notImplemented
    ? HINTS.NotImplemented
    : (refusedArgumentHint(error) ??
      (code === 'InvalidArgument' ? refusedSettingHint(error) : undefined) ??
      unknownKmsKeyHint(code, error) ??
      proxyNoAnswerAdvice(error) ??
      HINTS[code] ??
      connectionHint(code, error) ??
      STATUS_HINTS[status ?? 0]);
  const what = `${operation} ${target}: ${describeFailure(error)}`;
  // a clock the server's Date did not correct (none came back) is this machine's to fix, not the credentials
  if (code === CLOCK_SKEW_CODE) return new ConfigError(`${what}; ${hint}`, { cause: error });
  if (AUTH_CODES.has(code) || status === 403) return new AuthError(`${what}; ${hint}`, { cause: error });
  if (isSettingFault(code, error)) return new ConfigError(`${what}; ${hint}`, { cause: error });
  const retryable = classifyS3Error(error) === 'retryable';
  return new RemoteError(`${what}${hint ? `; ${hint}` : ''}`, retryable, { cause: error });
}

/**
 * Ceph RGW answers an SSE-KMS key id its KMS does not know as an unknown access key (`InvalidAccessKeyId`, "Failed
 * to retrieve the actual key, kms-keyid: ..."): the credentials are fine, the key id is not.
 */
function unknownKmsKeyHint(code: string, error: unknown): string | undefined {
  if (code !== 'InvalidAccessKeyId' || !/kms-?key/i.test(describe(error))) return undefined;
  return 'the server knows no such KMS key; fix sse_kms_key_id / --sse-kms-key-id';
}

/** What went wrong, with the S3 code and HTTP status when there are: `not found (NoSuchKey, HTTP 404)`. */
export function describeFailure(error: unknown): string {
  const detail = describeAnswer(error);
  return `${describe(error)}${detail ? ` (${detail})` : ''}`;
}

/** The S3 code and HTTP status an error was answered with, `NotImplemented, HTTP 501`; '' when it has neither. */
export function describeAnswer(error: unknown): string {
  const code = errorCode(error);
  const status = httpStatusOf(error);
  return [NO_CODE.has(code) ? '' : code, status ? `HTTP ${status}` : ''].filter(Boolean).join(', ');
}

function describe(error: unknown): string {
  const status = httpStatusOf(error);
  // a proxy's 413 is an HTML page, which the SDK reports as an XML parse error
  if (status === 413) return 'the request body is bigger than the server, or a proxy before it, takes';
  // OpenSSL's text names its source file and line: only its reason says anything to a user
  if (errorCode(error) === 'EPROTO') {
    const proxy = proxyOf(error);
    const via = proxy ? ` to proxy ${proxy.proxy} (${proxy.variable})` : '';
    return `TLS${via} failed: ${openSslReason(error)}`;
  }
  const message = withoutHandlerWords((error as SdkErrorShape)?.message?.split('\n')[0]?.trim());
  if (message && message !== 'UnknownError' && message !== errorCode(error)) return message;
  return status === undefined ? 'request failed' : (ANSWER_WITHOUT_TEXT[status] ?? answerClass(status));
}

/**
 * The SDK's HTTP handler names itself and its setting in its timeouts (`@smithy/node-http-handler - the request
 * socket timed out after 5000 ms of inactivity (configured by client requestHandler).`): words about its code, not
 * the user's link, whose setting the hint names.
 */
function withoutHandlerWords(message: string | undefined): string | undefined {
  return message
    ?.replace(/^@smithy\/[\w-]+ - /, '')
    .replace(/ \(configured by client requestHandler\)\.?$/, '');
}

/** What an answer without a message says by its status alone (a HEAD answer has no body to carry one). */
const ANSWER_WITHOUT_TEXT: Record<number, string> = {
  301: 'moved permanently',
  403: 'access denied',
  404: 'not found',
  503: 'server busy or unavailable',
};

function answerClass(status: number): string {
  return status >= 500 ? 'server error' : 'request refused';
}

function openSslReason(error: unknown): string {
  const message = (error as SdkErrorShape)?.message ?? '';
  return /:SSL routines:[^:]*:([^:]+):/.exec(message)?.[1] ?? 'protocol error';
}

const ACCESS_HINT =
  'check that these credentials may write to the bucket and prefix, that the bucket policy accepts sse / sse_kms_key_id, tags and acl as set, that they may use the KMS key (kms:GenerateDataKey), and expected_bucket_owner';

const HINTS: Record<string, string> = {
  AccessDenied: ACCESS_HINT,
  [CUSTOMER_KEY_REFUSED]:
    'the object is stored with another SSE-C key, or without one; set sse_customer_key_file / sse_customer_key_in_keyring to the key it was uploaded with (credentials show --sse-c-key names the keyring key by its MD5)',
  [CLOCK_SKEW_CODE]:
    "this machine's clock is more than 15 minutes off the server's; set the date, time and time zone right (Windows: Settings > Time & language > Date & time > Sync now) and run again",
  'KMS.NotFoundException': 'the KMS key does not exist in this region; fix sse_kms_key_id / --sse-kms-key-id',
  'KMS.DisabledException': 'the KMS key is disabled; enable it or change sse_kms_key_id / --sse-kms-key-id',
  'KMS.KMSInvalidStateException':
    'the KMS key is pending deletion or import; change sse_kms_key_id / --sse-kms-key-id',
  'KMS.AccessDeniedException':
    'these credentials may not use the KMS key; grant kms:GenerateDataKey or change sse_kms_key_id / --sse-kms-key-id',
  'KMS.InvalidKeyUsageException': 'the KMS key is not a symmetric encryption key; change sse_kms_key_id',
  NotImplemented:
    'this server does not implement a setting of the upload (the message says which): remove it for this endpoint (tags / --tag, sse / --sse, storage_class, acl)',
  InvalidStorageClass:
    'the bucket does not offer this class; change storage_class / --storage-class (STANDARD is everywhere; Amazon S3 also has STANDARD_IA, GLACIER_IR, DEEP_ARCHIVE, ...; another server, the ones it defines)',
  InvalidArgument:
    'the server refused a setting of the request; check acl / --acl, storage_class, sse, sse_customer_key_file, tags and metadata',
  AccessControlListNotSupported:
    'the bucket has ACLs disabled (Object Ownership: bucket owner enforced); remove acl / --acl',
  InvalidEncryptionAlgorithmError:
    'the encryption is not accepted; check sse / --sse and sse_customer_key_file',
  InvalidAccessKeyId:
    'the access key is unknown to the endpoint; check where auth_mode takes it from: aws_access_key_id, AWS_ACCESS_KEY_ID, the profile or the keyring entry',
  SignatureDoesNotMatch:
    'the secret key is wrong for this access key; check where auth_mode takes it from: aws_secret_access_key, AWS_SECRET_ACCESS_KEY, the profile or the keyring entry (with the right key, a proxy on the way changed the request, or the server signs paths its own way)',
  ExpiredToken: 'the session token has expired; refresh your credentials (aws sso login) and run again',
  NoSuchBucket: 'create the bucket or fix bucket / --bucket / UPLOAD_TO_S3_BUCKET',
  PermanentRedirect: "the bucket is in another region; set region / --region to the bucket's region",
  AuthorizationHeaderMalformed:
    'the request was signed for a region the endpoint does not take; set region / --region to the one it expects',
  InvalidBucketName: 'fix bucket / --bucket / UPLOAD_TO_S3_BUCKET',
  CredentialsProviderError:
    'no credentials found; set auth_mode and keys in the config, a profile, or AWS_* variables',
  ECONNREFUSED: 'nothing answers at that endpoint; check endpoint_url / --endpoint',
  TimeoutError:
    'nothing came back in time; check the link and the endpoint, or raise socket_timeout / --socket-timeout for a slow link',
  // a server that speaks TLS on the port closes a plain HTTP request so
  ECONNRESET:
    'the server closed the connection without an answer; check endpoint_url / --endpoint (https:// for a port that serves TLS) and any proxy or firewall between',
  ProxyBadGateway:
    'the proxy could not reach the endpoint; check endpoint_url / --endpoint, or NO_PROXY for an endpoint inside the network',
  ENOTFOUND: 'the endpoint host name does not resolve; check endpoint_url / --endpoint and the network',
};

/** What the SDK names an error whose answer had no S3 error code (a proxy's HTML page, an unparsable body). */
// our own name for a refusal (CUSTOMER_KEY_REFUSED) is said in words, not as if the server had sent it
const NO_CODE: ReadonlySet<string> = new Set(['Unknown', 'UnknownError', 'Error', CUSTOMER_KEY_REFUSED]);

/** Hints for answers whose status says more than their code (a proxy's 413 has none). */
const STATUS_HINTS: Record<number, string> = {
  301: "the server sends the bucket's requests elsewhere; set region / --region to the bucket's region, or check endpoint_url / --endpoint and force_path_style",
  403: ACCESS_HINT,
  // a 404 naming no S3 error (NoSuchBucket, NoSuchKey, NoSuchUpload) came from something that does not speak S3
  404: 'the answer names no S3 error; check bucket / --bucket / UPLOAD_TO_S3_BUCKET, and that endpoint_url / --endpoint is the S3 API (address, port and path), not a web server or console',
  413: 'raise the request size limit of the server or of the proxy before it (nginx: client_max_body_size) to at least 8 MiB',
};
