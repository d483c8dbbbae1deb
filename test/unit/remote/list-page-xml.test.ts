import { describe, expect, it } from 'vitest';
import { parseListPage } from '../../../src/remote/list-page-xml.js';

function page(body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${body}</ListBucketResult>`
  );
}

function contents(key: string, size: number | string): string {
  return (
    `<Contents><Key>${key}</Key><LastModified>2026-12-01T10:00:00.000Z</LastModified>` +
    `<ETag>&quot;abc&quot;</ETag><Size>${size}</Size><StorageClass>STANDARD</StorageClass></Contents>`
  );
}

describe('parseListPage', () => {
  it('reads the keys, sizes and ETags (without quotes) of a last page', () => {
    const xml = page(
      '<Name>b</Name><Prefix>P/reels/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys>' +
        `<IsTruncated>false</IsTruncated>${contents('P/reels/a.mp4', 12)}${contents('P/reels/b.mp4', 0)}`,
    );
    expect(parseListPage(xml)).toEqual({
      objects: [
        { key: 'P/reels/a.mp4', sizeBytes: 12, etag: 'abc' },
        { key: 'P/reels/b.mp4', sizeBytes: 0, etag: 'abc' },
      ],
      isTruncated: false,
      nextContinuationToken: undefined,
    });
  });

  it('reads where a truncated page goes on, not the token it was asked with', () => {
    const xml = page(
      '<ContinuationToken>old</ContinuationToken><IsTruncated>true</IsTruncated>' +
        `<NextContinuationToken>1/a+b=&amp;c</NextContinuationToken>${contents('k', 1)}`,
    );
    expect(parseListPage(xml)).toMatchObject({ isTruncated: true, nextContinuationToken: '1/a+b=&c' });
  });

  it('decodes URL-escaped keys when the answer says so, a plus as a space as S3 writes it', () => {
    const xml = page(
      '<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>' +
        contents('P/S%C3%BCd+1/a%2Bb%20c%26d.txt', 5),
    );
    expect(parseListPage(xml)?.objects).toEqual([{ key: 'P/Süd 1/a+b c&d.txt', sizeBytes: 5, etag: 'abc' }]);
  });

  it('decodes XML entities only when the keys are not URL-escaped', () => {
    const xml = page(
      `<IsTruncated>false</IsTruncated>${contents('P/a&amp;b &lt;1&gt; &#233;&#x1F600;+%20.txt', 5)}`,
    );
    expect(parseListPage(xml)?.objects).toEqual([
      { key: 'P/a&b <1> é😀+%20.txt', sizeBytes: 5, etag: 'abc' },
    ]);
  });

  it('reads an empty listing', () => {
    expect(parseListPage(page('<KeyCount>0</KeyCount><IsTruncated>false</IsTruncated>'))).toEqual({
      objects: [],
      isTruncated: false,
      nextContinuationToken: undefined,
    });
  });

  it.each([
    ['another root', '<Error><Code>AccessDenied</Code></Error>'],
    ['no truncation flag', page(contents('k', 1))],
    ['a truncation flag neither true nor false', page(`<IsTruncated>yes</IsTruncated>${contents('k', 1)}`)],
    ['an entry without a key', page('<IsTruncated>false</IsTruncated><Contents><Size>1</Size></Contents>')],
    ['a size that is no whole number', page(`<IsTruncated>false</IsTruncated>${contents('k', '1.5')}`)],
    ['a negative size', page(`<IsTruncated>false</IsTruncated>${contents('k', -1)}`)],
    ['an unknown entity', page(`<IsTruncated>false</IsTruncated>${contents('a&nbsp;b', 1)}`)],
    ['CDATA', page(`<IsTruncated>false</IsTruncated>${contents('<![CDATA[a]]>', 1)}`)],
    [
      'a URL escape that does not decode',
      page(`<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>${contents('a%E9b', 1)}`),
    ],
    ['a page cut short', page(`<IsTruncated>false</IsTruncated>${contents('k', 1)}`).slice(0, -60)],
    [
      'a page cut short after its last entry',
      page(`<IsTruncated>false</IsTruncated>${contents('k', 1)}`).slice(0, -19),
    ],
  ])('gives up on %s', (_name, xml) => {
    expect(parseListPage(xml)).toBeUndefined();
  });
});
