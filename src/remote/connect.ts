import { isReadableByOthers, resolveCredentials } from '../auth/credentials.js';
import type { RunOptions } from '../config/run-options.js';
import type { Logger } from '../log/logger.js';
import { toUploadError } from './classify-error.js';
import { S3Store } from './s3-store.js';

/**
 * Builds the store from the run's endpoint and credentials, then proves both with one HeadBucket,
 * so wrong keys or a missing bucket are reported before anything is planned for upload.
 * @throws AuthError or ConfigError (run-fatal) with the fix in the message.
 */
export async function connectStore(
  options: RunOptions,
  log: Logger,
  signal: AbortSignal,
  onRequest?: (operation: string) => void,
): Promise<S3Store> {
  if (options.auth.mode === 'config' && options.configPath && isReadableByOthers(options.configPath)) {
    log.warn(`config ${options.configPath} holds secret keys and is readable by other users; run chmod 600 on it or use auth_mode keyring`);
  }
  const store = new S3Store({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    socketTimeoutMs: options.socketTimeoutMs,
    credentials: resolveCredentials(options.auth),
    onRequest: (operation) => {
      onRequest?.(operation);
      if (log.debugEnabled) log.debug(`request ${operation}`);
    },
  });
  try {
    await store.headBucket(options.bucket, signal);
  } catch (error) {
    store.destroy();
    throw toUploadError(error, 'open bucket', options.bucket);
  }
  log.debug(`bucket ${options.bucket} reachable at ${options.endpoint ?? `AWS ${options.region}`} (auth mode ${options.auth.mode})`);
  return store;
}
