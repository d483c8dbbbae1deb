/** What an answer must say before a body or an object counts as stored, and what the log says about it. */
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { combinePartEtags } from '../../../src/content/multipart-etag.js';
import { ConfigError, RemoteError, StoredMismatchError } from '../../../src/errors.js';
import type { RemoteObject } from '../../../src/remote/remote-object.js';
import {
  compositeSha256,
  confirmEncryption,
  confirmStoredBody,
  confirmStoredObject,
  confirmStoredPart,
  describeProof,
  reportsChecksum,
} from '../../../src/transfer/confirm-stored.js';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

describe('confirmStoredBody', () => {
  it('compares the checksum when the server reports one', () => {
    const local = { sha256: sha256('a'), md5: md5('a') };
    expect(
      confirmStoredBody('k', { etag: 'x', encryption: 'aws:kms', checksumSha256: b64(sha256('a')) }, local),
    ).toBe('checksum');
    expect(() =>
      confirmStoredBody('k', { etag: 'x', encryption: 'none', checksumSha256: b64(sha256('b')) }, local),
    ).toThrow(/verify k: the server stored different bytes \(checksum/);
  });

  it('refuses an answer without an ETag, which no S3 server sends: a web server answers any PUT with 200', () => {
    const local = { md5: md5('a'), sha256: sha256('a') };
    for (const encryption of ['none', 'aws:kms'] as const)
      expect(() => confirmStoredBody('config/notes.txt', { etag: '', encryption }, local)).toThrow(
        /^upload config\/notes\.txt: the server answered without an ETag, .*check endpoint_url/,
      );
  });

  it('takes an MD5 ETag written in capitals (Alibaba OSS) for the MD5 it is, in a body and in an object of parts', () => {
    const local = { md5: md5('a') };
    expect(confirmStoredBody('k', { etag: md5('a').toUpperCase(), encryption: 'none' }, local)).toBe('etag');
    expect(() => confirmStoredBody('k', { etag: md5('b').toUpperCase(), encryption: 'none' }, local)).toThrow(
      /stored different bytes/,
    );
  });

  it('takes an ETag that is not shaped as an MD5 for an opaque one, not for other bytes', () => {
    const local = { md5: md5('a') };
    // Cloudflare R2 answered part ETags like this one in 2022; B2 and other gateways have their own schemes
    const opaque = 'ABwcsNIEIx/3TXD+37wkhu1YIh8AgUg/++I5bsBm9MiQotlGsT';
    expect(confirmStoredBody('k', { etag: opaque, encryption: 'none' }, local)).toBe('content-md5');
    expect(confirmStoredBody('k', { etag: `${md5('b')}0000`, encryption: 'none' }, local)).toBe(
      'content-md5',
    );
    expect(() => confirmStoredBody('k', { etag: md5('b'), encryption: 'none' }, local)).toThrow(RemoteError);
  });

  it('compares an MD5 ETag unless the reported encryption makes ETags opaque', () => {
    const local = { md5: md5('a') };
    expect(confirmStoredBody('k', { etag: md5('a'), encryption: 'AES256' }, local)).toBe('etag');
    const error = (() => {
      try {
        confirmStoredBody('k', { etag: md5('b'), encryption: 'none' }, local);
      } catch (e) {
        return e as RemoteError;
      }
    })();
    expect(error).toBeInstanceOf(RemoteError);
    expect(error?.retryable).toBe(true);
    for (const encryption of ['aws:kms', 'aws:kms:dsse', 'SSE-C'] as const)
      expect(confirmStoredBody('k', { etag: md5('b'), encryption }, local)).toBe('content-md5');
    expect(confirmStoredBody('k', { etag: 'x', encryption: 'aws:kms' }, { sha256: sha256('a') })).toBe(
      'signature',
    );
  });
});

describe('confirmStoredPart', () => {
  it('throws a part stored with other bytes as retryable, with no ETag for a later run to distrust', () => {
    const wrong = () =>
      confirmStoredPart('k part 2', { etag: md5('b'), encryption: 'none' }, { md5: md5('a') });
    expect(wrong).toThrow(RemoteError);
    expect(wrong).not.toThrow(StoredMismatchError);
    expect(confirmStoredPart('k part 2', { etag: md5('a'), encryption: 'none' }, { md5: md5('a') })).toBe(
      'etag',
    );
  });
});

describe('reportsChecksum', () => {
  it('is true when the answer or HeadObject carries a checksum of any algorithm', () => {
    expect(reportsChecksum({ etag: 'e', encryption: 'none' })).toBe(false);
    expect(reportsChecksum({ etag: 'e', encryption: 'none', crcChecksums: {} }, head0())).toBe(false);
    expect(reportsChecksum({ etag: 'e', encryption: 'none', checksumSha256: 'x' })).toBe(true);
    expect(reportsChecksum({ etag: 'e', encryption: 'none', crcChecksums: { CRC32: 'x' } })).toBe(true);
    expect(
      reportsChecksum({ etag: 'e', encryption: 'none' }, { ...head0(), checksums: { CRC64NVME: 'x' } }),
    ).toBe(true);
  });

  function head0(): RemoteObject {
    return { key: 'k', sizeBytes: 1, etag: 'e', lastModifiedMs: 0 };
  }
});

describe('confirmStoredObject', () => {
  const parts = ['a', 'b'].map((t, i) => ({
    partNumber: i + 1,
    etag: md5(t),
    sizeBytes: 1,
    md5: md5(t),
    sha256: sha256(t),
  }));
  const head = (over: Partial<RemoteObject>): RemoteObject => ({
    key: 'k',
    sizeBytes: 2,
    etag: combinePartEtags([md5('a'), md5('b')])!,
    lastModifiedMs: 0,
    encryption: 'none',
    ...over,
  });

  it('checks the size and the multipart ETag computed from local part MD5s', () => {
    const expected = { sizeBytes: 2, integrity: 'md5' as const, parts };
    expect(confirmStoredObject('k', expected, { etag: '', encryption: 'none' }, head({})).proof).toBe('etag');
    expect(() =>
      confirmStoredObject('k', expected, { etag: '', encryption: 'none' }, head({ sizeBytes: 3 })),
    ).toThrow(/size 3 of 2/);
    // the server's part ETags may agree with each other and still not be our bytes
    const other = { ...expected, parts: parts.map((p) => ({ ...p, md5: md5('other') })) };
    expect(() => confirmStoredObject('k', other, { etag: '', encryption: 'none' }, head({}))).toThrow(
      RemoteError,
    );
  });

  it('compares a multipart ETag and part ETags in capitals whatever their case', () => {
    const upperParts = parts.map((p) => ({ ...p, etag: p.etag.toUpperCase() }));
    const expected = { sizeBytes: 2, integrity: 'md5' as const, parts: upperParts };
    const etag = combinePartEtags([md5('a'), md5('b')])!.toUpperCase();
    expect(confirmStoredObject('k', expected, { etag, encryption: 'none' }, head({ etag })).proof).toBe(
      'etag',
    );
  });

  it('takes a multipart ETag not shaped as S3s for opaque, and rests on the parts', () => {
    const opaqueParts = parts.map((p, i) => ({ ...p, etag: `opaque/part+${i}` }));
    const expected = { sizeBytes: 2, integrity: 'md5' as const, parts: opaqueParts };
    const answer = { etag: 'AAECAwQFBgcICQoLDA0ODw==-2', encryption: 'none' as const };
    const result = confirmStoredObject('k', expected, answer, head({ etag: answer.etag }));
    expect(result.proof).toBe('content-md5');
    // shaped as S3's, it must be S3's
    expect(() =>
      confirmStoredObject(
        'k',
        expected,
        { ...answer, etag: `${md5('x')}-2` },
        head({ etag: `${md5('x')}-2` }),
      ),
    ).toThrow(/ETag .* expected/);
  });

  it("compares an ETag without S3's -N (s3rver's MD5 of the object) with the file's MD5, else rests on the parts", () => {
    const expected = { sizeBytes: 2, integrity: 'md5' as const, parts, md5: md5('ab') };
    const whole = { etag: md5('ab').toUpperCase(), encryption: 'none' as const };
    expect(confirmStoredObject('k', expected, whole, head({ etag: whole.etag })).proof).toBe('etag');
    // the MD5 of other bytes, as check would find it too: the next run sends the file again
    const other = { etag: md5('not the bytes'), encryption: 'none' as const };
    const mismatch = () => confirmStoredObject('k', expected, other, head({ etag: other.etag }));
    expect(mismatch).toThrow(StoredMismatchError);
    expect(mismatch).toThrow(/ETag \w+, the file's MD5/);
    // the file's MD5 not at hand: the parts were each checked as sent
    const result = confirmStoredObject(
      'k',
      { ...expected, md5: undefined },
      other,
      head({ etag: other.etag }),
    );
    expect(result.proof).toBe('part-etags');
    expect(describeProof(result.proof, result.encryption, 'parts', result.why)).toBe(
      "verified by every part's ETag, the MD5 of what was sent (the server's ETag of the object is not S3's ETag of its parts)",
    );
    expect(() => confirmStoredObject('k', expected, whole, head({ etag: whole.etag, sizeBytes: 3 }))).toThrow(
      /size 3 of 2/,
    );
  });

  it('takes an object not shown yet after its completion for no object, not for other bytes', () => {
    const expected = { sizeBytes: 2, integrity: 'md5' as const, parts };
    const notYet = () => confirmStoredObject('k', expected, { etag: 'e', encryption: 'none' }, undefined);
    expect(notYet).toThrow(RemoteError);
    expect(notYet).not.toThrow(StoredMismatchError);
  });

  it('accepts an opaque ETag on the strength of the parts Content-MD5 checks, and says so', () => {
    // parts whose ETags were opaque too: only the server's Content-MD5 check stands for them
    const opaqueParts = parts.map((p, i) => ({ ...p, etag: `opaque-part-${i}` }));
    const result = confirmStoredObject(
      'k',
      { sizeBytes: 2, integrity: 'md5', parts: opaqueParts },
      { etag: 'opaque-2', encryption: 'none' },
      head({ etag: 'opaque-2', encryption: 'aws:kms' }),
    );
    expect(result).toEqual({ etag: 'opaque-2', proof: 'content-md5', encryption: 'aws:kms' });
    expect(describeProof(result.proof, result.encryption, 'parts')).toBe(
      "verified by the server's Content-MD5 check of every part (SSE-KMS: ETag is not an MD5)",
    );
  });

  it('accepts an opaque ETag on the strength of part ETags that were our MD5s, and says so', () => {
    // parts read once carry no Content-MD5: their ETags are what proved them
    const result = confirmStoredObject(
      'k',
      { sizeBytes: 2, integrity: 'md5', parts },
      { etag: 'opaque-2', encryption: 'none' },
      head({ etag: 'opaque-2', encryption: 'aws:kms' }),
    );
    expect(result).toEqual({ etag: 'opaque-2', proof: 'part-etags', encryption: 'aws:kms' });
    expect(describeProof(result.proof, result.encryption, 'parts')).toBe(
      "verified by every part's ETag, the MD5 of what was sent (SSE-KMS: the object's ETag is not an MD5)",
    );
  });

  it('checks a composite CRC where the server stored one instead of the full-object CRC asked for', () => {
    const crc32 = (bytes: Buffer) => {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(zlib.crc32(bytes));
      return out;
    };
    const partCrcs = [crc32(Buffer.from('a')), crc32(Buffer.from('b'))];
    const crcParts = parts.map((p, i) => ({ ...p, crc: partCrcs[i]!.toString('base64') }));
    const full = { name: 'CRC32' as const, value: crc32(Buffer.from('ab')).toString('base64') };
    const expected = { sizeBytes: 2, integrity: 'checksum' as const, parts: crcParts, crc: full };
    const answer = (crc: string) => ({
      etag: 'x',
      encryption: 'none' as const,
      crcChecksums: { CRC32: crc },
    });
    const composite = `${crc32(Buffer.concat(partCrcs)).toString('base64')}-2`;
    expect(confirmStoredObject('k', expected, answer(composite), head({})).proof).toBe('checksum');
    expect(confirmStoredObject('k', expected, answer(full.value), head({})).proof).toBe('checksum');
    const otherBytes = `${crc32(Buffer.from('x')).toString('base64')}-2`;
    expect(() => confirmStoredObject('k', expected, answer(otherBytes), head({}))).toThrow(
      /CRC32 .* expected/,
    );
    // without every part's CRC a composite proves nothing here: the ETag is compared instead
    const unknown = { ...expected, integrity: 'md5' as const, parts };
    expect(confirmStoredObject('k', unknown, { ...answer(composite), etag: '' }, head({})).proof).toBe(
      'etag',
    );
  });

  it('checks the composite checksum in checksum mode', () => {
    const composite = compositeSha256([sha256('a'), sha256('b')]);
    const expected = { sizeBytes: 2, integrity: 'checksum' as const, parts };
    const answer = { etag: 'opaque-2', encryption: 'aws:kms' as const, checksumSha256: composite };
    expect(confirmStoredObject('k', expected, answer, head({ etag: 'opaque-2' })).proof).toBe('checksum');
    expect(() =>
      confirmStoredObject('k', expected, { ...answer, checksumSha256: `${b64(sha256('x'))}-2` }, head({})),
    ).toThrow(/checksum .* expected/);
    expect(describeProof('checksum', 'aws:kms', 'parts')).toBeUndefined();
  });
});

describe('confirmEncryption', () => {
  const kms = { sse: 'aws:kms' as const };
  const ETAG = '"0123456789abcdef0123456789abcdef"';

  it('accepts any encryption the answer names for sse, and none asked', () => {
    expect(() =>
      confirmEncryption('k', { encryption: kms, customerKey: false }, { encryption: 'AES256', etag: ETAG }),
    ).not.toThrow();
    expect(() =>
      confirmEncryption('k', { customerKey: false }, { encryption: 'none', etag: ETAG }),
    ).not.toThrow();
  });

  it('stops the run when the answer names no encryption though sse was asked', () => {
    const refuse = () =>
      confirmEncryption('k', { encryption: kms, customerKey: false }, { encryption: 'none', etag: ETAG });
    expect(refuse).toThrow(ConfigError);
    // the object stays stored unencrypted: the upload log keeps its ETag so that the next run does not skip it
    expect(refuse).toThrow(expect.objectContaining({ storedEtag: ETAG }));
  });

  it('stops the run when an SSE-C upload is answered without SSE-C (a server that ignores the key)', () => {
    expect(() =>
      confirmEncryption('k', { customerKey: true }, { encryption: 'SSE-C', etag: ETAG }),
    ).not.toThrow();
    for (const stored of ['none', 'AES256'] as const)
      expect(() => confirmEncryption('k', { customerKey: true }, { encryption: stored, etag: ETAG })).toThrow(
        /stored it without the SSE-C key.*sse_customer_key_file/,
      );
  });
});
