import { createHash, randomBytes } from 'node:crypto';
import { Agent, createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { awsKmsEtag, resignRequest, wrongEtag } from '../support/etag-rewrite.js';
import {
  classifyS3Request,
  startFaultProxy,
  type FaultProxy,
  type S3Operation,
} from '../support/fault-proxy.js';

// ---------------------------------------------------------------------------------------------
// tiny upstream that records what it receives

interface Received {
  method: string;
  url: string;
  rawHeaders: string[];
  body: Buffer;
  sha256: string;
  complete: boolean;
}

const PART_ETAG = '0123456789abcdef0123456789abcdef';

let upstream: Server;
let upstreamPort = 0;
let received: Received[] = [];

/** Page 1 or 2 of a listing of P/: two keys each, truncated, with a continuation token. */
function listingPage(page: number): string {
  const keys = page === 1 ? ['P/a', 'P/b'] : ['P/c', 'P/d'];
  const contents = keys.map((key) => `<Contents><Key>${key}</Key><Size>1</Size><ETag>"e"</ETag></Contents>`);
  return (
    '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>bkt</Name><Prefix>P/</Prefix>' +
    `<KeyCount>2</KeyCount><IsTruncated>true</IsTruncated><NextContinuationToken>token-${page}</NextContinuationToken>` +
    `${contents.join('')}</ListBucketResult>`
  );
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    const rec: Received = {
      method: req.method ?? '',
      url: req.url ?? '',
      rawHeaders: req.rawHeaders,
      body: Buffer.alloc(0),
      sha256: '',
      complete: false,
    };
    received.push(rec);
    req.on('error', () => {});
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      rec.body = Buffer.concat(chunks);
      rec.sha256 = sha256(rec.body);
      rec.complete = true;
      const url = rec.url;
      if (url.includes('forbidden')) {
        res.writeHead(403, { 'Content-Type': 'application/xml' });
        res.end('<Error><Code>AccessDenied</Code></Error>');
        return;
      }
      if (url.includes('big-response')) {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': 1000 });
        res.end(Buffer.alloc(1000, 0x61));
        return;
      }
      if (url.includes('xml-etags')) {
        const xml = `<ListPartsResult><Part><PartNumber>1</PartNumber><ETag>&quot;${PART_ETAG}&quot;</ETag></Part><Part><PartNumber>2</PartNumber><ETag>"${PART_ETAG}-2"</ETag></Part></ListPartsResult>`;
        res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(xml) });
        res.end(xml);
        return;
      }
      if (url.includes('list-type=2')) {
        const query = new URLSearchParams(url.split('?')[1]);
        const xml = listingPage(query.has('start-after') || query.has('continuation-token') ? 2 : 1);
        res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(xml) });
        res.end(xml);
        return;
      }
      if (url.includes('encrypted')) {
        res.writeHead(200, {
          ETag: `"${PART_ETAG}"`,
          'x-amz-server-side-encryption': 'AES256',
          'Content-Length': 0,
        });
        res.end();
        return;
      }
      if (url.includes('chunked-response')) {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        res.write(Buffer.alloc(500, 0x62));
        res.end(Buffer.alloc(500, 0x62));
        return;
      }
      if (req.method === 'PUT' || req.method === 'HEAD') {
        res.writeHead(200, {
          ETag: `"${rec.sha256.slice(0, 32)}"`,
          'X-Upstream': 'yes',
          'Content-Length': 0,
        });
        res.end();
        return;
      }
      const body = JSON.stringify({ bytes: rec.body.length, sha256: rec.sha256 });
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Upstream': 'yes' });
      res.end(body);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamPort = (upstream.address() as AddressInfo).port;
});

afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

// ---------------------------------------------------------------------------------------------
// client helper (node http with keep-alive, like the AWS SDK's NodeHttpHandler)

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  reusedSocket: boolean;
}

let agent: Agent;
let proxy: FaultProxy | undefined;
const extraProxies: FaultProxy[] = [];

beforeEach(() => {
  received = [];
  agent = new Agent({ keepAlive: true, maxSockets: 1 });
});

afterEach(async () => {
  agent.destroy();
  await proxy?.close();
  proxy = undefined;
  await Promise.all(extraProxies.splice(0).map((p) => p.close()));
});

async function start(opts: Partial<Parameters<typeof startFaultProxy>[0]> = {}): Promise<FaultProxy> {
  const p = await startFaultProxy({ target: `http://127.0.0.1:${upstreamPort}`, ...opts });
  if (proxy) extraProxies.push(p);
  else proxy = p;
  return p;
}

function send(
  p: FaultProxy,
  method: string,
  path: string,
  body?: Buffer | Buffer[],
  extraHeaders: string[] = [],
  useAgent: Agent = agent,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const chunked = Array.isArray(body);
    const headers = [
      'Host',
      `127.0.0.1:${p.port}`,
      ...extraHeaders,
      ...(body !== undefined && !chunked ? ['Content-Length', String(body.length)] : []),
      ...(chunked ? ['Transfer-Encoding', 'chunked'] : []),
    ];
    const req = request(
      { host: '127.0.0.1', port: p.port, method, path, headers, agent: useAgent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          if (!res.complete) {
            reject(new Error('response aborted'));
            return;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            reusedSocket: req.reusedSocket,
          });
        });
      },
    );
    req.on('error', reject);
    if (Array.isArray(body)) {
      for (const b of body) req.write(b);
      req.end();
    } else {
      req.end(body);
    }
  });
}

/** raw header list without the hop-by-hop Connection header */
function withoutConnection(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() !== 'connection') out.push(raw[i] ?? '', raw[i + 1] ?? '');
  }
  return out;
}

function diffOffsets(a: Buffer, b: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('classifyS3Request', () => {
  const table: Array<[string, string, S3Operation, Record<string, unknown>]> = [
    [
      'PUT',
      '/bkt/a/b.bin?partNumber=3&uploadId=xyz&x-id=UploadPart',
      'UploadPart',
      {
        bucket: 'bkt',
        key: 'a/b.bin',
        partNumber: 3,
        uploadId: 'xyz',
      },
    ],
    ['POST', '/bkt/dir/file%20name.seg?uploads', 'CreateMultipartUpload', { key: 'dir/file name.seg' }],
    ['POST', '/bkt/k?uploadId=u1', 'CompleteMultipartUpload', { uploadId: 'u1' }],
    ['DELETE', '/bkt/k?uploadId=u1&x-id=AbortMultipartUpload', 'AbortMultipartUpload', { uploadId: 'u1' }],
    ['GET', '/bkt/k?uploadId=u1&max-parts=1000', 'ListParts', { key: 'k' }],
    ['GET', '/bkt?list-type=2&prefix=proj%2F', 'ListObjectsV2', { bucket: 'bkt', key: undefined }],
    ['GET', '/bkt/?list-type=2', 'ListObjectsV2', { bucket: 'bkt', key: undefined }],
    ['GET', '/bkt?uploads&prefix=x', 'ListMultipartUploads', { bucket: 'bkt' }],
    ['HEAD', '/bkt/k%2Bplus+literal', 'HeadObject', { key: 'k+plus+literal' }],
    ['head', '/bkt', 'HeadBucket', { bucket: 'bkt', key: undefined }],
    ['PUT', '/bkt/k?x-id=PutObject', 'PutObject', { key: 'k', partNumber: undefined }],
    ['PUT', '/bkt/%E2%9C%93%20%C3%A9', 'PutObject', { key: '✓ é' }],
    ['GET', '/bkt/k?x-id=GetObject', 'GetObject', { key: 'k' }],
    ['GET', '/', 'Other', { bucket: undefined }],
    ['GET', '/bkt?location', 'Other', {}],
    ['PUT', '/bkt/k?tagging', 'Other', {}],
    ['DELETE', '/bkt/k?x-id=DeleteObject', 'Other', {}],
    ['POST', '/bkt?delete', 'Other', {}],
    ['GET', '/bkt/%zz-bad-escape', 'GetObject', { key: '%zz-bad-escape' }],
  ];
  it.each(table)('%s %s -> %s', (method, url, operation, fields) => {
    const info = classifyS3Request(method, url);
    expect(info.operation).toBe(operation);
    for (const [k, v] of Object.entries(fields)) expect(info[k as keyof typeof info]).toEqual(v);
  });

  it('tells copies (x-amz-copy-source) from uploads: no bytes are sent for them', () => {
    expect(classifyS3Request('PUT', '/bkt/k?x-id=CopyObject', true).operation).toBe('CopyObject');
    expect(classifyS3Request('PUT', '/bkt/k?partNumber=2&uploadId=u1', true).operation).toBe(
      'UploadPartCopy',
    );
    expect(classifyS3Request('PUT', '/bkt/k?x-id=PutObject', false).operation).toBe('PutObject');
  });
});

describe('fault proxy forwarding and counting', () => {
  it('rejects non-loopback targets', async () => {
    await expect(startFaultProxy({ target: 'http://example.com:80' })).rejects.toThrow(/127\.0\.0\.1/);
  });

  it('forwards method, path, query, headers (Host included) and body bytes exactly', async () => {
    const p = await start();
    const body = randomBytes(3 * 1024 * 1024 + 17);
    const path = '/bkt/dir/some%20key.bin?partNumber=2&uploadId=U%2B1&x-id=UploadPart';
    const extra = ['X-Amz-Date', '20250101T000000Z', 'x-amz-meta-CaSe', 'v1', 'x-amz-meta-case', 'v2'];
    const r = await send(p, 'PUT', path, body, extra);
    expect(r.status).toBe(200);
    expect(r.headers['x-upstream']).toBe('yes');
    expect(r.headers.etag).toBe(`"${sha256(body).slice(0, 32)}"`);

    expect(received).toHaveLength(1);
    const got = received[0]!;
    expect(got.method).toBe('PUT');
    expect(got.url).toBe(path);
    expect(got.sha256).toBe(sha256(body));
    expect(got.body.equals(body)).toBe(true);
    expect(withoutConnection(got.rawHeaders)).toEqual([
      'Host',
      `127.0.0.1:${p.port}`,
      ...extra,
      'Content-Length',
      String(body.length),
    ]);
    // Host header exactly as the client sent it (it is part of the SigV4 signature)
    expect(got.rawHeaders[0]).toBe('Host');
    expect(got.rawHeaders[1]).toBe(`127.0.0.1:${p.port}`);
  });

  it('forwards chunked bodies, bodiless POSTs and GET responses; reuses connections', async () => {
    const p = await start();
    const parts = [randomBytes(1000), randomBytes(70_000), randomBytes(5)];
    const r1 = await send(p, 'PUT', '/bkt/chunky', parts);
    expect(r1.status).toBe(200);
    expect(received[0]!.body.equals(Buffer.concat(parts))).toBe(true);

    const r2 = await send(p, 'POST', '/bkt/k?uploads');
    expect(r2.status).toBe(200);
    expect(JSON.parse(r2.body.toString())).toEqual({ bytes: 0, sha256: sha256(Buffer.alloc(0)) });
    expect(r2.reusedSocket).toBe(true);

    const r3 = await send(p, 'GET', '/bkt/big-response');
    expect(r3.body.equals(Buffer.alloc(1000, 0x61))).toBe(true);
    const r4 = await send(p, 'HEAD', '/bkt/k');
    expect(r4.status).toBe(200);
    expect(r4.reusedSocket).toBe(true);
  });

  it('handles Expect: 100-continue', async () => {
    const p = await start();
    const body = randomBytes(10_000);
    const r = await send(p, 'PUT', '/bkt/k?x-id=PutObject', body, ['Expect', '100-continue']);
    expect(r.status).toBe(200);
    expect(received[0]!.sha256).toBe(sha256(body));
  });

  it('counts requests, body bytes per operation and accepted bytes', async () => {
    const p = await start();
    const a = randomBytes(1234);
    const b = randomBytes(4321);
    const c = randomBytes(999);
    await send(p, 'POST', '/bkt/k?uploads');
    await send(p, 'PUT', '/bkt/k?partNumber=1&uploadId=u', a);
    await send(p, 'PUT', '/bkt/k?partNumber=2&uploadId=u', b);
    await send(p, 'PUT', '/bkt/forbidden?x-id=PutObject', c); // upstream answers 403
    await send(p, 'POST', '/bkt/k?uploadId=u', Buffer.from('<CompleteMultipartUpload/>'));
    await send(p, 'GET', '/bkt?list-type=2');

    const s = p.stats();
    expect(s.requests).toBe(6);
    expect(s.byOperation).toEqual({
      CreateMultipartUpload: 1,
      UploadPart: 2,
      PutObject: 1,
      CompleteMultipartUpload: 1,
      ListObjectsV2: 1,
    });
    expect(s.requestBodyBytes).toBe(1234 + 4321 + 999 + 26);
    expect(s.bodyBytesByOperation.UploadPart).toBe(1234 + 4321);
    expect(s.bodyBytesByOperation.PutObject).toBe(999);
    expect(s.bodyBytesByOperation.CompleteMultipartUpload).toBe(26);
    expect(s.bodyBytesByOperation.ListObjectsV2).toBe(0);
    expect(s.acceptedBodyBytes).toBe(1234 + 4321);
    expect(s.faultsInjected).toBe(0);
    expect(s.log.map((e) => [e.method, e.operation, e.status, e.bodyBytes])).toEqual([
      ['POST', 'CreateMultipartUpload', 200, 0],
      ['PUT', 'UploadPart', 200, 1234],
      ['PUT', 'UploadPart', 200, 4321],
      ['PUT', 'PutObject', 403, 999],
      ['POST', 'CompleteMultipartUpload', 200, 26],
      ['GET', 'ListObjectsV2', 200, 0],
    ]);

    // snapshot is a copy
    s.log.length = 0;
    expect(p.stats().log).toHaveLength(6);
    p.resetStats();
    expect(p.stats()).toEqual({
      requests: 0,
      byOperation: {},
      requestBodyBytes: 0,
      bodyBytesByOperation: {},
      acceptedBodyBytes: 0,
      faultsInjected: 0,
      log: [],
    });
  });
});

describe('fault rules', () => {
  it('slowdown-503 with times=2 fails twice, then passes; body consumed, connection reused', async () => {
    const p = await start({
      rules: [{ match: { operation: 'UploadPart' }, action: 'slowdown-503', times: 2 }],
    });
    const body = randomBytes(200_000);
    const path = '/bkt/k?partNumber=1&uploadId=u';
    const r1 = await send(p, 'PUT', path, body);
    const r2 = await send(p, 'PUT', path, body);
    const r3 = await send(p, 'PUT', path, body);
    for (const r of [r1, r2]) {
      expect(r.status).toBe(503);
      expect(r.headers['content-type']).toBe('application/xml');
      expect(r.body.toString()).toContain(
        '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>fault</RequestId></Error>',
      );
    }
    expect(r2.reusedSocket).toBe(true);
    expect(r3.status).toBe(200);
    expect(r3.reusedSocket).toBe(true);
    expect(received).toHaveLength(1);
    expect(received[0]!.sha256).toBe(sha256(body));
    const s = p.stats();
    expect(s.faultsInjected).toBe(2);
    expect(s.requestBodyBytes).toBe(3 * body.length);
    expect(s.acceptedBodyBytes).toBe(body.length);
    expect(s.log.map((e) => [e.status, e.fault])).toEqual([
      [503, 'slowdown-503'],
      [503, 'slowdown-503'],
      [200, undefined],
    ]);
  });

  it('status-500 / request-timeout-400 respect match, after and times; HEAD gets no body', async () => {
    const p = await start({
      rules: [
        { match: { method: 'put', keyIncludes: 'reel' }, action: 'status-500', after: 1 },
        { match: { operation: 'HeadObject' }, action: 'request-timeout-400', times: Infinity },
      ],
    });
    expect((await send(p, 'PUT', '/bkt/other', Buffer.from('x'))).status).toBe(200);
    expect((await send(p, 'PUT', '/bkt/reel-1.segy', Buffer.from('x'))).status).toBe(200); // skipped (after)
    const r = await send(p, 'PUT', '/bkt/reel-1.segy', Buffer.from('x'));
    expect(r.status).toBe(500);
    expect(r.body.toString()).toContain('<Code>InternalError</Code>');
    expect((await send(p, 'PUT', '/bkt/reel-1.segy', Buffer.from('x'))).status).toBe(200); // times exhausted
    for (let i = 0; i < 3; i++) {
      const h = await send(p, 'HEAD', '/bkt/k');
      expect(h.status).toBe(400);
      expect(h.body.length).toBe(0);
    }
    expect(p.stats().faultsInjected).toBe(4);
    expect(received.filter((x) => x.method === 'HEAD')).toHaveLength(0);

    p.setRules([]);
    expect((await send(p, 'HEAD', '/bkt/k')).status).toBe(200);
  });

  it('flip-byte changes exactly one byte (content-length and chunked bodies)', async () => {
    const p = await start({ rules: [{ match: { operation: 'UploadPart' }, action: 'flip-byte', times: 2 }] });
    const body = randomBytes(1024 * 1024);
    await send(p, 'HEAD', '/bkt/k'); // bodiless: does not consume the rule
    await send(p, 'PUT', '/bkt/k?partNumber=1&uploadId=u', body);
    const parts = [randomBytes(30_000), randomBytes(30_000)];
    await send(p, 'PUT', '/bkt/k?partNumber=2&uploadId=u', parts);
    await send(p, 'PUT', '/bkt/k?partNumber=3&uploadId=u', body);

    const puts = received.filter((x) => x.method === 'PUT');
    expect(puts).toHaveLength(3);
    const log = p.stats().log.filter((e) => e.method === 'PUT');
    for (const [i, original] of [body, Buffer.concat(parts)].entries()) {
      const seen = puts[i]!.body;
      expect(seen.length).toBe(original.length);
      const diffs = diffOffsets(seen, original);
      expect(diffs).toHaveLength(1);
      const at = diffs[0]!;
      expect(seen[at]).toBe(original[at]! ^ 0xff);
      expect(log[i]!.fault).toBe('flip-byte');
      expect(log[i]!.flipOffset).toBe(at);
    }
    expect(puts[2]!.body.equals(body)).toBe(true);
    expect(log[2]!.fault).toBeUndefined();
  });

  it('seeded runs reproduce the same flip offsets', async () => {
    const body = randomBytes(1024 * 1024);
    const offsets = async (seed: number): Promise<number[]> => {
      const p = await start({ seed, rules: [{ action: 'flip-byte', times: Infinity, probability: 0.5 }] });
      for (let i = 0; i < 8; i++)
        await send(p, 'PUT', `/bkt/k${i}`, body, [], new Agent({ keepAlive: false }));
      return p.stats().log.map((e) => e.flipOffset ?? -1);
    };
    const a = await offsets(1234);
    const b = await offsets(1234);
    const c = await offsets(99);
    expect(a).toEqual(b);
    expect(a.some((o) => o >= 0)).toBe(true);
    expect(a.some((o) => o === -1)).toBe(true); // probability 0.5: some requests were spared
    expect(c).not.toEqual(a);
  });

  it('reset-mid-body makes the client request fail and the upstream never gets a full body', async () => {
    const p = await start({ rules: [{ match: { operation: 'PutObject' }, action: 'reset-mid-body' }] });
    const body = randomBytes(8 * 1024 * 1024);
    const err = await send(p, 'PUT', '/bkt/k', body).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(['ECONNRESET', 'EPIPE']).toContain(err?.code);
    // give the upstream a moment to notice the aborted request
    await new Promise((r) => setTimeout(r, 100));
    expect(received.every((x) => !x.complete)).toBe(true);
    const entry = p.stats().log[0]!;
    expect(entry.fault).toBe('reset-mid-body');
    expect(entry.status).toBeNull();
    expect(entry.bodyBytes).toBeGreaterThanOrEqual(body.length / 2);
    expect(p.stats().acceptedBodyBytes).toBe(0);

    // the proxy keeps working; small bodies are reset too
    const small = await send(p, 'PUT', '/bkt/k2', Buffer.from('hello'), [], new Agent()).then(
      (r) => r.status,
      (e: NodeJS.ErrnoException) => e.code,
    );
    expect(small).toBe(200); // times=1 exhausted
    p.setRules([{ action: 'reset-mid-body' }]);
    const code = await send(p, 'PUT', '/bkt/k3', Buffer.from('hello'), [], new Agent()).then(
      () => 'ok',
      (e: NodeJS.ErrnoException) => e.code,
    );
    expect(['ECONNRESET', 'EPIPE']).toContain(code);
  });

  it('truncate-response cuts the body in half / drops body-less responses', async () => {
    const p = await start({ rules: [{ action: 'truncate-response', times: Infinity }] });
    await expect(send(p, 'GET', '/bkt/big-response', undefined, [], new Agent())).rejects.toThrow();
    await expect(send(p, 'GET', '/bkt/chunked-response', undefined, [], new Agent())).rejects.toThrow();
    await expect(
      send(p, 'PUT', '/bkt/k?partNumber=1&uploadId=u', Buffer.from('data'), [], new Agent()),
    ).rejects.toThrow();
    const s = p.stats();
    expect(s.log.map((e) => [e.status, e.fault])).toEqual([
      [200, 'truncate-response'],
      [200, 'truncate-response'],
      [200, 'truncate-response'],
    ]);
    // the upstream did store the part: it counts as accepted
    expect(s.acceptedBodyBytes).toBe(4);
    expect(received).toHaveLength(3);
  });

  it('delay postpones forwarding', async () => {
    const p = await start({ rules: [{ action: 'delay', delayMs: 300 }] });
    const t0 = Date.now();
    const r = await send(p, 'GET', '/bkt/k');
    expect(r.status).toBe(200);
    // a lower bound only: a busy machine makes a request slower, never faster
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    await send(p, 'GET', '/bkt/k');
    // the rule's one use is spent: the second request is forwarded without a fault
    expect(p.stats().log.map((e) => e.fault)).toEqual(['delay', undefined]);
  });

  it('stall never answers; close() ends the stalled request', async () => {
    const p = await start({ rules: [{ match: { operation: 'UploadPart' }, action: 'stall' }] });
    const pending = send(p, 'PUT', '/bkt/k?partNumber=1&uploadId=u', randomBytes(100_000)).then(
      () => 'answered',
      () => 'failed',
    );
    const race = await Promise.race([pending, new Promise((r) => setTimeout(() => r('still pending'), 300))]);
    expect(race).toBe('still pending');
    expect(p.stats().log[0]!.bodyBytes).toBe(100_000);
    await p.close();
    expect(await pending).toBe('failed');
    expect(received).toHaveLength(0);
    await p.close(); // idempotent
  });

  it('answers 502 when the upstream is unreachable', async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadPort = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const p = await start({ target: `http://127.0.0.1:${deadPort}` });
    const r = await send(p, 'GET', '/bkt/k');
    expect(r.status).toBe(502);
    expect(p.stats().log[0]!.error).toMatch(/ECONNREFUSED/);
  });

  it('validates rules', async () => {
    const p = await start();
    expect(() => p.setRules([{ action: 'explode' as never }])).toThrow(/unknown action/);
    expect(() => p.setRules([{ action: 'delay', probability: 2 }])).toThrow(/probability/);
  });
});

type SignedRequest = { url: string; rawHeaders: string[]; body: Buffer };

/**
 * A request as the SDK signs it, captured before it would go out: headers, target and body. The clock is frozen
 * so two captures share their x-amz-date.
 */
async function signedRequest(
  send: (client: S3Client) => Promise<unknown>,
  endpoint = 'http://127.0.0.1:9',
): Promise<SignedRequest> {
  let captured: SignedRequest | undefined;
  const client = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret/key+example' },
    requestHandler: {
      handle: (request: {
        path: string;
        query?: Record<string, string>;
        headers: Record<string, string>;
        body?: string;
      }) => {
        const query = new URLSearchParams(request.query ?? {}).toString();
        captured = {
          url: `${request.path}${query ? `?${query}` : ''}`,
          rawHeaders: Object.entries(request.headers).flat(),
          body: Buffer.from(request.body ?? ''),
        };
        return Promise.reject(new Error('captured'));
      },
    },
  });
  // the SDK signs a random invocation id: fixed, so that two captures differ only by their bodies
  client.middlewareStack.addRelativeTo(
    (next: (args: { request: { headers: Record<string, string> } }) => Promise<unknown>) =>
      (args: { request: { headers: Record<string, string> } }) => {
        args.request.headers['amz-sdk-invocation-id'] = 'fixed-invocation-id';
        return next(args);
      },
    { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'fixedInvocationId' },
  );
  await send(client).catch(() => {});
  client.destroy();
  return captured!;
}

/** A CompleteMultipartUpload naming `etags`, as the SDK signs it. */
function signedComplete(etags: string[], endpoint?: string): Promise<SignedRequest> {
  const command = new CompleteMultipartUploadCommand({
    Bucket: 'bkt',
    Key: 'reels/R 1.mp4',
    UploadId: 'upload-1',
    MultipartUpload: { Parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) },
  });
  return signedRequest((client) => client.send(command), endpoint);
}

function header(raw: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]?.toLowerCase() === name) return raw[i + 1];
  return undefined;
}

describe('ETag rewriting', () => {
  const real = ['"0cc175b9c0f1b6a831c399e269772661"', '"92eb5ffee6ae2fec3ad71c777531578f"'];

  it('derives opaque AWS-style ETags that map back to the real ones and keep a -N suffix', () => {
    const fake = awsKmsEtag(real[0]!);
    expect(fake).toMatch(/^"[0-9a-f]{32}"$/);
    expect(fake).not.toBe(real[0]);
    expect(awsKmsEtag(fake)).toBe(real[0]);
    expect(awsKmsEtag(`${PART_ETAG}-12`)).toMatch(/^[0-9a-f]{32}-12$/);
    expect(wrongEtag(real[0]!)).toBe(`"${createHash('md5').update(real[0]!.slice(1, -1)).digest('hex')}"`);
  });

  it('signs a rewritten body again exactly as the SDK signs that body', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2026-11-30T12:00:00Z'));
      const masked = await signedComplete(real.map(awsKmsEtag));
      const restored = await signedComplete(real);
      const headers = resignRequest({
        method: 'POST',
        url: masked.url,
        rawHeaders: masked.rawHeaders,
        originalBody: masked.body,
        body: restored.body,
        secretAccessKey: 'secret/key+example',
      });
      expect(header(headers!, 'authorization')).toBe(header(restored.rawHeaders, 'authorization'));
      expect(header(headers!, 'x-amz-content-sha256')).toBe(
        header(restored.rawHeaders, 'x-amz-content-sha256'),
      );
      // a wrong secret cannot reproduce the client's signature: no re-signing then
      expect(
        resignRequest({
          ...{ method: 'POST', url: masked.url, rawHeaders: masked.rawHeaders },
          originalBody: masked.body,
          body: restored.body,
          secretAccessKey: 'wrong',
        }),
      ).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('aws-kms style: masks ETag headers and XML ETags, adds SSE-KMS to object answers without one', async () => {
    const p = await start({ etags: 'aws-kms', secretAccessKey: 'x' });
    const body = randomBytes(1000);
    const put = await send(p, 'PUT', '/bkt/k?partNumber=1&uploadId=u', body);
    expect(put.headers.etag).toBe(awsKmsEtag(`"${sha256(body).slice(0, 32)}"`));
    expect(put.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    const kept = await send(p, 'HEAD', '/bkt/encrypted');
    expect(kept.headers['x-amz-server-side-encryption']).toBe('AES256');
    const list = await send(p, 'GET', '/bkt/xml-etags?uploadId=u');
    expect(list.body.toString()).toBe(
      `<ListPartsResult><Part><PartNumber>1</PartNumber><ETag>&quot;${awsKmsEtag(PART_ETAG)}&quot;</ETag></Part><Part><PartNumber>2</PartNumber><ETag>"${awsKmsEtag(`${PART_ETAG}-2`)}"</ETag></Part></ListPartsResult>`,
    );
    expect(list.headers['x-amz-server-side-encryption']).toBeUndefined(); // not an object answer
    p.setEtagStyle('as-is');
    expect((await send(p, 'GET', '/bkt/xml-etags?uploadId=u')).body.toString()).toContain(PART_ETAG);
  });

  it('aws-kms style: gives the server the real ETags in a Complete body, signed again', async () => {
    const p = await start({ etags: 'aws-kms', secretAccessKey: 'secret/key+example' });
    vi.useFakeTimers({ toFake: ['Date'] });
    let masked: Awaited<ReturnType<typeof signedComplete>>;
    let restored: Awaited<ReturnType<typeof signedComplete>>;
    try {
      vi.setSystemTime(new Date('2026-11-30T12:00:00Z'));
      masked = await signedComplete(real.map(awsKmsEtag), p.endpoint);
      restored = await signedComplete(real, p.endpoint);
    } finally {
      vi.useRealTimers();
    }
    const headers = masked.rawHeaders.filter(
      (_, i, all) => !/^(host|content-length)$/i.test(all[i - (i % 2)]!),
    );
    await send(p, 'POST', masked.url, masked.body, headers);
    const got = received.at(-1)!;
    expect(got.body.equals(restored.body)).toBe(true);
    expect(header(got.rawHeaders, 'authorization')).toBe(header(restored.rawHeaders, 'authorization'));
    expect(p.stats().log.at(-1)!.error).toBeUndefined();
  });

  it('wrong-etag answers another valid MD5 for the matched request only', async () => {
    const p = await start({ rules: [{ match: { operation: 'PutObject' }, action: 'wrong-etag' }] });
    const body = randomBytes(1000);
    const realEtag = `"${sha256(body).slice(0, 32)}"`;
    expect((await send(p, 'PUT', '/bkt/k', body)).headers.etag).toBe(wrongEtag(realEtag));
    expect((await send(p, 'PUT', '/bkt/k', body)).headers.etag).toBe(realEtag);
  });
});

/** The request a signed capture stands for, as `send` takes it (it sets Host and Content-Length itself). */
function sendable(signed: SignedRequest): string[] {
  return signed.rawHeaders.filter((_, i, all) => !/^(host|content-length)$/i.test(all[i - (i % 2)]!));
}

/** Runs `capture` with the clock frozen, so that the requests it signs share their x-amz-date. */
async function signedTogether<T>(capture: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    vi.setSystemTime(new Date('2026-11-30T12:00:00Z'));
    return await capture();
  } finally {
    vi.useRealTimers();
  }
}

const SECRET = 'secret/key+example';

describe('listing faults', () => {
  const listing = (endpoint: string, maxKeys?: number) =>
    signedRequest(
      (client) =>
        client.send(
          new ListObjectsV2Command({ Bucket: 'bkt', Prefix: 'P/', ...(maxKeys ? { MaxKeys: maxKeys } : {}) }),
        ),
      endpoint,
    );

  it('drop-continuation-token asks for maxKeys keys, signed as the SDK signs that, and answers no token', async () => {
    const p = await start({
      secretAccessKey: SECRET,
      rules: [{ match: { operation: 'ListObjectsV2' }, action: 'drop-continuation-token', maxKeys: 2 }],
    });
    const [asked, small] = await signedTogether(() =>
      Promise.all([listing(p.endpoint), listing(p.endpoint, 2)]),
    );
    const reply = await send(p, 'GET', asked.url, undefined, sendable(asked));
    const forwarded = received.at(-1)!;
    expect(new URLSearchParams(forwarded.url.split('?')[1]).get('max-keys')).toBe('2');
    expect(header(forwarded.rawHeaders, 'authorization')).toBe(header(small.rawHeaders, 'authorization'));
    const page = reply.body.toString();
    expect(page).toBe(listingPage(1).replace('<NextContinuationToken>token-1</NextContinuationToken>', ''));
    expect(reply.headers['content-length']).toBe(String(reply.body.length));
    expect(p.stats().log.map((e) => [e.fault, e.error])).toEqual([['drop-continuation-token', undefined]]);
    // a listing no rule hits goes on as the server answered it, token and all
    const next = await send(p, 'GET', '/bkt?list-type=2&prefix=P%2F&continuation-token=token-1');
    expect(next.body.toString()).toBe(listingPage(2));
  });

  it('repeat-listing-page answers the page passed on last without asking the server', async () => {
    const p = await start({
      rules: [{ match: { operation: 'ListObjectsV2' }, action: 'repeat-listing-page', times: Infinity }],
    });
    // no page passed on yet: forwarded
    expect((await send(p, 'GET', '/bkt?list-type=2&start-after=P%2Fb')).body.toString()).toBe(listingPage(2));
    const first = await send(p, 'GET', '/bkt?list-type=2&prefix=P%2F');
    expect([first.status, first.body.toString()]).toEqual([200, listingPage(2)]);
    expect(received).toHaveLength(1);
    expect(p.stats().log.map((e) => e.fault)).toEqual(['repeat-listing-page', 'repeat-listing-page']);
  });
});

describe('ignore-copy-source', () => {
  const copy = (endpoint: string, source?: string) =>
    signedRequest(
      (client) =>
        client.send(
          new CopyObjectCommand({
            Bucket: 'bkt',
            Key: 'reels/R 1.mp4',
            MetadataDirective: 'REPLACE',
            StorageClass: 'COLD',
            CopySourceIfMatch: '"e"',
            ...(source ? { CopySource: source } : {}),
          }),
        ),
      endpoint,
    );

  it('signs a copy again without x-amz-copy-source exactly as the SDK signs it without one', async () => {
    const [withSource, without] = await signedTogether(() =>
      Promise.all([copy('http://127.0.0.1:9', 'bkt/reels/R%201.mp4'), copy('http://127.0.0.1:9')]),
    );
    expect(header(withSource.rawHeaders, 'authorization')).toMatch(/SignedHeaders=[^,]*x-amz-copy-source;/);
    const headers = resignRequest({
      method: 'PUT',
      url: withSource.url,
      rawHeaders: withSource.rawHeaders,
      originalBody: withSource.body,
      body: withSource.body,
      dropHeaders: ['X-Amz-Copy-Source'],
      secretAccessKey: SECRET,
    });
    expect(header(headers!, 'x-amz-copy-source')).toBeUndefined();
    expect(header(headers!, 'x-amz-copy-source-if-match')).toBe('"e"');
    expect(header(headers!, 'authorization')).toBe(header(without.rawHeaders, 'authorization'));
  });

  it('forwards a CopyObject as a PutObject of its empty body, signed without the copy source', async () => {
    const p = await start({
      secretAccessKey: SECRET,
      rules: [{ match: { operation: 'CopyObject' }, action: 'ignore-copy-source' }],
    });
    const [withSource, without] = await signedTogether(() =>
      Promise.all([copy(p.endpoint, 'bkt/reels/R%201.mp4'), copy(p.endpoint)]),
    );
    // node frames this bodiless PUT as chunked: it must go on framed by Content-Length alone
    const reply = await send(p, 'PUT', withSource.url, undefined, sendable(withSource));
    expect(reply.status).toBe(200);
    const forwarded = received.at(-1)!;
    expect(header(forwarded.rawHeaders, 'transfer-encoding')).toBeUndefined();
    expect(header(forwarded.rawHeaders, 'content-length')).toBe('0');
    expect(header(forwarded.rawHeaders, 'x-amz-copy-source')).toBeUndefined();
    expect(header(forwarded.rawHeaders, 'authorization')).toBe(header(without.rawHeaders, 'authorization'));
    expect(forwarded.body).toHaveLength(0);
    expect(p.stats().log.map((e) => [e.operation, e.fault, e.error])).toEqual([
      ['CopyObject', 'ignore-copy-source', undefined],
    ]);
  });
});

describe('hold', () => {
  it('keeps matching requests from the server until released', async () => {
    const p = await start({
      rules: [{ match: { operation: 'UploadPart' }, action: 'hold', after: 1, times: Infinity }],
    });
    const body = randomBytes(1000);
    expect((await send(p, 'PUT', '/bkt/k?partNumber=1&uploadId=u', body)).status).toBe(200);
    const held = send(p, 'PUT', '/bkt/k?partNumber=2&uploadId=u', body, [], new Agent());
    while (p.held() < 1) await new Promise((r) => setTimeout(r, 10));
    expect(received).toHaveLength(1);
    expect((await send(p, 'HEAD', '/bkt/k')).status).toBe(200); // other requests pass
    expect(p.release()).toBe(1);
    expect((await held).status).toBe(200);
    expect(received.filter((r) => r.method === 'PUT')).toHaveLength(2);
    expect(p.held()).toBe(0);
    expect(p.stats().log.filter((e) => e.fault === 'hold')).toHaveLength(1);
  });
});

describe('hold-answer, and faults that wait for an answer to another operation', () => {
  it('keeps the answer of a request the server has done until released', async () => {
    const p = await start({
      rules: [{ match: { operation: 'CreateMultipartUpload' }, action: 'hold-answer' }],
    });
    const answered = send(p, 'POST', '/bkt/k?uploads', undefined, [], new Agent());
    while (p.held() < 1) await new Promise((r) => setTimeout(r, 10));
    expect(received.map((r) => r.method)).toEqual(['POST']);
    expect(p.release()).toBe(1);
    expect((await answered).status).toBe(200);
    expect(p.held()).toBe(0);
  });

  it('answers a refusal only once the other request was answered, and holds that answer until then', async () => {
    const p = await start({
      rules: [
        { match: { operation: 'PutObject' }, action: 'status-500', until: 'CreateMultipartUpload' },
        { match: { operation: 'CreateMultipartUpload' }, action: 'hold-answer', until: 'PutObject' },
      ],
    });
    let refusedStatus = 0;
    const refused = send(p, 'PUT', '/bkt/small', randomBytes(10), [], new Agent()).then((reply) => {
      refusedStatus = reply.status;
    });
    while (p.stats().log.length < 1) await new Promise((r) => setTimeout(r, 10));
    // no CreateMultipartUpload has been answered: the refusal is still waiting
    expect(refusedStatus).toBe(0);
    const created = send(p, 'POST', '/bkt/big?uploads', undefined, [], new Agent());
    await refused;
    expect(refusedStatus).toBe(500);
    expect((await created).status).toBe(200);
    expect(received.map((r) => r.method)).toEqual(['POST']);
    expect(p.held()).toBe(0);
  });
});
