import { describe, expect, it } from 'vitest';
import type { UploadTask } from '../../../src/collector/plan-upload.js';
import type { LogFacts } from '../../../src/verifier/decide.js';
import { describeLogGap, findLogGap, listPrefixes, settledByLog } from '../../../src/verifier/log-gap.js';
import { FakeBucket } from './fake-bucket.js';

function task(key: string, sizeBytes = 100, mtimeMs = 1_000): UploadTask {
  return { group: key.split('/')[1]!, path: `/p/${key}`, relPath: key, key, sizeBytes, mtimeMs };
}

function logOf(...tasks: UploadTask[]): Map<string, LogFacts> {
  return new Map(tasks.map((t) => [t.key, { sizeBytes: t.sizeBytes, mtimeMs: t.mtimeMs }]));
}

describe('settledByLog', () => {
  const reels = [task('P/reels/a.mp4'), task('P/reels/b.mp4'), task('P/reels/c.mp4')];

  it('keeps every file the log settles, and none that is new or changed since it was logged', () => {
    const changed = { ...reels[0]!, mtimeMs: 2_000 };
    const logged = logOf(reels[0]!, reels[2]!);
    expect(settledByLog([changed, reels[1]!, reels[2]!], logged).map((t) => t.key)).toEqual([
      'P/reels/c.mp4',
    ]);
    expect(settledByLog(reels, logOf(...reels))).toEqual(reels);
  });
});

describe('findLogGap', () => {
  const settled = [task('P/reels/a.mp4', 500), task('P/logs/run.log', 20), task('P/logs/b.log', 30)];
  const all = new Map([
    ['P/reels/a.mp4', { sizeBytes: 500, etag: 'abc-2' }],
    ['P/logs/run.log', { sizeBytes: 20, etag: 'def' }],
    ['P/logs/b.log', { sizeBytes: 30 }],
  ]);

  it('finds a single object of many missing, and names it', () => {
    const listing = new Map(all);
    listing.delete('P/logs/b.log');
    expect(findLogGap(settled, listing, 'b')).toEqual({
      first: 's3://b/P/logs/b.log is not in the bucket',
      count: 1,
    });
  });

  it('names the first object missing or of another size, and counts them all', () => {
    const listing = new Map([['P/reels/a.mp4', { sizeBytes: 499 }]]);
    expect(findLogGap(settled, listing, 'b')).toEqual({
      first: 's3://b/P/reels/a.mp4 holds 499 bytes, not the 500 sent',
      count: 3,
    });
  });

  it('finds an object as big as the one sent under another ETag than the log recorded: one replaced behind the tool', () => {
    const logged = new Map([
      ['P/reels/a.mp4', { etag: 'abc-2' }],
      ['P/logs/run.log', { etag: 'ffe' }],
    ]);
    expect(findLogGap(settled, all, 'b', logged)).toEqual({
      first: 's3://b/P/logs/run.log holds other content (ETag def, not the ffe sent)',
      count: 1,
    });
  });

  it('compares ETags without quotes or case, and only where both the log and the listing have one', () => {
    const logged = new Map([
      ['P/reels/a.mp4', { etag: '"ABC-2"' }],
      ['P/logs/run.log', {}],
      ['P/logs/b.log', { etag: 'anything' }],
    ]);
    expect(findLogGap(settled, all, 'b', logged)).toBeUndefined();
  });

  it('finds none when every object is listed as sent, or the listing was refused', () => {
    expect(findLogGap(settled, all, 'b')).toBeUndefined();
    expect(findLogGap(settled, 'refused', 'b')).toBeUndefined();
    expect(findLogGap([], new Map(), 'b')).toBeUndefined();
  });
});

describe('describeLogGap', () => {
  it('says how many more there are', () => {
    expect(describeLogGap({ first: 's3://b/k is not in the bucket', count: 1 })).toBe(
      's3://b/k is not in the bucket, though the log says it was sent',
    );
    expect(describeLogGap({ first: 's3://b/k is not in the bucket', count: 3 })).toBe(
      's3://b/k is not in the bucket, and 2 more, though the log says they were sent',
    );
  });
});

describe('listPrefixes', () => {
  const signal = new AbortController().signal;

  it('lists each prefix and gives the size and ETag of each key under them', async () => {
    const bucket = new FakeBucket();
    for (const [key, sizeBytes] of [
      ['P/reels/a', 7],
      ['P/logs/b', 3],
      ['Q/reels/c', 1],
    ] as const)
      bucket.objects.set(key, { head: { key, sizeBytes, etag: 'e', lastModifiedMs: 0 } });
    expect(await listPrefixes(bucket, 'b', ['P/reels/', 'P/logs/'], signal)).toEqual(
      new Map([
        ['P/reels/a', { sizeBytes: 7, etag: 'e' }],
        ['P/logs/b', { sizeBytes: 3, etag: 'e' }],
      ]),
    );
  });

  it('takes a listing refused (AccessDenied) or not implemented as refused, not a failure', async () => {
    const bucket = new FakeBucket();
    bucket.failWith = Object.assign(new Error('Access Denied'), {
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    expect(await listPrefixes(bucket, 'b', ['P/'], signal)).toBe('refused');
    bucket.failWith = Object.assign(new Error('Not Implemented'), {
      name: 'NotImplemented',
      $metadata: { httpStatusCode: 501 },
    });
    expect(await listPrefixes(bucket, 'b', ['P/'], signal)).toBe('refused');
  });

  it('fails naming the bucket when the listing fails otherwise', async () => {
    const bucket = new FakeBucket();
    bucket.failWith = Object.assign(new Error('We encountered an internal error'), {
      name: 'InternalError',
      $metadata: { httpStatusCode: 500 },
    });
    await expect(listPrefixes(bucket, 'b', ['P/'], signal)).rejects.toThrow(/check existing objects in b/);
  });

  it('rethrows once the run is stopped', async () => {
    const bucket = new FakeBucket();
    const stop = new AbortController();
    stop.abort();
    bucket.failWith = new Error('aborted');
    await expect(listPrefixes(bucket, 'b', ['P/'], stop.signal)).rejects.toThrow('aborted');
  });
});
