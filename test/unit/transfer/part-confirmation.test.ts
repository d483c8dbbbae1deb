/**
 * Which parts of an interrupted upload a resumed run keeps: decided from ListParts, the journal and, where they
 * are not enough, the local bytes of each part's range.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ObjectEncryption, RemotePart } from '../../../src/remote/remote-object.js';
import type { IntegrityMode } from '../../../src/transfer/integrity-mode.js';
import { confirmParts } from '../../../src/transfer/part-confirmation.js';
import type { BodyDigests } from '../../../src/transfer/signed-body.js';
import type { JournalPart, UploadJournal } from '../../../src/transfer/upload-journal.js';

const PART = 10;
const FILE = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyzABCDE'); // 41 bytes: parts of 10, 10, 10, 10, 1

function bytesOf(partNumber: number): Buffer {
  return FILE.subarray((partNumber - 1) * PART, partNumber * PART);
}

function hex(hash: 'md5' | 'sha256', bytes: Buffer): string {
  return createHash(hash).update(bytes).digest('hex');
}

/** The local range's digests, counting how often a range was hashed. */
function localHasher(integrity: IntegrityMode, file = FILE) {
  const hashed: number[] = [];
  const hashPart = (n: number): Promise<BodyDigests> => {
    hashed.push(n);
    const bytes = file.subarray((n - 1) * PART, n * PART);
    return Promise.resolve(
      integrity === 'md5' ? { md5: hex('md5', bytes) } : { sha256: hex('sha256', bytes) },
    );
  };
  return { hashed, hashPart };
}

function journal(overrides: Partial<UploadJournal>): UploadJournal {
  return {
    version: 2,
    endpoint: 'e',
    bucket: 'b',
    key: 'k',
    path: '/p',
    sizeBytes: FILE.length,
    mtimeMs: 1,
    uploadId: 'u',
    partSizeBytes: PART,
    integrity: 'md5',
    createdAt: 't',
    parts: [],
    ...overrides,
  };
}

/** A part as an MD5-ETag server lists it. */
function listed(n: number, etag = hex('md5', bytesOf(n))): RemotePart {
  return { partNumber: n, etag, sizeBytes: bytesOf(n).length };
}

function recordedMd5(n: number, encryption: ObjectEncryption = 'none'): JournalPart {
  const md5 = hex('md5', bytesOf(n));
  return {
    partNumber: n,
    etag: encryption === 'aws:kms' ? `kms-${n}` : md5,
    sizeBytes: bytesOf(n).length,
    md5,
  };
}

describe('confirmParts, md5 mode', () => {
  it('keeps journaled parts ListParts agrees with, without reading them', async () => {
    const { hashed, hashPart } = localHasher('md5');
    const j = journal({ parts: [recordedMd5(1), recordedMd5(2)] });
    const { kept, dropped } = await confirmParts(j, [listed(1), listed(2)], hashPart, false);
    expect(kept).toEqual([recordedMd5(1), recordedMd5(2)]);
    expect(dropped).toEqual([]);
    expect(hashed).toEqual([]);
  });

  it('drops a part whose listed ETag is not the journal one, or whose size does not fit its range', async () => {
    const { hashPart } = localHasher('md5');
    const j = journal({ parts: [recordedMd5(1), recordedMd5(2)] });
    const { kept, dropped } = await confirmParts(
      j,
      [listed(1, hex('md5', Buffer.from('x'))), { ...listed(2), sizeBytes: 9 }],
      hashPart,
      false,
    );
    expect(kept).toEqual([]);
    expect(dropped.map((d) => d.partNumber)).toEqual([1, 2]);
  });

  it('drops a part whose recorded ETag matches but is not the recorded local MD5', async () => {
    const { hashPart } = localHasher('md5');
    const wrong = { ...recordedMd5(1), etag: hex('md5', Buffer.from('x')) };
    const { kept } = await confirmParts(
      journal({ parts: [wrong] }),
      [listed(1, wrong.etag)],
      hashPart,
      false,
    );
    expect(kept).toEqual([]);
  });

  it('confirms a part the journal lags behind by hashing its range against the MD5 ETag', async () => {
    const { hashed, hashPart } = localHasher('md5');
    const j = journal({ parts: [recordedMd5(1)] });
    const { kept } = await confirmParts(
      j,
      [listed(1), listed(2), listed(5, hex('md5', Buffer.from('x')))],
      hashPart,
      false,
    );
    expect(kept.map((p) => p.partNumber)).toEqual([1, 2]);
    expect(kept[1]).toMatchObject({ md5: hex('md5', bytesOf(2)) });
    expect(hashed).toEqual([2, 5]);
  });

  it('with opaque (SSE-KMS) ETags keeps journaled parts by ETag but cannot confirm an unjournaled one', async () => {
    const { hashPart } = localHasher('md5');
    const j = journal({ encryption: 'aws:kms', parts: [recordedMd5(1, 'aws:kms')] });
    const { kept, dropped } = await confirmParts(
      j,
      [listed(1, 'kms-1'), listed(2, 'kms-2')],
      hashPart,
      false,
    );
    expect(kept.map((p) => p.partNumber)).toEqual([1]);
    expect(dropped.map((p) => p.partNumber)).toEqual([2]);
  });

  it('with ETags that are no MD5 at all (R2 in 2022, no encryption) keeps journaled parts by ETag', async () => {
    const { hashPart } = localHasher('md5');
    const opaque = (n: number) => Buffer.from(hex('md5', bytesOf(n)), 'hex').toString('base64');
    const j = journal({ parts: [{ ...recordedMd5(1), etag: opaque(1) }] });
    const { kept, dropped } = await confirmParts(
      j,
      [listed(1, opaque(1)), listed(2, opaque(2))],
      hashPart,
      false,
    );
    expect(kept.map((p) => p.partNumber)).toEqual([1]);
    expect(dropped.map((p) => p.partNumber)).toEqual([2]);
  });

  it('re-confirms the parts of a version 1 journal (no local digests) by hashing them', async () => {
    const { hashed, hashPart } = localHasher('md5');
    const v1Parts = [listed(1), listed(2)];
    const { kept } = await confirmParts(journal({ parts: v1Parts }), [listed(1), listed(2)], hashPart, false);
    expect(kept).toEqual([recordedMd5(1), recordedMd5(2)]);
    expect(hashed).toEqual([1, 2]);
  });

  it('after a clock shift, hashes every kept part and drops those whose bytes changed', async () => {
    const changed = Buffer.from(FILE);
    changed[12] = 0x21; // part 2
    const { hashed, hashPart } = localHasher('md5', changed);
    const j = journal({ parts: [recordedMd5(1), recordedMd5(2)] });
    const { kept, dropped } = await confirmParts(j, [listed(1), listed(2)], hashPart, true);
    expect(hashed).toEqual([1, 2]);
    expect(kept.map((p) => p.partNumber)).toEqual([1]);
    expect(dropped.map((p) => p.partNumber)).toEqual([2]);
  });
});

describe('confirmParts, checksum mode', () => {
  const checksum = (n: number) => createHash('sha256').update(bytesOf(n)).digest('base64');
  const recorded = (n: number): JournalPart => ({
    partNumber: n,
    etag: `opaque-${n}`,
    sizeBytes: bytesOf(n).length,
    sha256: hex('sha256', bytesOf(n)),
  });

  it('keeps a part whose listed checksum is the recorded SHA-256, drops one whose checksum differs', async () => {
    const { hashPart } = localHasher('checksum');
    const j = journal({ integrity: 'checksum', encryption: 'aws:kms', parts: [recorded(1), recorded(2)] });
    const server = [
      { ...listed(1, 'opaque-1'), checksumSha256: checksum(1) },
      { ...listed(2, 'opaque-2'), checksumSha256: checksum(3) },
    ];
    const { kept, dropped } = await confirmParts(j, server, hashPart, false);
    expect(kept.map((p) => p.partNumber)).toEqual([1]);
    expect(dropped.map((p) => p.partNumber)).toEqual([2]);
  });

  it('confirms an unjournaled part by its listed checksum', async () => {
    const { hashPart } = localHasher('checksum');
    const j = journal({ integrity: 'checksum', encryption: 'aws:kms', parts: [] });
    const server = [
      { ...listed(1, 'opaque-1'), checksumSha256: checksum(1) },
      { ...listed(2, 'opaque-2') }, // no checksum listed: nothing proves it
    ];
    const { kept } = await confirmParts(j, server, hashPart, false);
    expect(kept).toEqual([{ ...server[0], sha256: hex('sha256', bytesOf(1)) }]);
  });
});
