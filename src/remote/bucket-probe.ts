import http from 'node:http';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';

/** What a probe needs: a custom endpoint addressed path-style, static keys, the signing region. */
export interface ProbeTarget {
  endpoint: string;
  bucket: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  expectedBucketOwner?: string | undefined;
}

/** A probe that gets no answer this soon gives way to the SDK, which waits and retries as configured. */
const PROBE_TIMEOUT_MS = 3000;
/** SHA-256 of an empty payload, signed as `x-amz-content-sha256`. */
const EMPTY_PAYLOAD_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * Whether a signed HeadBucket at `target` is answered 200: for a run that needs nothing else from the bucket, so
 * that it proves the endpoint, keys and bucket without loading the SDK (about 50 ms on Node 20). Any other answer,
 * a network error or a timeout gives false, never an error: the caller then connects through the SDK, which
 * retries, explains and reports as usual. The request carries `Connection: close`, leaving no socket behind.
 */
export async function bucketAnswers(target: ProbeTarget, signal?: AbortSignal): Promise<boolean> {
  const url = new URL(target.endpoint);
  const request = {
    method: 'HEAD',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: `${url.pathname.replace(/\/+$/, '')}/${encodeURIComponent(target.bucket)}`,
    query: {},
    headers: {
      host: url.host,
      'x-amz-content-sha256': EMPTY_PAYLOAD_SHA256,
      ...(target.expectedBucketOwner ? { 'x-amz-expected-bucket-owner': target.expectedBucketOwner } : {}),
    },
  };
  const signer = new SignatureV4({
    service: 's3',
    region: target.region,
    credentials: target.credentials,
    // the hash the SDK's own clients give this signer
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const signed = await signer.sign(request);
  // TLS takes a while to load, and most S3-compatible endpoints on a LAN speak plain HTTP
  const transport = url.protocol === 'https:' ? await import('node:https') : http;
  return headAnswersOk(transport, url, request.path, signed.headers, signal);
}

function headAnswersOk(
  transport: Pick<typeof http, 'request'>,
  url: URL,
  path: string,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
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
