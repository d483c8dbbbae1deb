import { hostname } from 'node:os';
import { ConfigError, LockedError } from './errors.js';
import {
  describeHolder,
  formatLockHolder,
  judgeLease,
  LOCK_LEASE_MS,
  LOCK_REFRESH_MS,
  newLockHolder,
  parseLockHolder,
  type LockHolder,
} from './lock-holder.js';
import { keepLease, type RefreshOutcome } from './lock-lease.js';
import { errorCode, toUploadError } from './remote/classify-error.js';
import type { RunLock } from './run-lock.js';

/** The conditional requests the bucket lock needs; the store's {@link OwnObjects} provides them. */
export interface BucketLockStore {
  createObjectIfAbsent(bucket: string, key: string, text: string): Promise<string | undefined>;
  replaceObjectIfMatch(bucket: string, key: string, text: string, etag: string): Promise<string | undefined>;
  readObjectText(bucket: string, key: string): Promise<{ text: string; etag: string } | undefined>;
  deleteObject(bucket: string, key: string): Promise<void>;
  /** The server's time: two machines whose clocks differ judge a lease alike on it. */
  serverNow(): Date;
}

export interface BucketLockOptions {
  onLost?: (error: LockedError) => void;
  now?: () => number;
  refreshMs?: number;
  leaseMs?: number;
  host?: string;
  pid?: number;
}

/** The lock object of a project: `{prefix}{project}/.upload-to-s3.lock`. */
export function bucketLockKey(prefix: string, projectKey: string): string {
  return `${prefix}${projectKey}/.upload-to-s3.lock`;
}

/**
 * The project's lock object when `bucket_lock` / `--bucket-lock` asks for one, else undefined.
 * @throws as {@link acquireBucketLock}.
 */
export async function lockBucketIfAsked(
  store: BucketLockStore,
  options: { bucketLock: boolean; bucket: string; prefix: string; projectKey: string },
  onLost?: (error: LockedError) => void,
): Promise<RunLock | undefined> {
  if (!options.bucketLock) return undefined;
  const key = bucketLockKey(options.prefix, options.projectKey);
  return acquireBucketLock(store, options.bucket, key, onLost ? { onLost } : {});
}

/**
 * Takes the lock object `key` in `bucket`, for two machines uploading one project with their own state
 * folders. Created with `If-None-Match: *`; a holder silent past the lease is replaced with `If-Match` on
 * the ETag read. Kept refreshed until released; released only while it still holds our token.
 * @throws LockedError naming the holder while it refreshes within the lease; ConfigError when the server
 * ignores conditional PUTs (naming `bucket_lock`); the S3 failure as an UploadError.
 */
export async function acquireBucketLock(
  store: BucketLockStore,
  bucket: string,
  key: string,
  options: BucketLockOptions = {},
): Promise<RunLock> {
  const where = `s3://${bucket}/${key}`;
  try {
    return await takeBucketLock(store, bucket, key, options);
  } catch (error) {
    if (error instanceof LockedError || error instanceof ConfigError) throw error;
    if (isConditionRejected(error)) throw unsupportedError(where);
    throw toUploadError(error, 'bucket lock', where);
  }
}

async function takeBucketLock(
  store: BucketLockStore,
  bucket: string,
  key: string,
  options: BucketLockOptions,
): Promise<RunLock> {
  const now = clockOf(store, options);
  const host = options.host ?? hostname();
  const mine = newLockHolder({ host, pid: options.pid ?? process.pid, processStartMs: undefined }, now());
  const text = formatLockHolder(mine, 'object');
  const where = `s3://${bucket}/${key}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    const created = await store.createObjectIfAbsent(bucket, key, text);
    if (created !== undefined) {
      await proveConditionalPut(store, bucket, key, text);
      return holdBucketLock(store, { bucket, key }, mine, options);
    }
    const found = await store.readObjectText(bucket, key);
    if (found === undefined) continue;
    const holder = parseLockHolder(found.text, host);
    // our own create, retried by the SDK after its answer was lost, meets itself
    if (holder?.token === mine.token) return holdBucketLock(store, { bucket, key }, mine, options);
    const leaseMs = options.leaseMs ?? LOCK_LEASE_MS;
    if (holder && judgeLease(holder, now(), leaseMs).state === 'live') {
      // the object may be shared by machines of one name (CI runners, containers): its pid proves nothing here
      throw new LockedError(
        `bucket lock ${where}: another upload of this project is running (${describeHolder(holder)}, ` +
          `last refreshed ${new Date(holder.refreshedAt).toISOString()}); wait for it to finish (a run that ` +
          `died leaves it to be taken over after ${new Date(holder.refreshedAt + leaseMs).toISOString()}), ` +
          `or if that run is gone, delete ${where}`,
      );
    }
    const replaced = await store.replaceObjectIfMatch(bucket, key, text, found.etag);
    if (replaced !== undefined) return holdBucketLock(store, { bucket, key }, mine, options);
  }
  throw new LockedError(
    `bucket lock ${where}: keeps changing; another run is starting, try again in a minute`,
  );
}

/**
 * A server that ignores `If-None-Match` would let two machines both "create" the lock. A second
 * conditional PUT over the object just created must be refused; if it is stored, the lock cannot work here.
 */
async function proveConditionalPut(
  store: BucketLockStore,
  bucket: string,
  key: string,
  text: string,
): Promise<void> {
  if ((await store.createObjectIfAbsent(bucket, key, text)) === undefined) return;
  await store.deleteObject(bucket, key);
  throw unsupportedError(`s3://${bucket}/${key}`);
}

function unsupportedError(where: string): ConfigError {
  return new ConfigError(
    `bucket lock ${where}: this server does not support conditional PUT (If-None-Match), so two machines could ` +
      'both take the lock; set bucket_lock: false in the config (or drop --bucket-lock)',
  );
}

/** The lock's times: the server's unless a caller brings its own clock. */
function clockOf(store: BucketLockStore, options: BucketLockOptions): () => number {
  return options.now ?? (() => store.serverNow().getTime());
}

/** A server that refuses the conditional headers outright instead of ignoring them. */
function isConditionRejected(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 501 || errorCode(error) === 'NotImplemented';
}

function holdBucketLock(
  store: BucketLockStore,
  target: { bucket: string; key: string },
  mine: LockHolder,
  options: BucketLockOptions,
): RunLock {
  const now = clockOf(store, options);
  const where = `s3://${target.bucket}/${target.key}`;
  const readOurs = async () => {
    const found = await store.readObjectText(target.bucket, target.key);
    return found && parseLockHolder(found.text, mine.host)?.token === mine.token ? found : undefined;
  };
  const refresh = async (): Promise<RefreshOutcome> => {
    const ours = await readOurs();
    if (!ours) return 'lost';
    const text = formatLockHolder({ ...mine, refreshedAt: now() }, 'object');
    const etag = await store.replaceObjectIfMatch(target.bucket, target.key, text, ours.etag);
    return etag === undefined ? 'lost' : 'held';
  };
  const keeper = keepLease({
    refreshMs: options.refreshMs ?? LOCK_REFRESH_MS,
    refresh,
    onLost: () =>
      options.onLost?.(
        new LockedError(
          `bucket lock ${where}: another run took it over while this one was running; stopping so that the two do not upload at once`,
        ),
      ),
  });
  return {
    location: where,
    refresh,
    async release() {
      await keeper.stop();
      // Ceph ignores If-Match on DELETE, so ownership is checked by reading first; a lock left behind
      // lapses with its lease
      if (await readOurs().catch(() => undefined))
        await store.deleteObject(target.bucket, target.key).catch(() => {});
    },
  };
}
