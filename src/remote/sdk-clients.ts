import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { CLIENT_SETTINGS } from './client-settings.js';
import { createAgents, type Agents } from './http-agents.js';
import type { LeanPutSettings } from './lean-put.js';
import { ServerClock, signWithServerClock } from './server-clock.js';

/** Where and how to reach the S3 endpoint. */
export interface EndpointSettings {
  region: string;
  endpoint?: string | undefined;
  forcePathStyle: boolean;
  /** A request whose socket stays idle this long fails (and is retried); 5 minutes by default. */
  socketTimeoutMs?: number | undefined;
  /** The agents to send through (trusted CAs, proxy tunnels; see {@link createAgents}); plain ones when not given. */
  agents?: Agents | undefined;
  credentials?: S3ClientConfig['credentials'];
}

/** The senders of one store: two SDK clients and the lean PutObject, on the same agents and one server clock. */
export interface SdkClients {
  /** With the SDK's retries, for requests without a body or with one held in full. */
  control: S3Client;
  /** One attempt per request, for those the caller retries itself: streamed bodies cannot be replayed. */
  data: S3Client;
  lean: LeanPutSettings;
}

/**
 * Without a logger the SDK prints "An error was encountered in a non-retryable streaming request." on stderr for
 * every failed PutObject or UploadPart; the engine retries those itself and reports failures in its own words.
 */
const QUIET_SDK_LOGGER = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** Makes the clients a store sends through, with the seed's timeouts, pool size and retries. */
export function createSdkClients(settings: EndpointSettings): SdkClients {
  const requestHandler = requestHandlerFor(settings);
  const lean = {
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    agents: { http: requestHandler.httpAgent, https: requestHandler.httpsAgent },
    connectionTimeoutMs: requestHandler.connectionTimeout,
    socketTimeoutMs: requestHandler.socketTimeout,
    clock: new ServerClock(),
  };
  const base = {
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    requestHandler,
    // S3-compatible servers (Ceph RGW, Swift) refuse aws-chunked bodies and flexible-checksum headers.
    requestChecksumCalculation: 'WHEN_REQUIRED' as const,
    responseChecksumValidation: 'WHEN_REQUIRED' as const,
    logger: QUIET_SDK_LOGGER,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
  };
  const control = new S3Client({
    ...base,
    maxAttempts: CLIENT_SETTINGS.maxAttempts,
    retryMode: CLIENT_SETTINGS.retryMode,
  });
  const data = new S3Client({ ...base, maxAttempts: 1 });
  for (const client of [control, data]) signWithServerClock(client, lean.clock);
  return { control, data, lean };
}

/** The agents and timeouts every request of a store goes with, the lean PutObject's included. */
function requestHandlerFor(settings: EndpointSettings): {
  httpAgent: Agents['http'];
  httpsAgent: Agents['https'];
  connectionTimeout: number;
  socketTimeout: number;
} {
  const agents =
    settings.agents ??
    createAgents({
      maxSockets: CLIENT_SETTINGS.maxSockets,
      connectTimeoutMs: CLIENT_SETTINGS.connectionTimeoutMs,
    });
  return {
    httpAgent: agents.http,
    httpsAgent: agents.https,
    connectionTimeout: CLIENT_SETTINGS.connectionTimeoutMs,
    socketTimeout: settings.socketTimeoutMs ?? CLIENT_SETTINGS.socketTimeoutMs,
  };
}
