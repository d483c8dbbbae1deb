import { describe, expect, it } from 'vitest';
import { journaledUploads } from '../../../src/commands/open-uploads.js';
import type { UploadJournal } from '../../../src/transfer/upload-journal.js';

function journal(bucket: string, key: string, uploadId: string, createdAt: string): UploadJournal {
  return {
    version: 2,
    endpoint: 'http://127.0.0.1:4601',
    bucket,
    key,
    path: `D:\\survey\\${key}`,
    sizeBytes: 300 * 1024 ** 2,
    mtimeMs: 0,
    uploadId,
    partSizeBytes: 8 * 1024 ** 2,
    integrity: 'md5',
    createdAt,
    parts: [],
  };
}

const SCOPE = { bucket: 'survey', prefix: 'RMI25324/' };

describe('journaledUploads', () => {
  it("names the uploads of the project's journals in the bucket, in key order, and no other project's or bucket's", () => {
    const journals = [
      journal('survey', 'RMI25324/reels/R002.mp4', 'id-2', '2026-12-05T10:00:00.000Z'),
      journal('survey', 'RMI25325/reels/R001.mp4', 'other-project', '2026-12-05T10:00:00.000Z'),
      journal('archive', 'RMI25324/reels/R001.mp4', 'other-bucket', '2026-12-05T10:00:00.000Z'),
      journal('survey', 'RMI25324/reels/R001.mp4', 'id-1', '2026-12-05T09:00:00.000Z'),
    ];
    expect(journaledUploads(journals, SCOPE)).toEqual([
      {
        key: 'RMI25324/reels/R001.mp4',
        uploadId: 'id-1',
        initiatedMs: Date.parse('2026-12-05T09:00:00.000Z'),
      },
      {
        key: 'RMI25324/reels/R002.mp4',
        uploadId: 'id-2',
        initiatedMs: Date.parse('2026-12-05T10:00:00.000Z'),
      },
    ]);
  });

  it('takes a journal whose start cannot be read as an old upload, so --older-than does not keep it for ever', () => {
    const torn = journal('survey', 'RMI25324/a.mp4', 'id', 'not a date');
    expect(journaledUploads([torn], SCOPE)[0]?.initiatedMs).toBe(0);
  });
});
