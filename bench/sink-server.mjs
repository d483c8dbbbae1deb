#!/usr/bin/env node
/**
 * A minimal S3-ish HTTP endpoint that discards every body: `npm run bench -- --sink` points the clients here
 * instead of at Ceph RGW, so what is measured is the clients alone (reading, hashing, signing, HTTP), not the
 * server. It checks no signature and stores no data.
 *
 *   node bench/sink-server.mjs [--port N]      stdout: SINK=http://127.0.0.1:PORT
 *
 * It answers just enough for uploaders to succeed, path-style: HeadBucket and CreateBucket 200, ListObjects(V2)
 * of what it was sent (keys, sizes, ETags), ListMultipartUploads empty, PutObject and UploadPart with the MD5 of
 * the body as ETag (rclone and our tool compare it), CreateMultipartUpload with an UploadId, CompleteMultipartUpload with the
 * multipart ETag, HeadObject with the size of what was "stored" (404 otherwise), deletes 204.
 * `GET /__sink/stats` returns `{ requests, bodyBytes, byOperation, buckets: { name: { objects, bytes } } }`.
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';

const objects = new Map(); // bucket → Map(key → { sizeBytes, etag, headers })
const uploads = new Map(); // uploadId → { headers, parts: Map(partNumber → { md5, sizeBytes }) }
const stats = { requests: 0, bodyBytes: 0, byOperation: {} };

const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  handle(req, res).catch((error) => {
    if (!res.headersSent) res.writeHead(500);
    res.end(String(error));
  });
});
const portIndex = process.argv.indexOf('--port');
server.listen(portIndex > 0 ? Number(process.argv[portIndex + 1]) : 0, '127.0.0.1', () => {
  console.log(`SINK=http://127.0.0.1:${server.address().port}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));

async function handle(req, res) {
  const url = new URL(req.url ?? '/', 'http://sink');
  if (url.pathname === '/__sink/stats')
    return reply(res, 200, JSON.stringify(summarise()), 'application/json');
  const [bucket = '', ...keyParts] = url.pathname.slice(1).split('/');
  const key = decodeURIComponent(keyParts.join('/'));
  const q = url.searchParams;
  const { md5, sizeBytes } = await drain(req);
  const operation = route(req.method, key !== '', q);
  stats.requests += 1;
  if (req.method === 'PUT') stats.bodyBytes += sizeBytes;
  stats.byOperation[operation] = (stats.byOperation[operation] ?? 0) + 1;
  return HANDLERS[operation]({ req, res, bucket, key, q, md5, sizeBytes });
}

function route(method, hasKey, q) {
  if (!hasKey) {
    if (method === 'GET')
      return q.has('uploads')
        ? 'ListMultipartUploads'
        : q.has('location')
          ? 'GetBucketLocation'
          : 'ListObjects';
    if (method === 'POST' && q.has('delete')) return 'DeleteObjects';
    return method === 'HEAD' ? 'HeadBucket' : method === 'PUT' ? 'CreateBucket' : 'OtherBucket';
  }
  if (method === 'PUT') return q.has('uploadId') ? 'UploadPart' : 'PutObject';
  if (method === 'POST') return q.has('uploads') ? 'CreateMultipartUpload' : 'CompleteMultipartUpload';
  if (method === 'GET') return q.has('uploadId') ? 'ListParts' : 'GetObject';
  if (method === 'HEAD') return 'HeadObject';
  return q.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
}

const HANDLERS = {
  HeadBucket: ({ res }) => reply(res, 200),
  CreateBucket: ({ res }) => reply(res, 200),
  OtherBucket: ({ res }) => reply(res, 204),
  GetBucketLocation: ({ res }) => reply(res, 200, xml('LocationConstraint', '')),
  ListObjects: ({ res, bucket, q }) => reply(res, 200, listResult(bucket, q)),
  ListMultipartUploads: ({ res, bucket }) =>
    reply(res, 200, xml('ListMultipartUploadsResult', `<Bucket>${bucket}</Bucket>`)),
  DeleteObjects: ({ res }) => reply(res, 200, xml('DeleteResult', '')),
  PutObject: ({ req, res, bucket, key, md5, sizeBytes }) => {
    const etag = md5.toString('hex');
    store(bucket, key, { sizeBytes, etag, headers: metadataOf(req) });
    return reply(res, 200, '', undefined, { ETag: `"${etag}"` });
  },
  CreateMultipartUpload: ({ req, res, bucket, key }) => {
    const uploadId = randomUUID();
    uploads.set(uploadId, { headers: metadataOf(req), parts: new Map() });
    const body = `<Bucket>${bucket}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${uploadId}</UploadId>`;
    return reply(res, 200, xml('InitiateMultipartUploadResult', body));
  },
  UploadPart: ({ res, q, md5, sizeBytes }) => {
    uploads.get(q.get('uploadId'))?.parts.set(Number(q.get('partNumber')), { md5, sizeBytes });
    return reply(res, 200, '', undefined, { ETag: `"${md5.toString('hex')}"` });
  },
  CompleteMultipartUpload: ({ res, bucket, key, q }) => completeUpload(res, bucket, key, q.get('uploadId')),
  ListParts: ({ res, q }) => reply(res, 200, listPartsResult(q.get('uploadId'))),
  AbortMultipartUpload: ({ res, q }) => {
    uploads.delete(q.get('uploadId'));
    return reply(res, 204);
  },
  HeadObject: ({ res, bucket, key }) => headObject(res, bucket, key),
  GetObject: ({ res }) => reply(res, 404, xml('Error', '<Code>NoSuchKey</Code>')),
  DeleteObject: ({ res, bucket, key }) => {
    objects.get(bucket)?.delete(key);
    return reply(res, 204);
  },
};

function completeUpload(res, bucket, key, uploadId) {
  const upload = uploads.get(uploadId);
  if (!upload) return reply(res, 404, xml('Error', '<Code>NoSuchUpload</Code>'));
  const parts = [...upload.parts.entries()].sort(([a], [b]) => a - b).map(([, part]) => part);
  const combined = createHash('md5');
  for (const part of parts) combined.update(part.md5);
  const etag = `${combined.digest('hex')}-${parts.length}`;
  const sizeBytes = parts.reduce((sum, part) => sum + part.sizeBytes, 0);
  store(bucket, key, { sizeBytes, etag, headers: upload.headers });
  uploads.delete(uploadId);
  const body = `<Bucket>${bucket}</Bucket><Key>${escapeXml(key)}</Key><ETag>"${etag}"</ETag>`;
  return reply(res, 200, xml('CompleteMultipartUploadResult', body));
}

function headObject(res, bucket, key) {
  const object = objects.get(bucket)?.get(key);
  if (!object) return reply(res, 404);
  res.writeHead(200, {
    ...object.headers,
    'Content-Length': object.sizeBytes,
    ETag: `"${object.etag}"`,
    'Last-Modified': new Date().toUTCString(),
  });
  return res.end();
}

/**
 * The objects "stored" under `prefix`, in key order, up to `max-keys` (1,000) a page: a V2 listing goes on from
 * its continuation token (the last key listed), a V1 listing from `marker`. Keys URL-escaped with
 * `encoding-type=url`, as S3 does.
 */
function listResult(bucket, q) {
  const v2 = q.get('list-type') === '2';
  const prefix = q.get('prefix') ?? '';
  const after = (v2 ? (q.get('continuation-token') ?? q.get('start-after')) : q.get('marker')) ?? '';
  const maxKeys = Math.min(Number(q.get('max-keys') ?? 1000), 1000);
  const keys = [...(objects.get(bucket)?.keys() ?? [])]
    .filter((key) => key.startsWith(prefix) && key > after)
    .sort();
  const page = keys.slice(0, maxKeys);
  const truncated = keys.length > page.length;
  const urlEncoded = q.get('encoding-type') === 'url';
  const name = (key) => (urlEncoded ? encodeURIComponent(key).replace(/%2F/g, '/') : escapeXml(key));
  const contents = page.map((key) => {
    const object = objects.get(bucket).get(key);
    return `<Contents><Key>${name(key)}</Key><LastModified>${new Date().toISOString()}</LastModified><ETag>&quot;${object.etag}&quot;</ETag><Size>${object.sizeBytes}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
  });
  const next = !truncated
    ? ''
    : v2
      ? `<NextContinuationToken>${escapeXml(page.at(-1))}</NextContinuationToken>`
      : `<NextMarker>${name(page.at(-1))}</NextMarker>`;
  return xml(
    'ListBucketResult',
    `<Name>${bucket}</Name><Prefix>${escapeXml(prefix)}</Prefix>${v2 ? `<KeyCount>${page.length}</KeyCount>` : ''}` +
      `${urlEncoded ? '<EncodingType>url</EncodingType>' : ''}<IsTruncated>${truncated}</IsTruncated>${next}${contents.join('')}`,
  );
}

function listPartsResult(uploadId) {
  const parts = [...(uploads.get(uploadId)?.parts.entries() ?? [])].map(
    ([n, p]) =>
      `<Part><PartNumber>${n}</PartNumber><ETag>"${p.md5.toString('hex')}"</ETag><Size>${p.sizeBytes}</Size></Part>`,
  );
  return xml(
    'ListPartsResult',
    `<UploadId>${uploadId}</UploadId><IsTruncated>false</IsTruncated>${parts.join('')}`,
  );
}

/** Reads and discards the request body, hashing it with MD5 on the way (the ETag S3 would give it). */
async function drain(req) {
  const md5 = createHash('md5');
  let sizeBytes = 0;
  for await (const chunk of req) {
    md5.update(chunk);
    sizeBytes += chunk.length;
  }
  return { md5: md5.digest(), sizeBytes };
}

function store(bucket, key, object) {
  if (!objects.has(bucket)) objects.set(bucket, new Map());
  objects.get(bucket).set(key, object);
}

function metadataOf(req) {
  const kept = Object.entries(req.headers).filter(
    ([name]) => name.startsWith('x-amz-meta-') || name === 'content-type',
  );
  return Object.fromEntries(kept);
}

function summarise() {
  const buckets = {};
  for (const [bucket, keys] of objects) {
    let bytes = 0;
    for (const object of keys.values()) bytes += object.sizeBytes;
    buckets[bucket] = { objects: keys.size, bytes };
  }
  return { ...stats, buckets };
}

function reply(res, status, body = '', contentType = 'application/xml', headers = {}) {
  res.writeHead(status, {
    'x-amz-request-id': 'sink',
    ...(body ? { 'Content-Type': contentType } : {}),
    ...headers,
  });
  res.end(body);
}

function xml(root, inner) {
  return `<?xml version="1.0" encoding="UTF-8"?><${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</${root}>`;
}

function escapeXml(text) {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
