import { describe, expect, it } from 'vitest';
import type { RemoteObject } from '../../../src/remote/remote-object.js';
import {
  decideFromLog,
  describeMtimeOnlySkips,
  nextStep,
  toDecision,
  type Facts,
  type LocalFacts,
  type ProofPolicy,
} from '../../../src/verifier/decide.js';

const MiB = 1024 ** 2;
const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);
const MD5_A = '0123456789abcdef0123456789abcdef';
const MD5_B = 'fedcba9876543210fedcba9876543210';
const MTIME = Date.UTC(2025, 0, 31, 14, 30);
const SMALL = 1000;
const LARGE = 20 * MiB;

function local(overrides: Partial<LocalFacts> = {}): LocalFacts {
  return { sizeBytes: SMALL, mtimeMs: MTIME, ...overrides };
}

/** A HeadObject answer for a same-size object written an hour after the local mtime (LastModified must never matter). */
function headed(overrides: Partial<RemoteObject> = {}): RemoteObject {
  return {
    key: 'k',
    sizeBytes: SMALL,
    etag: MD5_B,
    lastModifiedMs: MTIME + 3_600_000,
    metadata: {},
    ...overrides,
  };
}

/** The same object as a listing reports it: no metadata, no encryption, no checksums. */
function listed(overrides: Partial<RemoteObject> = {}): RemoteObject {
  const { key, sizeBytes, etag, lastModifiedMs } = headed(overrides);
  return { key, sizeBytes, etag, lastModifiedMs };
}

function step(facts: Partial<Facts>, policy: ProofPolicy = 'upload') {
  return nextStep({ local: local(), remote: undefined, ...facts }, policy);
}

describe('nextStep: before content', () => {
  it('finds a missing object and a different size without reading anything', () => {
    expect(step({})).toEqual({ verdict: 'missing', reason: 'new: not in the bucket' });
    expect(step({ remote: listed({ sizeBytes: SMALL + 1 }) })).toEqual({
      verdict: 'different',
      reason: `size differs (local ${SMALL}, remote ${SMALL + 1} bytes)`,
    });
  });

  it('hashes a small file before asking for a HeadObject', () => {
    expect(step({ remote: listed() })).toEqual({ need: 'local-digests', md5: true });
  });

  it('takes a listing ETag equal to the local MD5 as proof, without a HeadObject', () => {
    expect(step({ local: local({ md5: MD5_A, sha256: SHA_A }), remote: listed({ etag: MD5_A }) })).toEqual({
      verdict: 'same',
      reason: 'content matches (MD5 = ETag)',
    });
  });

  it('asks for the HeadObject when a listing ETag differs from the local MD5: it may be an encrypted object', () => {
    expect(step({ local: local({ md5: MD5_A }), remote: listed() })).toEqual({ need: 'head' });
  });

  it('asks for the HeadObject of a large file in a listing instead of trusting LastModified', () => {
    expect(step({ local: local({ sizeBytes: LARGE }), remote: listed({ sizeBytes: LARGE }) })).toEqual({
      need: 'head',
    });
  });
});

describe('nextStep: the tiers of a normal run', () => {
  const large = (overrides: Partial<LocalFacts> = {}) => local({ sizeBytes: LARGE, ...overrides });

  it('skips on the recorded mtime without hashing', () => {
    const remote = headed({ sizeBytes: LARGE, etag: `${MD5_B}-3`, metadata: { 'mtime-ms': String(MTIME) } });
    expect(step({ local: large(), remote })).toEqual({
      verdict: 'same',
      reason: 'same size and the recorded mtime matches',
    });
  });

  it('lets known SHA-256s beat a matching recorded mtime', () => {
    const remote = headed({
      sizeBytes: LARGE,
      etag: `${MD5_B}-3`,
      metadata: { 'mtime-ms': String(MTIME), sha256: SHA_B },
    });
    expect(step({ local: large({ sha256: SHA_A }), remote })).toEqual({
      verdict: 'different',
      reason: 'content differs (SHA-256 != x-amz-meta-sha256)',
    });
  });

  it('lets an ETag that is the content MD5 beat x-amz-meta-sha256 and the recorded mtime (a corrupted copy)', () => {
    const remote = headed({ etag: MD5_B, metadata: { 'mtime-ms': String(MTIME), sha256: SHA_A } });
    expect(step({ local: local({ md5: MD5_A, sha256: SHA_A }), remote })).toEqual({
      verdict: 'different',
      reason: 'content differs (MD5 != ETag)',
    });
  });

  it('does not take an SSE-KMS ETag for an MD5: the recorded SHA-256 decides', () => {
    const remote = headed({ etag: MD5_B, encryption: 'aws:kms', metadata: { sha256: SHA_A } });
    expect(step({ local: local({ md5: MD5_A, sha256: SHA_A }), remote })).toEqual({
      verdict: 'same',
      reason: 'content matches (SHA-256 = x-amz-meta-sha256); no mtime recorded (stored by another tool?)',
    });
  });

  it('goes to content when the recorded mtime differs, however new LastModified is', () => {
    const remote = headed({
      sizeBytes: LARGE,
      etag: `${MD5_B}-3`,
      metadata: { 'mtime-ms': String(MTIME - 1) },
    });
    expect(step({ local: large(), remote })).toEqual({ need: 'first-part' });
  });
});

describe('nextStep: content proof', () => {
  const large = (overrides: Partial<LocalFacts> = {}) => local({ sizeBytes: LARGE, ...overrides });
  const moved = { 'mtime-ms': String(MTIME - 3_600_000) };
  const guessedPart = { sizeBytes: LARGE };

  it('asks for the part digests of the part size the ETag implies, and names an hour shift', () => {
    const remote = headed({ sizeBytes: LARGE, etag: `${MD5_A}-3`, metadata: moved });
    expect(step({ local: large(), remote, firstPart: guessedPart })).toEqual({
      need: 'part-digests',
      partSizeBytes: 8 * MiB,
    });
    const parts = [{ partSizeBytes: 8 * MiB, multipartEtag: `${MD5_A}-3`, compositeSha256: 'x-3' }];
    expect(step({ local: large({ parts }), remote, firstPart: guessedPart })).toEqual({
      verdict: 'same',
      reason: 'content matches (multipart ETag from local part MD5s); mtime moved by 1 h (FAT/DST shift?)',
    });
  });

  it('compares ETags written in capitals (Alibaba OSS) with local MD5s whatever their case', () => {
    const remote = headed({ sizeBytes: LARGE, etag: `${MD5_A}-3`.toUpperCase(), metadata: moved });
    const parts = [{ partSizeBytes: 8 * MiB, multipartEtag: `${MD5_A}-3`, compositeSha256: 'x-3' }];
    expect(step({ local: large({ parts }), remote, firstPart: guessedPart })).toMatchObject({
      verdict: 'same',
    });
    const small = {
      local: local({ md5: MD5_A, sha256: SHA_A }),
      remote: listed({ etag: MD5_A.toUpperCase() }),
    };
    expect(step(small)).toEqual({ verdict: 'same', reason: 'content matches (MD5 = ETag)' });
  });

  it('proves nothing from a guessed part size that does not match, and uploads with the reason', () => {
    const remote = headed({ sizeBytes: LARGE, etag: `${MD5_A}-3`, metadata: moved });
    const parts = [{ partSizeBytes: 8 * MiB, multipartEtag: `${MD5_B}-3`, compositeSha256: 'x-3' }];
    const finding = step({ local: large({ parts }), remote, firstPart: guessedPart });
    expect(finding).toEqual({
      verdict: 'unproven',
      reason:
        'nothing proves the stored copy matches (the multipart ETag matches no part size tried (8 MiB) and the server does not report its own)',
    });
    expect(toDecision(finding as never).action).toBe('upload');
  });

  it('says why nothing was tried when no usual part size gives the ETag its part count', () => {
    const remote = headed({ sizeBytes: LARGE, etag: `${MD5_A}-7`, metadata: moved });
    expect(step({ local: large(), remote, firstPart: guessedPart })).toEqual({
      verdict: 'unproven',
      reason:
        "nothing proves the stored copy matches (the multipart ETag's 7 parts fit none of the usual part sizes for a file of this size, and the server does not report its own)",
    });
  });

  it('calls a mismatch with the part size the server reports different', () => {
    const remote = headed({ sizeBytes: LARGE, etag: `${MD5_A}-2`, metadata: moved });
    const firstPart = { sizeBytes: 10 * MiB, partCount: 2 };
    expect(step({ local: large(), remote, firstPart })).toEqual({
      need: 'part-digests',
      partSizeBytes: 10 * MiB,
    });
    const parts = [{ partSizeBytes: 10 * MiB, multipartEtag: `${MD5_B}-2`, compositeSha256: 'x-2' }];
    expect(step({ local: large({ parts }), remote, firstPart })).toEqual({
      verdict: 'different',
      reason: 'content differs (multipart ETag != local part MD5s)',
    });
  });

  it('compares a single-request ETag with the whole-file MD5', () => {
    const remote = headed({ sizeBytes: LARGE, etag: MD5_A, metadata: moved });
    expect(step({ local: large(), remote })).toEqual({ need: 'local-digests', md5: true });
    expect(step({ local: large({ md5: MD5_A }), remote }).verdict).toBe('same');
  });

  it('compares a full-object SHA256 checksum, and a composite one from part SHA-256s', () => {
    const full = Buffer.from(SHA_A, 'hex').toString('base64');
    const kms = { sizeBytes: LARGE, etag: 'opaque', encryption: 'aws:kms' as const, metadata: moved };
    const remote = headed({ ...kms, checksums: { SHA256: full }, checksumType: 'FULL_OBJECT' });
    expect(step({ local: large(), remote })).toEqual({ need: 'local-digests', md5: false });
    expect(step({ local: large({ sha256: SHA_A }), remote }).reason).toMatch(
      /^content matches \(SHA-256 = stored SHA256 checksum\)/,
    );
    expect(step({ local: large({ sha256: SHA_B }), remote }).verdict).toBe('different');

    const composite = headed({ ...kms, checksums: { SHA256: 'Q29tcG9zaXRl-3' }, checksumType: 'COMPOSITE' });
    const parts = [
      { partSizeBytes: 8 * MiB, multipartEtag: `${MD5_A}-3`, compositeSha256: 'Q29tcG9zaXRl-3' },
    ];
    expect(step({ local: large(), remote: composite, firstPart: guessedPart })).toEqual({
      need: 'part-digests',
      partSizeBytes: 8 * MiB,
    });
    expect(step({ local: large({ parts }), remote: composite, firstPart: guessedPart }).reason).toMatch(
      /^content matches \(composite SHA256 checksum from local part SHA-256s\)/,
    );
  });

  it('falls back to x-amz-meta-sha256 when the server holds no digest of its own', () => {
    const remote = headed({
      sizeBytes: LARGE,
      etag: 'opaque',
      encryption: 'SSE-C',
      metadata: { ...moved, sha256: SHA_A },
    });
    expect(step({ local: large(), remote })).toEqual({ need: 'local-digests', md5: false });
    expect(step({ local: large({ sha256: SHA_B }), remote })).toEqual({
      verdict: 'different',
      reason: 'content differs (SHA-256 != x-amz-meta-sha256)',
    });
  });
});

describe('nextStep: full-object CRC checksums', () => {
  const CRC = 'rosUhgp5mIg=';
  const crcObject = (overrides: Partial<RemoteObject> = {}) =>
    headed({
      sizeBytes: LARGE,
      etag: 'opaque-3',
      encryption: 'aws:kms',
      checksums: { CRC64NVME: CRC },
      checksumType: 'FULL_OBJECT',
      ...overrides,
    });
  const large = local({ sizeBytes: LARGE });

  it("asks for the file's CRC, then proves or disproves the content by it", () => {
    expect(step({ local: large, remote: crcObject() }, 'check')).toEqual({
      need: 'local-crc',
      name: 'CRC64NVME',
    });
    expect(
      step({ local: { ...large, crcs: { CRC64NVME: CRC } }, remote: crcObject() }, 'check'),
    ).toMatchObject({
      verdict: 'same',
      reason: expect.stringMatching(/^content matches \(CRC64NVME = stored full-object CRC64NVME checksum\)/),
    });
    expect(
      step({ local: { ...large, crcs: { CRC64NVME: 'AAAAAAAAAAA=' } }, remote: crcObject() }, 'check'),
    ).toEqual({
      verdict: 'different',
      reason: 'content differs (CRC64NVME != stored CRC64NVME checksum)',
    });
  });

  it('leaves a composite CRC to the other proofs', () => {
    const composite = crcObject({ checksums: { CRC32: 'AAAAAA==-3' }, checksumType: 'COMPOSITE' });
    expect(step({ local: large, remote: composite }, 'check').verdict).toBe('unproven');
  });
});

describe('nextStep: policies when nothing proves the content', () => {
  const kms = (metadata: Record<string, string>) =>
    headed({ sizeBytes: LARGE, etag: 'opaque', encryption: 'aws:kms', metadata });
  const large = local({ sizeBytes: LARGE });

  it('upload --check proves content first, and falls back to the recorded mtime only when it cannot', () => {
    const provable = headed({ sizeBytes: LARGE, etag: MD5_A, metadata: { 'mtime-ms': String(MTIME) } });
    expect(step({ local: large, remote: provable }, 'upload-check')).toEqual({
      need: 'local-digests',
      md5: true,
    });
    expect(step({ local: large, remote: kms({ 'mtime-ms': String(MTIME) }) }, 'upload-check')).toEqual({
      verdict: 'same',
      reason:
        'same size and the recorded mtime matches; content not provable (the ETag of an aws:kms object is not its MD5, and no SHA-256 is stored)',
    });
    expect(step({ local: large, remote: kms({}) }, 'upload-check').verdict).toBe('unproven');
  });

  it('upload --check says once which files it skipped on their recorded mtime, and how to prove them', () => {
    const trusted = step({ local: large, remote: kms({ 'mtime-ms': String(MTIME) }) }, 'upload-check');
    const proven = { reason: 'MD5 = ETag' };
    const decided = [
      { task: { key: 'P/reels/R001/a.mp4' }, decision: trusted as { reason: string } },
      { task: { key: 'P/reels/R001/b.json' }, decision: proven },
      { task: { key: 'P/reels/R002/c.mp4' }, decision: trusted as { reason: string } },
    ];

    expect(describeMtimeOnlySkips(decided)).toBe(
      '2 files skipped on the mtime recorded with the object: nothing on the server proves the content ' +
        '(P/reels/R001/a.mp4: the ETag of an aws:kms object is not its MD5, and no SHA-256 is stored); ' +
        'check --download proves them by reading them back, --force sends them again',
    );
    expect(describeMtimeOnlySkips([decided[1]!])).toBeUndefined();
  });

  it('check never takes the recorded mtime for proof', () => {
    expect(step({ local: large, remote: kms({ 'mtime-ms': String(MTIME) }) }, 'check').verdict).toBe(
      'unproven',
    );
  });

  it('check --download reads the object back, unless its storage class needs a restore', () => {
    const remote = kms({});
    expect(step({ local: large, remote }, 'check-download')).toEqual({ need: 'first-part' });
    const standard = { sizeBytes: LARGE };
    expect(step({ local: large, remote, firstPart: standard }, 'check-download')).toEqual({
      need: 'download',
    });
    const downloaded = { sha256: SHA_A };
    expect(step({ local: large, remote, firstPart: standard, downloaded }, 'check-download')).toEqual({
      need: 'local-digests',
      md5: false,
    });
    expect(
      step(
        { local: local({ sizeBytes: LARGE, sha256: SHA_A }), remote, firstPart: standard, downloaded },
        'check-download',
      ),
    ).toEqual({
      verdict: 'same',
      reason:
        'content matches (SHA-256 of the downloaded object); no mtime recorded (stored by another tool?)',
    });
    for (const storageClass of ['GLACIER', 'DEEP_ARCHIVE', 'GLACIER_IR']) {
      const archived = step(
        { local: large, remote, firstPart: { sizeBytes: LARGE, storageClass } },
        'check-download',
      );
      expect(archived).toEqual({
        verdict: 'unproven',
        reason: expect.stringContaining(`stored in ${storageClass}`) as string,
      });
    }
  });
});

describe('decideFromLog', () => {
  it('skips a key an earlier run uploaded from a file of the same size and mtime', () => {
    expect(decideFromLog(local(), { sizeBytes: SMALL, mtimeMs: MTIME })).toEqual({
      action: 'skip',
      reason: 'upload log: sent earlier with the same size and mtime',
    });
  });

  it('leaves the decision to the bucket when the size or the mtime changed, or the key is not logged', () => {
    expect(decideFromLog(local(), { sizeBytes: SMALL - 1, mtimeMs: MTIME })).toBeUndefined();
    expect(decideFromLog(local(), { sizeBytes: SMALL, mtimeMs: MTIME + 3_600_000 })).toBeUndefined();
    expect(decideFromLog(local(), undefined)).toBeUndefined();
  });
});
