/**
 * The bucket lock's decisions against an in-memory store with S3's conditional-write rules; the real
 * server is exercised by test/integration/lock.test.ts. `ignoresConditions` stands for a server without
 * conditional PUT, which the test server is not.
 */
import { describe, expect, it } from 'vitest';
import { acquireBucketLock, bucketLockKey, type BucketLockStore } from '../../../src/bucket-lock.js';
import { ConfigError, LockedError } from '../../../src/errors.js';

const NOW = Date.parse('2026-03-02T10:00:00Z');
const KEY = bucketLockKey('surveys/', 'RMI25320');

class MemoryStore implements BucketLockStore {
  readonly objects = new Map<string, { text: string; etag: string }>();
  private version = 0;
  /** The server's clock, which the lock's times are taken from unless a test passes its own `now`. */
  serverNowMs = NOW;
  constructor(private readonly ignoresConditions = false) {}

  serverNow(): Date {
    return new Date(this.serverNowMs);
  }

  async createObjectIfAbsent(_bucket: string, key: string, text: string) {
    if (this.objects.has(key) && !this.ignoresConditions) return undefined;
    return this.put(key, text);
  }
  async replaceObjectIfMatch(_bucket: string, key: string, text: string, etag: string) {
    if (this.objects.get(key)?.etag !== etag && !this.ignoresConditions) return undefined;
    return this.put(key, text);
  }
  async readObjectText(_bucket: string, key: string) {
    return this.objects.get(key);
  }
  async deleteObject(_bucket: string, key: string) {
    this.objects.delete(key);
  }
  private put(key: string, text: string): string {
    const etag = `etag-${++this.version}`;
    this.objects.set(key, { text, etag });
    return etag;
  }
}

function holderOf(store: MemoryStore): Record<string, unknown> {
  return JSON.parse(store.objects.get(KEY)!.text) as Record<string, unknown>;
}

describe('acquireBucketLock', () => {
  it('is the object {prefix}{project}/.upload-to-s3.lock holding host, pid, token and times, nothing else', async () => {
    expect(KEY).toBe('surveys/RMI25320/.upload-to-s3.lock');
    const store = new MemoryStore();
    const lock = await acquireBucketLock(store, 'b', KEY, { host: 'pc-a', pid: 11, now: () => NOW });
    expect(Object.keys(holderOf(store)).sort()).toEqual([
      'acquiredAt',
      'host',
      'pid',
      'refreshedAt',
      'token',
    ]);
    await lock.release();
    expect(store.objects.size).toBe(0);
  });

  it('refuses while the holder refreshes within the lease, takes it over after', async () => {
    const store = new MemoryStore();
    await acquireBucketLock(store, 'b', KEY, { host: 'pc-a', pid: 11, now: () => NOW });
    const early = acquireBucketLock(store, 'b', KEY, { host: 'pc-b', pid: 22, now: () => NOW + 9 * 60_000 });
    await expect(early).rejects.toThrow(LockedError);
    await expect(early).rejects.toThrow(/host pc-a, pid 11, since 2026-03-02T10:00:00.000Z/);
    const late = await acquireBucketLock(store, 'b', KEY, {
      host: 'pc-b',
      pid: 22,
      now: () => NOW + 11 * 60_000,
    });
    expect(holderOf(store)).toMatchObject({ host: 'pc-b', pid: 22 });
    await late.release();
  });

  it("judges the lease on the server's clock, not each machine's own, so machines whose clocks differ agree", async () => {
    const store = new MemoryStore();
    const first = await acquireBucketLock(store, 'b', KEY, { host: 'pc-a', pid: 11 });
    expect(holderOf(store).refreshedAt).toBe(new Date(NOW).toISOString());
    store.serverNowMs = NOW + 60_000;
    await expect(acquireBucketLock(store, 'b', KEY, { host: 'pc-b', pid: 22 })).rejects.toThrow(LockedError);
    expect(await first.refresh()).toBe('held');
    store.serverNowMs = NOW + 12 * 60_000;
    const second = await acquireBucketLock(store, 'b', KEY, { host: 'pc-b', pid: 22 });
    expect(holderOf(store)).toMatchObject({
      host: 'pc-b',
      refreshedAt: new Date(NOW + 12 * 60_000).toISOString(),
    });
    await second.release();
  });

  it('refresh keeps it ours; a takeover makes the old holder see it lost and leave it in place', async () => {
    const store = new MemoryStore();
    let now = NOW;
    const first = await acquireBucketLock(store, 'b', KEY, { host: 'pc-a', pid: 11, now: () => now });
    now += 60_000;
    expect(await first.refresh()).toBe('held');
    expect(holderOf(store).refreshedAt).toBe(new Date(now).toISOString());
    now += 11 * 60_000;
    const second = await acquireBucketLock(store, 'b', KEY, { host: 'pc-b', pid: 22, now: () => now });
    expect(await first.refresh()).toBe('lost');
    await first.release();
    expect(holderOf(store)).toMatchObject({ host: 'pc-b' });
    await second.release();
    expect(store.objects.size).toBe(0);
  });

  it('fails naming bucket_lock on a server that ignores If-None-Match, and leaves no lock behind', async () => {
    const store = new MemoryStore(true);
    const attempt = acquireBucketLock(store, 'b', KEY, { host: 'pc-a', pid: 11 });
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(/does not support conditional PUT.*set bucket_lock: false/);
    expect(store.objects.size).toBe(0);
  });
});
