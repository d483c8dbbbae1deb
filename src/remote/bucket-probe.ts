import http from 'node:http';
import { signHeadRequest, type SigningKeys } from './head-signature.js';
import { objectPath } from './put-object-request.js';

/** What a probe needs: a custom endpoint addressed path-style, static keys, the signing region. */
export interface ProbeTarget {
  endpoint: string;
  bucket: string;
  region: string;
  credentials: SigningKeys;
  expectedBucketOwner?: string | undefined;
  trustedCertificates?: string[] | undefined;
}

/** What a HeadObject told: the object's size, no object, or nothing to go by (refused, failed, timed out). */
export type ObjectAnswer = { sizeBytes: number } | 'missing' | 'unknown';

/** A probe that gets no answer this soon gives way to the SDK, which waits and retries as configured. */
const PROBE_TIMEOUT_MS = 3000;

interface HeadAnswer {
  status: number;
  lengthBytes: number | undefined;
}

/**
 * A signed HeadBucket at `target` and a HeadObject of each of `keys`, in parallel, without loading the SDK (about
 * 50 ms on Node 20): for a run that needs nothing else from the bucket. The objects' answers when the bucket
 * answered 200; undefined on any other answer, a network error or a timeout, never an error: the caller then
 * connects through the SDK, which retries, explains and reports as usual. Each request carries
 * `Connection: close`, leaving no socket behind.
 */
export async function probeBucket(
  target: ProbeTarget,
  keys: readonly string[],
  signal?: AbortSignal,
): Promise<ObjectAnswer[] | undefined> {
  const url = new URL(target.endpoint);
  const bucketPath = `${url.pathname.replace(/\/+$/, '')}/${encodeURIComponent(target.bucket)}`;
  // TLS takes a while to load, and most S3-compatible endpoints on a LAN speak plain HTTP
  const transport = url.protocol === 'https:' ? await import('node:https') : http;
  const head = (path: string) =>
    sendHead(transport, url, path, signedHeaders(target, url, path), {
      signal,
      ca: target.trustedCertificates,
    });
  const [bucket, ...objects] = await Promise.all([
    head(bucketPath),
    ...keys.map((key) => head(objectPath(bucketPath, key))),
  ]);
  if (bucket?.status !== 200) return undefined;
  return objects.map(objectAnswerOf);
}

function signedHeaders(target: ProbeTarget, url: URL, path: string): Record<string, string> {
  const owner = target.expectedBucketOwner;
  const headers = { host: url.host, ...(owner ? { 'x-amz-expected-bucket-owner': owner } : {}) };
  return signHeadRequest({ path, headers }, target.credentials, target.region);
}

function objectAnswerOf(answer: HeadAnswer | undefined): ObjectAnswer {
  if (answer?.status === 404) return 'missing';
  if (answer?.status !== 200 || answer.lengthBytes === undefined) return 'unknown';
  return { sizeBytes: answer.lengthBytes };
}

function sendHead(
  transport: Pick<typeof http, 'request'>,
  url: URL,
  path: string,
  headers: Record<string, string>,
  { signal, ca }: { signal: AbortSignal | undefined; ca: string[] | undefined },
): Promise<HeadAnswer | undefined> {
  return new Promise((resolve) => {
    const outgoing = transport.request({
      method: 'HEAD',
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      ...(url.port ? { port: Number(url.port) } : {}),
      path,
      headers,
      agent: false,
      timeout: PROBE_TIMEOUT_MS,
      ...(ca ? { ca } : {}),
      ...(signal ? { signal } : {}),
    });
    const settle = (answer: HeadAnswer | undefined): void => {
      resolve(answer);
      outgoing.destroy();
    };
    outgoing.once('response', (response) => {
      response.resume();
      const length = Number(response.headers['content-length']);
      settle({
        status: response.statusCode ?? 0,
        lengthBytes: Number.isSafeInteger(length) ? length : undefined,
      });
    });
    outgoing.once('timeout', () => settle(undefined));
    outgoing.once('error', () => settle(undefined));
    outgoing.end();
  });
}
