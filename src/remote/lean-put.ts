import http from 'node:http';
import https from 'node:https';
import type { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { objectPath } from './put-object-request.js';
import { parseS3ErrorBody, S3ErrorResponse } from './s3-error-response.js';
import type { ServerClock } from './server-clock.js';

/** What a PutObject answer says it stored, in S3's response field names. */
export interface PutAnswer {
  ETag?: string;
  ServerSideEncryption?: string;
  SSECustomerAlgorithm?: string;
  ChecksumSHA256?: string;
  ChecksumCRC32?: string;
  ChecksumCRC32C?: string;
  ChecksumCRC64NVME?: string;
}

/** The connection settings the SDK's clients use too. */
export interface LeanPutSettings {
  region: string;
  endpoint?: string | undefined;
  forcePathStyle: boolean;
  agents: { http: http.Agent; https: https.Agent };
  connectionTimeoutMs: number;
  socketTimeoutMs: number;
  /** The server's time as every sender of the store knows it. */
  clock: ServerClock;
}

type SignerOptions = ConstructorParameters<typeof SignatureV4>[0];

/** An error body longer than this is not S3's: only its start is read. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Network errors the SDK's HTTP handler renames TimeoutError (their `code` stays, and classifies them). */
const NETWORK_TIMEOUT_CODES = ['ECONNRESET', 'EPIPE', 'ETIMEDOUT'];

/**
 * PutObject of a body held in memory, without the SDK's per-command middleware stack: the bucket's URL comes
 * from the SDK's own endpoint rules once per bucket, the request is signed with the SDK's SigV4 signer (the
 * payload hash header we set is what it signs, so the server verifies the body), and sent through the same
 * keep-alive agent. An error answer becomes an {@link S3ErrorResponse}, shaped like the SDK's, and a network
 * failure, timeout or abort rejects with the same error names the SDK's HTTP handler uses.
 */
export class LeanPut {
  private constructor(
    private readonly baseUrl: URL,
    private readonly signer: SignatureV4,
    private readonly settings: LeanPutSettings,
  ) {}

  /**
   * The lean sender for `bucket` with `client`'s credentials, or undefined when the endpoint rules ask for
   * anything but plain SigV4 at a fixed URL (S3 Express, access point ARNs, SigV4a): those stay with the SDK.
   */
  static async forBucket(
    client: S3Client,
    bucket: string,
    settings: LeanPutSettings,
  ): Promise<LeanPut | undefined> {
    if (bucket.startsWith('arn:')) return undefined;
    const config = client.config;
    const endpoint = config.endpointProvider({
      Bucket: bucket,
      Region: settings.region,
      UseFIPS: await config.useFipsEndpoint(),
      UseDualStack: await config.useDualstackEndpoint(),
      ForcePathStyle: settings.forcePathStyle,
      Accelerate: false,
      ...(settings.endpoint ? { Endpoint: settings.endpoint } : {}),
    });
    const scheme = (endpoint.properties?.authSchemes as SigningScheme[] | undefined)?.[0];
    const extraHeaders = Object.keys(endpoint.headers ?? {}).length > 0;
    if (scheme?.name !== 'sigv4' || extraHeaders || endpoint.url.search) return undefined;
    const signer = new SignatureV4({
      service: scheme.signingName ?? 's3',
      region: scheme.signingRegion ?? settings.region,
      credentials: config.credentials as SignerOptions['credentials'],
      sha256: config.sha256,
      // S3 signs the path as sent: each key segment is escaped once, never twice
      uriEscapePath: false,
      applyChecksum: false,
    });
    return new LeanPut(new URL(endpoint.url.href), signer, settings);
  }

  /**
   * Sends one PutObject of `body` under `key` with `headers` (see `putObjectHeaders`), signed now.
   * @throws S3ErrorResponse for an error answer; the network error, TimeoutError or AbortError otherwise.
   */
  async put(
    key: string,
    headers: Record<string, string>,
    body: Buffer,
    signal?: AbortSignal,
  ): Promise<PutAnswer> {
    const url = this.baseUrl;
    const request = {
      method: 'PUT',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: objectPath(url.pathname, key),
      // the SDK names the operation in the query (signed like the rest): both paths send the same request
      query: { 'x-id': 'PutObject' },
      headers: { ...headers, host: url.host },
    };
    const signed = await this.signer.sign(request, { signingDate: this.settings.clock.now() });
    const answer = await exchange(request, signed.headers, body, this.settings, signal);
    this.settings.clock.follow(answer.headers.date);
    if (answer.statusCode < 200 || answer.statusCode >= 300) throw errorOf(answer);
    return answerOf(answer.headers);
  }
}

interface SigningScheme {
  name?: string;
  signingName?: string;
  signingRegion?: string;
}

interface Answer {
  statusCode: number;
  headers: http.IncomingHttpHeaders;
  /** The body of an error answer; empty for a success. */
  text: string;
}

function answerOf(headers: http.IncomingHttpHeaders): PutAnswer {
  const fields: Array<[keyof PutAnswer, string]> = [
    ['ETag', 'etag'],
    ['ServerSideEncryption', 'x-amz-server-side-encryption'],
    ['SSECustomerAlgorithm', 'x-amz-server-side-encryption-customer-algorithm'],
    ['ChecksumSHA256', 'x-amz-checksum-sha256'],
    ['ChecksumCRC32', 'x-amz-checksum-crc32'],
    ['ChecksumCRC32C', 'x-amz-checksum-crc32c'],
    ['ChecksumCRC64NVME', 'x-amz-checksum-crc64nvme'],
  ];
  const answer: PutAnswer = {};
  for (const [field, header] of fields) {
    const value = headers[header];
    if (typeof value === 'string') answer[field] = value;
  }
  return answer;
}

function errorOf(answer: Answer): S3ErrorResponse {
  const requestId = answer.headers['x-amz-request-id'];
  const hostId = answer.headers['x-amz-id-2'];
  return new S3ErrorResponse(answer.statusCode, parseS3ErrorBody(answer.text), {
    ...(typeof requestId === 'string' ? { requestId } : {}),
    ...(typeof hostId === 'string' ? { hostId } : {}),
  });
}

/** Sends one request and reads its answer; rejects with the SDK handler's error names on timeouts and aborts. */
function exchange(
  request: { protocol: string; hostname: string; port?: number; path: string },
  headers: Record<string, string>,
  body: Buffer,
  settings: LeanPutSettings,
  signal: AbortSignal | undefined,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const secure = request.protocol === 'https:';
    const outgoing = (secure ? https : http).request({
      method: 'PUT',
      // an IPv6 literal comes bracketed in a URL and bare to the socket
      host: request.hostname.replace(/^\[(.*)\]$/, '$1'),
      ...(request.port ? { port: request.port } : {}),
      path: `${request.path}?x-id=PutObject`,
      headers,
      agent: secure ? settings.agents.https : settings.agents.http,
    });
    let settled = false;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      outgoing.destroy();
      reject(error as Error);
    };
    const onAbort = (): void => fail(abortError(signal));
    signal?.addEventListener('abort', onAbort, { once: true });
    outgoing.on('error', (error: NodeJS.ErrnoException) =>
      fail(
        NETWORK_TIMEOUT_CODES.includes(error.code ?? '')
          ? Object.assign(error, { name: 'TimeoutError' })
          : error,
      ),
    );
    watchTimeouts(outgoing, settings, fail);
    outgoing.on('response', (response) => {
      readAnswer(response).then((answer) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        resolve(answer);
      }, fail);
    });
    outgoing.end(body);
  });
}

/** A connection that does not open in time, or a socket idle too long, fails with a TimeoutError. */
function watchTimeouts(
  outgoing: http.ClientRequest,
  settings: LeanPutSettings,
  fail: (error: unknown) => void,
): void {
  outgoing.setTimeout(settings.socketTimeoutMs, () =>
    fail(timeoutError(`the request socket timed out after ${settings.socketTimeoutMs} ms of inactivity`)),
  );
  outgoing.once('socket', (socket) => {
    if (!socket.connecting) return;
    const timer = setTimeout(
      () => fail(timeoutError(`no connection to the server within ${settings.connectionTimeoutMs} ms`)),
      settings.connectionTimeoutMs,
    );
    socket.once('connect', () => clearTimeout(timer));
    outgoing.once('close', () => clearTimeout(timer));
  });
}

/** The answer's status and headers; the body only for an error (a success's is drained so the socket is reused). */
function readAnswer(response: http.IncomingMessage): Promise<Answer> {
  const statusCode = response.statusCode ?? 0;
  const isError = statusCode < 200 || statusCode >= 300;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let lengthBytes = 0;
    response.on('data', (chunk: Buffer) => {
      if (!isError || lengthBytes >= MAX_ERROR_BODY_BYTES) return;
      chunks.push(chunk);
      lengthBytes += chunk.length;
    });
    response.once('error', reject);
    response.once('end', () =>
      resolve({ statusCode, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }),
    );
  });
}

function timeoutError(message: string): Error {
  return Object.assign(new Error(message), { name: 'TimeoutError' });
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  const text = typeof reason === 'string' ? reason : 'Request aborted';
  const error = new Error(text);
  error.name = 'AbortError';
  if (reason instanceof Error) error.cause = reason;
  return error;
}
