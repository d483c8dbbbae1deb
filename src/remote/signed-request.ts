import type http from 'node:http';
import { canonicalQuery, signBodilessRequest, type SigningKeys } from './request-signature.js';

/** Where a signed request goes and with what: a custom endpoint, its signing region and static keys. */
export interface SignedTarget {
  url: URL;
  transport: Pick<typeof http, 'request'>;
  region: string;
  credentials: SigningKeys;
  headers: Record<string, string>;
  trustedCertificates: string[] | undefined;
}

/** What came back: the status, and the body of a GET. */
export interface SignedAnswer {
  status: number;
  body: string;
}

/** A request that gets no answer this soon gives way to the SDK, which waits and retries as configured. */
const REQUEST_TIMEOUT_MS = 3000;

/** A body larger than this is no answer a probe reads (a ListObjectsV2 page of 1,000 long keys is about 1.3 MB). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * Sends one SigV4-signed bodiless request (HeadBucket, ListObjectsV2) with `Connection: close`, leaving no socket
 * behind. The answer, or undefined on a network error, a timeout, a stop or a body over 8 MiB: never an error.
 */
export function sendSigned(
  target: SignedTarget,
  request: { method: 'HEAD' | 'GET'; path: string; query?: Record<string, string> },
  signal: AbortSignal | undefined,
): Promise<SignedAnswer | undefined> {
  const { url, credentials, region } = target;
  const headers = signBodilessRequest(
    { ...request, headers: { host: url.host, ...target.headers } },
    credentials,
    region,
  );
  const query = canonicalQuery(request.query ?? {});
  return new Promise((resolve) => {
    const outgoing = target.transport.request({
      method: request.method,
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      ...(url.port ? { port: Number(url.port) } : {}),
      path: query ? `${request.path}?${query}` : request.path,
      headers,
      agent: false,
      timeout: REQUEST_TIMEOUT_MS,
      ...(target.trustedCertificates ? { ca: target.trustedCertificates } : {}),
      ...(signal ? { signal } : {}),
    });
    const settle = (answer: SignedAnswer | undefined): void => {
      resolve(answer);
      outgoing.destroy();
    };
    outgoing.once('response', (response) => readAnswer(response, settle));
    outgoing.once('timeout', () => settle(undefined));
    outgoing.once('error', () => settle(undefined));
    outgoing.end();
  });
}

function readAnswer(
  response: http.IncomingMessage,
  settle: (answer: SignedAnswer | undefined) => void,
): void {
  const chunks: Buffer[] = [];
  let bytes = 0;
  response.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > MAX_BODY_BYTES) settle(undefined);
    else chunks.push(chunk);
  });
  response.once('end', () =>
    settle({
      status: response.statusCode ?? 0,
      body: Buffer.concat(chunks).toString('utf8'),
    }),
  );
  response.once('error', () => settle(undefined));
}
