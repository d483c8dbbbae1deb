import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sameEtag } from '../../../src/content/etag.js';
import { combinePartEtags, fileMultipartEtag, isPlainMd5 } from '../../../src/content/multipart-etag.js';

const md5 = (data: Buffer | string): string => createHash('md5').update(data).digest('hex');

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'multipart-etag-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('combinePartEtags', () => {
  it("is the MD5 of the binary part MD5s, then '-' and the part count", () => {
    const parts = [md5('part one'), md5('part two'), md5('part three')];
    const expected = md5(Buffer.concat(parts.map((etag) => Buffer.from(etag, 'hex'))));
    expect(combinePartEtags(parts)).toBe(`${expected}-3`);
  });

  it('matches a value computed independently (Python hashlib) for parts whose bodies are "a" and "b"', () => {
    expect(combinePartEtags(['0cc175b9c0f1b6a831c399e269772661', '92eb5ffee6ae2fec3ad71c777531578f'])).toBe(
      '96e024ba2074fe77e8e965ba43a704be-2',
    );
  });

  it('gives up on no parts or a part ETag that is not a plain MD5', () => {
    expect(combinePartEtags([])).toBeUndefined();
    expect(combinePartEtags([md5('a'), `${md5('b')}-2`])).toBeUndefined();
    expect(combinePartEtags([`${md5('a')}0`])).toBeUndefined();
  });

  it('takes part ETags written in capitals (Alibaba OSS) for the MD5s they are', () => {
    expect(combinePartEtags([md5('a').toUpperCase(), md5('b')])).toBe(combinePartEtags([md5('a'), md5('b')]));
  });
});

describe('isPlainMd5', () => {
  it('accepts 32 hex digits only, in either case', () => {
    expect(isPlainMd5(md5('x'))).toBe(true);
    expect(isPlainMd5(md5('x').toUpperCase())).toBe(true);
    expect(isPlainMd5(`${md5('x')}0`)).toBe(false);
    expect(isPlainMd5(`${md5('x')}-3`)).toBe(false);
    expect(isPlainMd5(`"${md5('x')}"`)).toBe(false);
    expect(isPlainMd5('')).toBe(false);
  });
});

describe('sameEtag', () => {
  it('compares MD5-shaped ETags whatever their case, any other as it is', () => {
    expect(sameEtag(md5('x').toUpperCase(), md5('x'))).toBe(true);
    expect(sameEtag(`${md5('x').toUpperCase()}-3`, `${md5('x')}-3`)).toBe(true);
    expect(sameEtag(`${md5('x')}-3`, md5('x'))).toBe(false);
    expect(sameEtag('AbC+/==', 'abc+/==')).toBe(false);
    expect(sameEtag('AbC+/==', 'AbC+/==')).toBe(true);
    expect(sameEtag(undefined, undefined)).toBe(false);
  });
});

describe('fileMultipartEtag', () => {
  it('cuts the file into parts of the given size, the last one shorter', async () => {
    const content = randomBytes(2_500);
    const path = join(dir, 'reel.mp4');
    await writeFile(path, content);
    const expected = combinePartEtags([
      md5(content.subarray(0, 1_000)),
      md5(content.subarray(1_000, 2_000)),
      md5(content.subarray(2_000)),
    ]);
    expect(await fileMultipartEtag(path, content.length, 1_000)).toBe(expected);
  });

  it('gives a one-part ETag for a file no bigger than one part', async () => {
    const content = randomBytes(1_000);
    const path = join(dir, 'one-part.mp4');
    await writeFile(path, content);
    expect(await fileMultipartEtag(path, content.length, 1_000)).toBe(combinePartEtags([md5(content)]));
  });
});
