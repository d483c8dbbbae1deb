import { describe, expect, it } from 'vitest';
import { describeControlRequest } from '../../../src/remote/control-retry.js';
import { formatRetryLine } from '../../../src/status/view-lines.js';

describe('describeControlRequest', () => {
  it("names a file's requests as the engine's own retries do", () => {
    expect(describeControlRequest('CompleteMultipartUpload', 'P/reels/R1.mp4')).toBe(
      'complete upload of P/reels/R1.mp4',
    );
    expect(describeControlRequest('CreateMultipartUploadCommand', 'P/reels/R1.mp4')).toBe(
      'start upload of P/reels/R1.mp4',
    );
    expect(describeControlRequest('ListPartsCommand', 'P/reels/R1.mp4')).toBe('list parts of P/reels/R1.mp4');
  });

  it('names a request of no object by its phrase, and an unknown one by its command', () => {
    expect(describeControlRequest('HeadBucketCommand', undefined)).toBe('open bucket');
    expect(describeControlRequest('PutBucketVersioningCommand', undefined)).toBe('PutBucketVersioning');
  });
});

describe('formatRetryLine', () => {
  it('says when a request goes again: after a wait, or now when the client has waited already', () => {
    const retry = { what: 'upload P/a.log', attempt: 1, attempts: 10, reason: 'SlowDown 503' };
    expect(formatRetryLine({ ...retry, delayMs: 1200 })).toBe(
      'retrying upload P/a.log in 1.2s: attempt 1 of 10 failed (SlowDown 503)',
    );
    expect(formatRetryLine({ ...retry, delayMs: 0 })).toBe(
      'retrying upload P/a.log now: attempt 1 of 10 failed (SlowDown 503)',
    );
  });
});
