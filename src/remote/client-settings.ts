/**
 * The seed's client settings (`get_boto_config`): adaptive retries with 12 attempts,
 * 20 s connect and 5 min socket timeouts, a pool of 50 connections.
 */
export const CLIENT_SETTINGS = {
  maxAttempts: 12,
  retryMode: 'adaptive',
  connectionTimeoutMs: 20_000,
  socketTimeoutMs: 300_000,
  maxSockets: 50,
} as const;
