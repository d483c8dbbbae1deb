import http from 'node:http';
import { signHeadRequest, type SigningKeys } from './head-signature.js';

/** What a probe needs: a custom endpoint addressed path-style, static keys, the signing region. */
export interface ProbeTarget {
  endpoint: string;
  bucket: string;
  region: string;
  credentials: SigningKeys;
  expectedBucketOwner?: string | undefined;
  trustedCertificates?: string[] | undefined;
}

/** A probe that gets no answer this soon gives way to the SDK, which waits and retries as configured. */
const PROBE_TIMEOUT_MS = 3000;

/**
 * Whether a signed HeadBucket at `target` is answered 200: for a run that needs nothing else from the bucket, so
 * that it proves the endpoint, keys and bucket without loading the SDK (about 50 ms on Node 20). Any other answer,
 * a network error or a timeout gives false, never an error: the caller then connects through the SDK, which
 * retries, explains and reports as usual. The request carries `Connection: close`, leaving no socket behind.
 */
export async function bucketAnswers(target: ProbeTarget, signal?: AbortSignal): Promise<boolean> {
  const url = new URL(target.endpoint);
  const path = `${url.pathname.replace(/\/+$/, '')}/${encodeURIComponent(target.bucket)}`;
  const headers = signHeadRequest(
    {
      path,
      headers: {
        host: url.host,
        ...(target.expectedBucketOwner ? { 'x-amz-expected-bucket-owner': target.expectedBucketOwner } : {}),
      },
    },
    target.credentials,
    target.region,
  );
  // TLS takes a while to load, and most S3-compatible endpoints on a LAN speak plain HTTP
  const transport = url.protocol === 'https:' ? await import('node:https') : http;
  return headAnswersOk(transport, url, path, headers, signal, target.trustedCertificates);
}

function headAnswersOk(
  transport: Pick<typeof http, 'request'>,
  url: URL,
  path: string,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
  ca: string[] | undefined,
): Promise<boolean> {
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
    const settle = (ok: boolean): void => {
      resolve(ok);
      outgoing.destroy();
    };
    outgoing.once('response', (response) => {
      response.resume();
      settle(response.statusCode === 200);
    });
    outgoing.once('timeout', () => settle(false));
    outgoing.once('error', () => settle(false));
    outgoing.end();
  });
}
