import { describe, expect, it } from 'vitest';
import type { UploadTask } from '../../../src/collector/plan-upload.js';
import type { LogFacts } from '../../../src/verifier/decide.js';
import { askObjects, findLogGap, pickSpotChecks } from '../../../src/verifier/log-spot-check.js';
import { FakeBucket } from './fake-bucket.js';

function task(key: string, sizeBytes = 100, mtimeMs = 1_000): UploadTask {
  return { group: key.split('/')[1]!, path: `/p/${key}`, relPath: key, key, sizeBytes, mtimeMs };
}

function logOf(...tasks: UploadTask[]): Map<string, LogFacts> {
  return new Map(tasks.map((t) => [t.key, { sizeBytes: t.sizeBytes, mtimeMs: t.mtimeMs }]));
}

describe('pickSpotChecks', () => {
  const reels = [task('P/reels/a.mp4'), task('P/reels/b.mp4'), task('P/reels/c.mp4')];
  const logs = [task('P/logs/run.log')];

  it('picks one file per folder type among those the log settles, as the random draw says', () => {
    const logged = logOf(...reels, ...logs);
    expect(pickSpotChecks([reels, logs], logged, () => 0).map((t) => t.key)).toEqual([
      'P/reels/a.mp4',
      'P/logs/run.log',
    ]);
    expect(pickSpotChecks([reels, logs], logged, () => 0.99).map((t) => t.key)).toEqual([
      'P/reels/c.mp4',
      'P/logs/run.log',
    ]);
  });

  it('never picks a file the log does not settle: new, or changed since it was logged', () => {
    const changed = { ...reels[0]!, mtimeMs: 2_000 };
    const logged = logOf(reels[0]!, reels[2]!);
    const picked = pickSpotChecks([[changed, reels[1]!, reels[2]!], logs], logged, () => 0);
    expect(picked.map((t) => t.key)).toEqual(['P/reels/c.mp4']);
  });

  it('asks for at most eight objects, however many folder types', () => {
    const groups = Array.from({ length: 12 }, (_, i) => [task(`P/type${i}/f.txt`)]);
    expect(pickSpotChecks(groups, logOf(...groups.flat()))).toHaveLength(8);
  });
});

describe('findLogGap', () => {
  const picked = [task('P/reels/a.mp4', 500), task('P/logs/run.log', 20)];

  it('names the first object missing or of another size', () => {
    expect(findLogGap(picked, [{ sizeBytes: 500 }, 'missing'], 'b')).toBe(
      's3://b/P/logs/run.log is not in the bucket',
    );
    expect(findLogGap(picked, [{ sizeBytes: 499 }, 'missing'], 'b')).toBe(
      's3://b/P/reels/a.mp4 holds 499 bytes, not the 500 sent',
    );
  });

  it('finds none when every answer agrees or could not be had', () => {
    expect(findLogGap(picked, [{ sizeBytes: 500 }, { sizeBytes: 20 }], 'b')).toBeUndefined();
    expect(findLogGap(picked, ['unknown', 'unknown'], 'b')).toBeUndefined();
    expect(findLogGap([], [], 'b')).toBeUndefined();
  });
});

describe('askObjects', () => {
  const signal = new AbortController().signal;

  it("answers each key with its object's size, or missing", async () => {
    const bucket = new FakeBucket();
    bucket.objects.set('k1', { head: { key: 'k1', sizeBytes: 7, etag: 'e', lastModifiedMs: 0 } });
    expect(await askObjects(bucket, 'b', ['k1', 'k2'], signal)).toEqual([{ sizeBytes: 7 }, 'missing']);
  });

  it('takes a refused HeadObject as an answer unknown, not a failure', async () => {
    const bucket = new FakeBucket();
    bucket.failWith = Object.assign(new Error('Forbidden'), { $metadata: { httpStatusCode: 403 } });
    expect(await askObjects(bucket, 'b', ['k1'], signal)).toEqual(['unknown']);
  });

  it('rethrows once the run is stopped', async () => {
    const bucket = new FakeBucket();
    const stop = new AbortController();
    stop.abort();
    bucket.failWith = new Error('aborted');
    await expect(askObjects(bucket, 'b', ['k1'], stop.signal)).rejects.toThrow('aborted');
  });
});
