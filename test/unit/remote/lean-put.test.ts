/**
 * The lean PutObject against the SDK's: the same request (path and every header but the SDK's own bookkeeping)
 * for the same input, and, for the same answer from a scripted server, an error that classifies and reads the
 * same, and the same stored report.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  classifyS3Error,
  describeNoAnswer,
  errorCode,
  toUploadError,
} from '../../../src/remote/classify-error.js';
import { customerKeyFrom } from '../../../src/remote/object-settings.js';
import { objectPath } from '../../../src/remote/put-object-request.js';
import { parseS3ErrorBody } from '../../../src/remote/s3-error-response.js';
import { S3Store } from '../../../src/remote/s3-store.js';
import type { ObjectTarget, SignedBody } from '../../../src/remote/write-request.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface Scripted {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

let server: Server;
let endpoint: string;
let next: Scripted = { status: 200 };
const CUSTOMER_KEY = randomBytes(32);
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks),
      });
      response.writeHead(next.status, { date: new Date().toUTCString(), ...next.headers });
      response.end(next.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function store(leanPut: boolean): S3Store {
  return new S3Store({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
    requests: { expectedBucketOwner: '111122223333', customerKey: customerKeyFrom(CUSTOMER_KEY) },
    leanPut,
  });
}

const BYTES = randomBytes(5000);

function body(overrides: Partial<SignedBody> = {}): SignedBody {
  return {
    stream: BYTES,
    lengthBytes: BYTES.length,
    sha256Hex: createHash('sha256').update(BYTES).digest('hex'),
    md5Hex: createHash('md5').update(BYTES).digest('hex'),
    storeChecksum: true,
    ...overrides,
  };
}

const TARGET: ObjectTarget = {
  bucket: 'survey',
  key: "P001/gis data/läyer (1)/it's*a!file+name~%20.json",
  contentType: 'application/json',
  metadata: { 'mtime-ms': '1736920800000', sha256: 'abc', Surveyor: 'Ana Lí' },
  encryption: { sse: 'aws:kms', kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/k', bucketKey: true },
  storageClass: 'STANDARD_IA',
  tags: { project: 'P001', 'site name': 'north & south' },
  acl: 'bucket-owner-full-control',
};

/** The SDK's own headers, which carry no object setting: they differ between any two requests. */
const SDK_BOOKKEEPING = ['user-agent', 'x-amz-user-agent', 'amz-sdk-invocation-id', 'amz-sdk-request'];

async function sendBoth(target: ObjectTarget, signed: SignedBody): Promise<{ sdk: Seen; lean: Seen }> {
  next = { status: 200, headers: { etag: '"e"' } };
  const requests: Seen[] = [];
  for (const lean of [false, true]) {
    const s3 = store(lean);
    try {
      await s3.putObject(target, signed);
    } finally {
      s3.destroy();
    }
    requests.push(seen.at(-1)!);
  }
  return { sdk: requests[0]!, lean: requests[1]! };
}

function comparable(headers: IncomingHttpHeaders): Record<string, unknown> {
  const kept = Object.entries(headers).filter(([name]) => !SDK_BOOKKEEPING.includes(name));
  // the signature differs with the signed bookkeeping headers; which headers it covers must not
  const signedHeaders = (value: unknown) =>
    String(value)
      .replace(/^.*SignedHeaders=([^,]+),.*$/, '$1')
      .split(';')
      .filter((name) => !SDK_BOOKKEEPING.includes(name));
  return Object.fromEntries(
    kept.map(([name, value]) => {
      if (name === 'authorization') return [name, signedHeaders(value)];
      if (name === 'x-amz-date') return [name, 'date'];
      return [name, value];
    }),
  );
}

describe('lean PutObject request', () => {
  it('sends the path, headers and bytes the SDK sends for every object setting', async () => {
    const { sdk, lean } = await sendBoth(TARGET, body());
    expect(lean.method).toBe('PUT');
    expect(lean.url).toBe(sdk.url);
    expect(comparable(lean.headers)).toEqual(comparable(sdk.headers));
    expect(lean.body.equals(BYTES)).toBe(true);
    expect(lean.headers['x-amz-content-sha256']).toBe(body().sha256Hex);
  });

  it('signs UNSIGNED-PAYLOAD with Content-MD5 like the SDK when only the MD5 is known', async () => {
    const target: ObjectTarget = {
      bucket: 'survey',
      key: 'a/b.txt',
      contentType: 'text/plain',
      metadata: {},
    };
    const { sdk, lean } = await sendBoth(target, body({ sha256Hex: undefined, storeChecksum: false }));
    expect(comparable(lean.headers)).toEqual(comparable(sdk.headers));
    expect(lean.headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(lean.headers['content-md5']).toBe(Buffer.from(body().md5Hex!, 'hex').toString('base64'));
  });

  it('sends a CRC for the server to store like the SDK, and reads the CRC it answers', async () => {
    const crc = { name: 'CRC64NVME' as const, value: 'rosUhgp5mIg=' };
    const { sdk, lean } = await sendBoth(TARGET, body({ storeChecksum: false, crc }));
    expect(comparable(lean.headers)).toEqual(comparable(sdk.headers));
    expect(lean.headers['x-amz-checksum-crc64nvme']).toBe(crc.value);
    next = { status: 200, headers: { etag: '"e"', 'x-amz-checksum-crc64nvme': crc.value } };
    const s3 = store(true);
    const report = await s3
      .putObject(TARGET, body({ storeChecksum: false, crc }))
      .finally(() => s3.destroy());
    expect(report.crcChecksums).toEqual({ CRC64NVME: crc.value });
  });

  it('escapes each key segment once, like the SDK escapes a greedy label', () => {
    expect(objectPath('/survey', "a b/c+d/it's(1)*!~.txt")).toBe(
      '/survey/a%20b/c%2Bd/it%27s%281%29%2A%21~.txt',
    );
    expect(objectPath('/', 'k/ü%.json')).toBe('/k/%C3%BC%25.json');
    expect(objectPath('/survey/', '/lead')).toBe('/survey//lead');
  });

  it('reports what the server says it stored, like the SDK', async () => {
    next = {
      status: 200,
      headers: {
        etag: '"0123"',
        'x-amz-server-side-encryption': 'aws:kms',
        'x-amz-checksum-sha256': 'c2hh',
      },
    };
    const reports = [];
    for (const lean of [false, true]) {
      const s3 = store(lean);
      reports.push(await s3.putObject(TARGET, body()).finally(() => s3.destroy()));
    }
    expect(reports[1]).toEqual(reports[0]);
    expect(reports[1]).toEqual({ etag: '0123', encryption: 'aws:kms', checksumSha256: 'c2hh' });
  });
});

const xmlError = (code: string, message?: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code>${message ? `<Message>${message}</Message>` : ''}<RequestId>tx1</RequestId><HostId>h1</HostId></Error>`;

const ANSWERS: Array<[string, Scripted]> = [
  ['503 SlowDown', { status: 503, body: xmlError('SlowDown', 'Please reduce your request rate.') }],
  [
    '500 InternalError',
    { status: 500, body: xmlError('InternalError', 'We encountered an internal error.') },
  ],
  ['500 with an empty body', { status: 500 }],
  ['502 from a proxy, HTML', { status: 502, body: '<html><body>Bad Gateway</body></html>' }],
  [
    '400 BadDigest',
    { status: 400, body: xmlError('BadDigest', 'The Content-MD5 you specified did not match.') },
  ],
  ['400 RequestTimeout', { status: 400, body: xmlError('RequestTimeout') }],
  ['400 InvalidArgument', { status: 400, body: xmlError('InvalidArgument', 'Invalid storage class.') }],
  [
    '403 SignatureDoesNotMatch',
    { status: 403, body: xmlError('SignatureDoesNotMatch', 'The signature &amp; key') },
  ],
  ['403 AccessDenied', { status: 403, body: xmlError('AccessDenied', 'Access Denied') }],
  ['404 NoSuchBucket', { status: 404, body: xmlError('NoSuchBucket') }],
  ['404 with an empty body', { status: 404 }],
  ['301 PermanentRedirect', { status: 301, body: xmlError('PermanentRedirect', 'Use the right endpoint.') }],
  ['429 with an empty body', { status: 429 }],
  [
    '501 NotImplemented',
    { status: 501, body: xmlError('NotImplemented', 'A header you provided is not implemented.') },
  ],
];

describe('lean PutObject errors', () => {
  it.each(ANSWERS)('classifies %s exactly as the SDK path does', async (_name, answer) => {
    const outcomes = [];
    for (const lean of [false, true]) {
      next = answer;
      const s3 = store(lean);
      const error: unknown = await s3.putObject(TARGET, body()).then(
        () => undefined,
        (e: unknown) => e,
      );
      s3.destroy();
      const shaped = error as { $metadata?: { httpStatusCode?: number }; $fault?: string };
      outcomes.push({
        code: errorCode(error),
        status: shaped.$metadata?.httpStatusCode,
        fault: shaped.$fault,
        class: classifyS3Error(error),
        noAnswer: describeNoAnswer(error),
        message: toUploadError(error, 'upload', 'P001/k.json').message,
        kind: toUploadError(error, 'upload', 'P001/k.json').constructor.name,
      });
    }
    expect(outcomes[1]).toEqual(outcomes[0]);
  });

  it('fails with ECONNREFUSED, classified as no answer, when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const s3 = new S3Store({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
    });
    const error: unknown = await s3.putObject(TARGET, body()).catch((e: unknown) => e);
    s3.destroy();
    expect(errorCode(error)).toBe('ECONNREFUSED');
    expect(classifyS3Error(error)).toBe('retryable');
    expect(describeNoAnswer(error)).toBe('connection refused');
  });

  it('rejects with an AbortError when the run aborts the request', async () => {
    next = { status: 200 };
    const s3 = store(true);
    const controller = new AbortController();
    controller.abort();
    const error: unknown = await s3.putObject(TARGET, body(), controller.signal).catch((e: unknown) => e);
    s3.destroy();
    expect((error as Error).name).toBe('AbortError');
  });
});

describe('parseS3ErrorBody', () => {
  it('reads code, message and ids, decoding XML entities', () => {
    expect(parseS3ErrorBody(xmlError('SignatureDoesNotMatch', 'a &lt;b&gt; &amp; &#233;&#x41;'))).toEqual({
      code: 'SignatureDoesNotMatch',
      message: 'a <b> & éA',
      requestId: 'tx1',
      hostId: 'h1',
    });
  });

  it('gives nothing for a body that is no S3 error', () => {
    expect(parseS3ErrorBody('')).toEqual({});
    expect(parseS3ErrorBody('<html><body>Bad Gateway</body></html>')).toEqual({});
  });
});
