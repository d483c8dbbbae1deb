/**
 * Telling a server's answer to another request (the object, served where a subresource was asked for) from an
 * answer cut off by the network: only a body read whole and refused by the parser is the first. And what a
 * server that does not implement a request (501) means for the run.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { exitCodeFor } from '../../../src/exit-codes.js';
import {
  bucketRegionOf,
  classifyS3Error,
  describeFailure,
  isBodyTooLarge,
  isForeignAnswer,
  isWebPageAnswer,
  toUploadError,
} from '../../../src/remote/classify-error.js';

/** An error as the SDK's deserializer leaves it: the status, and the body text when the parser refused it. */
function deserializationError(status: number, bodyText?: string): Error {
  const error = Object.assign(new Error('@aws-sdk XML parse error: unexpected content.'), {
    $metadata: { httpStatusCode: status },
  });
  if (bodyText !== undefined) Object.defineProperty(error, '$responseBodyText', { value: bodyText });
  return error;
}

describe('isForeignAnswer', () => {
  it('is true for a 200 or 206 whose whole body did not parse as the answer, and for a 416', () => {
    expect(isForeignAnswer(deserializationError(200, 'hello'))).toBe(true);
    expect(isForeignAnswer(deserializationError(206, '<'))).toBe(true);
    expect(
      isForeignAnswer(Object.assign(new Error('InvalidRange'), { $metadata: { httpStatusCode: 416 } })),
    ).toBe(true);
  });

  it('is false for a body the network cut off, and for any error status', () => {
    expect(isForeignAnswer(deserializationError(200))).toBe(false);
    expect(isForeignAnswer(deserializationError(404, '<Error>'))).toBe(false);
    expect(isForeignAnswer(deserializationError(500, 'oops'))).toBe(false);
    expect(isForeignAnswer(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(false);
    expect(isForeignAnswer(undefined)).toBe(false);
  });
});

describe('isWebPageAnswer', () => {
  const answered = (status: number, contentType?: string) =>
    Object.assign(new Error('NotFound'), {
      $metadata: { httpStatusCode: status },
      $response: { headers: contentType ? { 'content-type': contentType } : {} },
    });

  it('is true for an HTML page answered with a 4xx other than 413', () => {
    expect(isWebPageAnswer(answered(404, 'text/html;charset=utf-8'))).toBe(true);
    expect(isWebPageAnswer(answered(403, 'TEXT/HTML'))).toBe(true);
  });

  it('is false for S3 answers, a 413 page, a 5xx page and network errors', () => {
    expect(isWebPageAnswer(answered(404, 'application/xml'))).toBe(false);
    expect(isWebPageAnswer(answered(404))).toBe(false);
    expect(isWebPageAnswer(answered(413, 'text/html'))).toBe(false);
    expect(isWebPageAnswer(answered(502, 'text/html'))).toBe(false);
    expect(isWebPageAnswer(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(false);
  });
});

describe('a request the server does not implement (501)', () => {
  // as Swift's s3api answers a PutObject with tags or SSE
  const refused = Object.assign(new Error('Object tagging is not supported.'), {
    name: 'NotImplemented',
    $metadata: { httpStatusCode: 501 },
  });

  it('stops the run: the next file would ask the same', () => {
    expect(classifyS3Error(refused)).toBe('run-fatal');
  });

  it('is a configuration error (exit 2) that quotes the server and says to remove the setting', () => {
    const error = toUploadError(refused, 'upload', 'P/logs/a.txt');
    expect(error).toBeInstanceOf(ConfigError);
    expect(exitCodeFor(error)).toBe(2);
    expect(error.message).toMatch(
      /^upload P\/logs\/a\.txt: Object tagging is not supported\. \(NotImplemented, HTTP 501\); .*remove it for this endpoint/,
    );
  });
});

describe('a body refused for its size (413)', () => {
  // nginx over client_max_body_size answers an HTML page, which the SDK cannot parse
  const refused = Object.assign(new Error('@aws-sdk XML parse error: unexpected content.'), {
    name: 'Unknown',
    $metadata: { httpStatusCode: 413 },
  });

  it('is told apart, wrapped or not, and fails only the file at hand', () => {
    expect(isBodyTooLarge(refused)).toBe(true);
    expect(isBodyTooLarge(toUploadError(refused, 'upload', 'P/reels/a.mp4 part 1'))).toBe(true);
    expect(isBodyTooLarge(deserializationError(400, '<Error>'))).toBe(false);
    expect(classifyS3Error(refused)).toBe('file-fatal');
  });

  it('says what the server refused and which limit to raise, without the parser error or a made-up code', () => {
    expect(toUploadError(refused, 'upload', 'P/reels/a.mp4 part 1').message).toBe(
      'upload P/reels/a.mp4 part 1: the request body is bigger than the server, or a proxy before it, takes ' +
        '(HTTP 413); raise the request size limit of the server or of the proxy before it (nginx: ' +
        'client_max_body_size) to at least 8 MiB',
    );
  });
});

describe('a TLS failure', () => {
  /** An error as Node's TLS socket raises it: a code, no HTTP status. */
  function tlsError(code: string, message: string): Error {
    return Object.assign(new Error(message), { code });
  }

  it.each([
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate', /ca_bundle \/ --ca-bundle \/ AWS_CA_BUNDLE$/],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain', /--ca-bundle/],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unable to get local issuer certificate', /--ca-bundle/],
    ['CERT_HAS_EXPIRED', 'certificate has expired', /this machine's clock$/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames", /host name/],
  ])('%s stops the run as a configuration error (exit 2) naming what to change', (code, message, hint) => {
    const error = tlsError(code, message);
    expect(classifyS3Error(error)).toBe('run-fatal');
    const wrapped = toUploadError(error, 'open bucket', 'b');
    expect(wrapped).toBeInstanceOf(ConfigError);
    expect(exitCodeFor(wrapped)).toBe(2);
    expect(wrapped.message).toMatch(new RegExp(`^open bucket b: .*\\(${code}\\); `));
    expect(wrapped.message).toMatch(hint);
  });

  it("gives OpenSSL's reason for a wrong version number, without its source file, and the scheme to use", () => {
    const error = tlsError(
      'EPROTO',
      'write EPROTO 808C8DDE627F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:',
    );
    const wrapped = toUploadError(error, 'open bucket', 'b');
    expect(wrapped.message).toBe(
      'open bucket b: TLS failed: wrong version number (EPROTO); the endpoint does not speak TLS there; use http:// in endpoint_url / --endpoint, or the port that serves https',
    );
  });
});

describe('a connection closed without an answer', () => {
  it('is retried, and when the retries are spent says to check the scheme and what lies between', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(classifyS3Error(reset)).toBe('retryable');
    expect(toUploadError(reset, 'open bucket', 'b').message).toBe(
      'open bucket b: socket hang up (ECONNRESET); the server closed the connection without an answer; check endpoint_url / --endpoint (https:// for a port that serves TLS) and any proxy or firewall between',
    );
  });
});

describe('a socket idle past the timeout', () => {
  it("says so in the user's words and names the setting, not the SDK's handler", () => {
    const idle = Object.assign(
      new Error(
        '@smithy/node-http-handler - the request socket timed out after 5000 ms of inactivity (configured by client requestHandler).',
      ),
      { name: 'TimeoutError' },
    );
    expect(classifyS3Error(idle)).toBe('retryable');
    expect(toUploadError(idle, 'upload', 'P/a.mp4 part 1').message).toBe(
      'upload P/a.mp4 part 1: the request socket timed out after 5000 ms of inactivity (TimeoutError); nothing came back in time; check the link and the endpoint, or raise socket_timeout / --socket-timeout for a slow link',
    );
  });
});

describe('a 404 that names no S3 error', () => {
  it('says to check the bucket and that the endpoint is the S3 API', () => {
    const bare = Object.assign(new Error('NotFound'), {
      name: 'NotFound',
      $metadata: { httpStatusCode: 404 },
    });
    expect(toUploadError(bare, 'open bucket', 'b').message).toMatch(
      /^open bucket b: .*; the answer names no S3 error; check bucket \/ --bucket \/ UPLOAD_TO_S3_BUCKET, and that endpoint_url \/ --endpoint is the S3 API/,
    );
  });
});

describe('a proxy that does not answer', () => {
  it('is named with the variable to check, not the endpoint', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3128'), {
      code: 'ECONNREFUSED',
      proxy: 'http://127.0.0.1:3128',
      variable: 'HTTPS_PROXY',
    });
    expect(toUploadError(refused, 'open bucket', 'b').message).toBe(
      "open bucket b: connect ECONNREFUSED 127.0.0.1:3128 (ECONNREFUSED); check HTTPS_PROXY (the proxy's scheme, host and port) and that the proxy runs, or add the endpoint's host to NO_PROXY to reach it without the proxy",
    );
  });
});

describe('a request refused for the time it was signed at (RequestTimeTooSkewed, 403)', () => {
  const skewed = Object.assign(
    new Error('The difference between the request time and the current time is too large.'),
    { name: 'RequestTimeTooSkewed', $metadata: { httpStatusCode: 403 } },
  );

  it('is retried, as the next attempt is signed on the server clock, not taken for refused credentials', () => {
    expect(classifyS3Error(skewed)).toBe('retryable');
  });

  it('when the retries are spent, is a configuration error (exit 2) that says to set the clock', () => {
    const error = toUploadError(skewed, 'upload', 'P/logs/a.log');
    expect(error).toBeInstanceOf(ConfigError);
    expect(exitCodeFor(error)).toBe(2);
    expect(error.message).toBe(
      "upload P/logs/a.log: The difference between the request time and the current time is too large. (RequestTimeTooSkewed, HTTP 403); this machine's clock is more than 15 minutes off the server's; set the date, time and time zone right (Windows: Settings > Time & language > Date & time > Sync now) and run again",
    );
  });
});

describe('an answer without a message (a HEAD answer has no body)', () => {
  /** As the SDK leaves the error of a HEAD answer it has no model for: no S3 code, only the status. */
  function headAnswer(status: number): Error {
    return Object.assign(new Error('UnknownError'), {
      name: 'Unknown',
      $metadata: { httpStatusCode: status },
    });
  }

  it('is named by its status, not as a failed request', () => {
    expect(describeFailure(headAnswer(503))).toBe('server busy or unavailable (HTTP 503)');
    expect(describeFailure(headAnswer(500))).toBe('server error (HTTP 500)');
    expect(describeFailure(headAnswer(502))).toBe('server error (HTTP 502)');
    expect(describeFailure(headAnswer(403))).toBe('access denied (HTTP 403)');
    expect(describeFailure(headAnswer(400))).toBe('request refused (HTTP 400)');
  });

  it('keeps "request failed" for an error that had no answer at all', () => {
    expect(describeFailure(new Error('UnknownError'))).toBe('request failed');
  });
});

describe('an answer that says the bucket is in another region', () => {
  function answer(status: number, headers: Record<string, string>): Error {
    return Object.assign(new Error('UnknownError'), {
      name: 'Unknown',
      $metadata: { httpStatusCode: status },
      $response: { headers },
    });
  }

  it("names the bucket's region for a 301, 307 or 400 with x-amz-bucket-region, as Amazon S3 answers", () => {
    expect(bucketRegionOf(answer(301, { 'x-amz-bucket-region': 'eu-west-2' }))).toBe('eu-west-2');
    expect(bucketRegionOf(answer(400, { 'x-amz-bucket-region': 'ap-southeast-2' }))).toBe('ap-southeast-2');
    expect(bucketRegionOf(answer(307, { 'x-amz-bucket-region': 'us-west-1' }))).toBe('us-west-1');
  });

  it("names the region a GET's AuthorizationHeaderMalformed expects (<Region>), as Swift and MinIO answer", () => {
    const malformed = Object.assign(answer(400, {}), {
      name: 'AuthorizationHeaderMalformed',
      Region: 'us-east-1',
    });
    expect(bucketRegionOf(malformed)).toBe('us-east-1');
    expect(
      bucketRegionOf(Object.assign(answer(400, {}), { name: 'InvalidArgument', Region: 'x' })),
    ).toBeUndefined();
  });

  it('names none for other answers, a missing header, or a header that is not a region', () => {
    expect(bucketRegionOf(answer(403, { 'x-amz-bucket-region': 'eu-west-2' }))).toBeUndefined();
    expect(bucketRegionOf(answer(301, {}))).toBeUndefined();
    expect(bucketRegionOf(answer(301, { 'x-amz-bucket-region': 'eu-west-2/../x' }))).toBeUndefined();
    expect(bucketRegionOf(new Error('socket hang up'))).toBeUndefined();
  });

  it('without a region to follow, a 301 is a configuration error (exit 2) that says what to check', () => {
    const error = toUploadError(answer(301, {}), 'open bucket', 'b');
    expect(error).toBeInstanceOf(ConfigError);
    expect(exitCodeFor(error)).toBe(2);
    expect(error.message).toMatch(/^open bucket b: moved permanently \(HTTP 301\); .*region \/ --region/);
    expect(classifyS3Error(answer(301, {}))).toBe('run-fatal');
  });
});
