import { describe, expect, it } from 'vitest';
import { leftBehindFolders } from '../../../src/transfer/left-behind-folders.js';
import type { UploadJournal } from '../../../src/transfer/upload-journal.js';

function journal(key: string, partBytes: number[], bucket = 'b'): UploadJournal {
  return {
    version: 2,
    endpoint: 'e',
    bucket,
    key,
    path: `/p/${key}`,
    sizeBytes: 100,
    mtimeMs: 1,
    uploadId: 'u',
    partSizeBytes: 8,
    integrity: 'md5',
    createdAt: '2026-12-06T00:00:00Z',
    parts: partBytes.map((sizeBytes, i) => ({ partNumber: i + 1, etag: 'x', sizeBytes })),
  };
}

const options = { bucket: 'b', prefix: '', projectKey: 'P1', timestamp: '20261206_0344' };

describe('leftBehindFolders', () => {
  it("gathers this project's unfinished uploads by the timestamp folder they were begun in, oldest first", () => {
    const found = leftBehindFolders(
      [
        journal('P1/reels/20261206_0343/R1/a.mp4', [8, 8]),
        journal('P1/reels/20261205_2200/R2/b.mp4', [8]),
        journal('P1/logs/20261206_0343/run.log', [8, 8, 8]),
      ],
      options,
    );
    expect(found).toEqual([
      { timestamp: '20261205_2200', files: 1, bytesSent: 8 },
      { timestamp: '20261206_0343', files: 2, bytesSent: 40 },
    ]);
  });

  it("leaves out this run's own folder, keys without a timestamp folder, other projects and other buckets", () => {
    const found = leftBehindFolders(
      [
        journal('P1/reels/20261206_0344/R1/a.mp4', [8]),
        journal('P1/reels/R1/a.mp4', [8]),
        journal('P2/reels/20261206_0343/R1/a.mp4', [8]),
        journal('P1/reels/20261206_0343/R1/a.mp4', [8], 'other'),
      ],
      options,
    );
    expect(found).toEqual([]);
  });

  it('reads the folder after a key prefix of the config', () => {
    const found = leftBehindFolders([journal('field/P1/reels/20261206_0343/a.mp4', [8])], {
      ...options,
      prefix: 'field/',
    });
    expect(found).toEqual([{ timestamp: '20261206_0343', files: 1, bytesSent: 8 }]);
  });
});
