import { describe, expect, it } from 'vitest';
import {
  decideFromLog,
  decideFromRemote,
  type LocalFacts,
  type RemoteFacts,
} from '../../../src/verifier/decide.js';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);
const MD5_A = '0123456789abcdef0123456789abcdef';
const MD5_B = 'fedcba9876543210fedcba9876543210';
const MTIME = Date.UTC(2025, 0, 31, 14, 30);

function local(overrides: Partial<LocalFacts> = {}): LocalFacts {
  return { sizeBytes: 1000, mtimeMs: MTIME, ...overrides };
}

/** A remote copy of the same size, uploaded an hour after the local mtime, with no metadata. */
function remote(overrides: Partial<RemoteFacts> = {}): RemoteFacts {
  return { sizeBytes: 1000, etag: MD5_B, lastModifiedMs: MTIME + 3_600_000, ...overrides };
}

describe('decideFromRemote', () => {
  it('uploads a file that is not in the bucket', () => {
    expect(decideFromRemote(local(), undefined)).toEqual({
      action: 'upload',
      reason: 'new: not in the bucket',
    });
  });

  describe('size', () => {
    it('uploads when the sizes differ, whatever the hashes say', () => {
      const decision = decideFromRemote(
        local({ sha256: SHA_A, md5: MD5_A }),
        remote({ sizeBytes: 999, etag: MD5_A, metadata: { sha256: SHA_A } }),
      );

      expect(decision).toEqual({ action: 'upload', reason: 'size differs (local 1000, remote 999 bytes)' });
    });
  });

  describe('tier 1: SHA-256 against x-amz-meta-sha256', () => {
    it('skips on a SHA-256 match even though the ETag differs from the local MD5', () => {
      const decision = decideFromRemote(
        local({ sha256: SHA_A, md5: MD5_A }),
        remote({ etag: MD5_B, metadata: { sha256: SHA_A } }),
      );

      expect(decision).toEqual({ action: 'skip', reason: 'sha256 matches x-amz-meta-sha256' });
    });

    it('uploads on a SHA-256 mismatch even though the ETag equals the local MD5', () => {
      const decision = decideFromRemote(
        local({ sha256: SHA_A, md5: MD5_A }),
        remote({ etag: MD5_A, metadata: { sha256: SHA_B } }),
      );

      expect(decision).toEqual({ action: 'upload', reason: 'sha256 differs from x-amz-meta-sha256' });
    });

    it('uploads on a SHA-256 mismatch even though the recorded mtime matches', () => {
      const decision = decideFromRemote(
        local({ sha256: SHA_A }),
        remote({ metadata: { sha256: SHA_B, 'mtime-ms': String(MTIME) } }),
      );

      expect(decision.action).toBe('upload');
    });

    it('falls through to the next tier when the local SHA-256 is not known', () => {
      const decision = decideFromRemote(
        local({ md5: MD5_A }),
        remote({ etag: MD5_A, metadata: { sha256: SHA_B } }),
      );

      expect(decision).toEqual({ action: 'skip', reason: 'md5 matches the ETag' });
    });
  });

  describe('tier 2: MD5 against a plain ETag', () => {
    it('skips when the local MD5 equals the ETag', () => {
      expect(decideFromRemote(local({ md5: MD5_A }), remote({ etag: MD5_A }))).toEqual({
        action: 'skip',
        reason: 'md5 matches the ETag',
      });
    });

    it('uploads when the local MD5 differs from the ETag, even if the remote copy is newer', () => {
      expect(decideFromRemote(local({ md5: MD5_A }), remote({ etag: MD5_B }))).toEqual({
        action: 'upload',
        reason: 'md5 differs from the ETag',
      });
    });

    it('does not compare an MD5 with a multipart ETag', () => {
      const decision = decideFromRemote(local({ md5: MD5_A }), remote({ etag: `${MD5_A}-3` }));

      expect(decision.reason).not.toMatch(/md5/);
    });
  });

  describe('tier 2: local part MD5s against a multipart ETag', () => {
    it('skips when the multipart ETag matches', () => {
      const etag = `${MD5_A}-25`;

      expect(decideFromRemote(local({ multipartEtag: etag }), remote({ etag }))).toEqual({
        action: 'skip',
        reason: 'multipart ETag matches the local part MD5s',
      });
    });

    it('uploads when the multipart ETag differs', () => {
      expect(
        decideFromRemote(local({ multipartEtag: `${MD5_A}-25` }), remote({ etag: `${MD5_B}-25` })),
      ).toEqual({
        action: 'upload',
        reason: 'multipart ETag differs from the local part MD5s',
      });
    });

    it('does not compare a multipart ETag with a plain one', () => {
      const decision = decideFromRemote(local({ multipartEtag: `${MD5_A}-25` }), remote({ etag: MD5_B }));

      expect(decision.reason).not.toMatch(/multipart/);
    });
  });

  describe('tier 3: the mtime recorded at upload (x-amz-meta-mtime-ms)', () => {
    it('skips when the recorded mtime equals the local one, even if LastModified is older', () => {
      const decision = decideFromRemote(
        local(),
        remote({ lastModifiedMs: MTIME - 3_600_000, metadata: { 'mtime-ms': String(MTIME) } }),
      );

      expect(decision).toEqual({ action: 'skip', reason: 'same size and the recorded mtime matches' });
    });

    it('uploads when the recorded mtime differs, even if LastModified is newer', () => {
      const decision = decideFromRemote(local(), remote({ metadata: { 'mtime-ms': String(MTIME - 1) } }));

      expect(decision).toEqual({ action: 'upload', reason: 'mtime differs from the one recorded at upload' });
    });

    it('ignores a recorded mtime that is not a number', () => {
      const decision = decideFromRemote(local(), remote({ metadata: { 'mtime-ms': 'yesterday' } }));

      expect(decision.reason).toBe('same size and the remote copy is newer');
    });
  });

  describe('tier 4: LastModified', () => {
    it('skips when the remote copy is newer than the local file', () => {
      expect(decideFromRemote(local(), remote({ lastModifiedMs: MTIME + 1 }))).toEqual({
        action: 'skip',
        reason: 'same size and the remote copy is newer',
      });
    });

    it('skips when the remote copy is exactly as old as the local file', () => {
      expect(decideFromRemote(local(), remote({ lastModifiedMs: MTIME })).action).toBe('skip');
    });

    it('uploads when the local file is newer than the remote copy', () => {
      expect(decideFromRemote(local(), remote({ lastModifiedMs: MTIME - 1 }))).toEqual({
        action: 'upload',
        reason: 'local file is newer than the remote copy',
      });
    });

    it('is used with an empty metadata map too', () => {
      expect(decideFromRemote(local(), remote({ metadata: {}, lastModifiedMs: MTIME - 1 })).action).toBe(
        'upload',
      );
    });
  });
});

describe('decideFromLog', () => {
  it('skips a key an earlier run uploaded from a file of the same size and mtime', () => {
    expect(decideFromLog(local(), { sizeBytes: 1000, mtimeMs: MTIME })).toEqual({
      action: 'skip',
      reason: 'upload log: sent earlier with the same size and mtime',
    });
  });

  it('leaves the decision to the bucket when the size changed', () => {
    expect(decideFromLog(local(), { sizeBytes: 999, mtimeMs: MTIME })).toBeUndefined();
  });

  it('leaves the decision to the bucket when the mtime changed', () => {
    expect(decideFromLog(local(), { sizeBytes: 1000, mtimeMs: MTIME + 1 })).toBeUndefined();
  });

  it('leaves the decision to the bucket when the log does not know the key', () => {
    expect(decideFromLog(local(), undefined)).toBeUndefined();
  });
});
