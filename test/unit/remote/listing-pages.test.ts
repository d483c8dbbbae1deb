/**
 * Paging a bucket listing (and the lists of an upload's parts and of open uploads): by continuation token or
 * marker, or, where a server says the list goes on without one, from the last entry it named; never ending early,
 * which would make stored files look missing, and never asking for the same page forever. No server here answers
 * a truncated page without a token, so the SDK client is mocked.
 */
import {
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { RemoteError } from '../../../src/errors.js';
import { S3Store } from '../../../src/remote/s3-store.js';

const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

function store(): S3Store {
  return new S3Store({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
  });
}

async function keysOf(listing: AsyncGenerator<{ key: string }>): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of listing) keys.push(object.key);
  return keys;
}

const objects = (...keys: string[]) => keys.map((Key) => ({ Key, Size: 1, ETag: '"e"' }));

describe('listObjects', () => {
  it('follows continuation tokens to the last page', async () => {
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ Contents: objects('P/a', 'P/b'), IsTruncated: true, NextContinuationToken: 't1' })
      .resolvesOnce({ Contents: objects('P/c'), IsTruncated: false });
    expect(await keysOf(store().listObjects('b', 'P/'))).toEqual(['P/a', 'P/b', 'P/c']);
    expect(s3.commandCalls(ListObjectsV2Command)[1]!.args[0].input).toMatchObject({
      ContinuationToken: 't1',
    });
  });

  it('goes on after the last key of a truncated page that names no continuation token', async () => {
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ Contents: objects('P/a', 'P/b'), IsTruncated: true })
      .resolvesOnce({ Contents: objects('P/c'), IsTruncated: false });
    expect(await keysOf(store().listObjects('b', 'P/'))).toEqual(['P/a', 'P/b', 'P/c']);
    const second = s3.commandCalls(ListObjectsV2Command)[1]!.args[0].input;
    expect(second).toMatchObject({ StartAfter: 'P/b', Prefix: 'P/' });
    expect(second.ContinuationToken).toBeUndefined();
  });

  it('fails, naming the listing, when a truncated page gives no way on', async () => {
    s3.on(ListObjectsV2Command).resolvesOnce({ IsTruncated: true });
    const listing = keysOf(store().listObjects('b', 'P/'));
    await expect(listing).rejects.toBeInstanceOf(RemoteError);
    await expect(listing).rejects.toThrow(/^list s3:\/\/b\/P\/: the server says the listing goes on/);
  });

  it('fails rather than asking again when a server answers the same page after the last key', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: objects('P/a', 'P/b'), IsTruncated: true });
    await expect(keysOf(store().listObjects('b', 'P/'))).rejects.toThrow(/the listing goes on/);
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(2);
  });

  it.each([
    ['the token it was asked with', () => 't1'],
    ['a new token each time', (n: number) => `t${n}`],
  ])('fails rather than asking forever when the same page comes back with %s', async (_, tokenOf) => {
    let call = 0;
    s3.on(ListObjectsV2Command).callsFake(() => {
      call += 1;
      return { Contents: objects('P/a', 'P/b'), IsTruncated: true, NextContinuationToken: tokenOf(call) };
    });
    await expect(keysOf(store().listObjects('b', 'P/'))).rejects.toThrow(
      /the listing goes on but answers the same page again/,
    );
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(2);
  });
});

describe('URL-encoded listings (keys XML cannot carry)', () => {
  it('asks for URL-encoded keys and decodes them, going on after the decoded last key', async () => {
    s3.on(ListObjectsV2Command)
      .resolvesOnce({
        Contents: objects('P/bell%07.log', 'P/a+b%2Bc'),
        IsTruncated: true,
        EncodingType: 'url',
      })
      .resolvesOnce({ Contents: objects('P/z'), IsTruncated: false, EncodingType: 'url' });
    expect(await keysOf(store().listObjects('b', 'P/'))).toEqual(['P/bell\u0007.log', 'P/a b+c', 'P/z']);
    const calls = s3.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input);
    expect(calls[0]).toMatchObject({ EncodingType: 'url' });
    expect(calls[1]).toMatchObject({ StartAfter: 'P/a b+c' });
  });

  it('takes the keys as they are from a server that ignored the request', async () => {
    s3.on(ListObjectsV2Command).resolvesOnce({ Contents: objects('P/100%.log'), IsTruncated: false });
    expect(await keysOf(store().listObjects('b', 'P/'))).toEqual(['P/100%.log']);
  });

  it('fails, naming the key, on one that says it is URL-encoded and does not decode', async () => {
    s3.on(ListObjectsV2Command).resolvesOnce({ Contents: objects('P/100%.log'), EncodingType: 'url' });
    await expect(keysOf(store().listObjects('b', 'P/'))).rejects.toThrow(
      /^list s3:\/\/b\/P\/: the server listed the key 'P\/100%.log' as URL-encoded, but it does not decode/,
    );
  });

  it('decodes the keys and the key marker of a listing of open uploads', async () => {
    const upload = (key: string, id: string) => ({ Key: key, UploadId: id, Initiated: new Date(0) });
    s3.on(ListMultipartUploadsCommand)
      .resolvesOnce({
        Uploads: [upload('P/a%01.mp4', 'u1')],
        IsTruncated: true,
        NextKeyMarker: 'P/a%01.mp4',
        NextUploadIdMarker: 'u1',
        EncodingType: 'url',
      })
      .resolvesOnce({ Uploads: [upload('P/b', 'u2')], IsTruncated: false, EncodingType: 'url' });
    const open = await store().uploads.listOpen('b', 'P/');
    expect(open.map((u) => u.key)).toEqual(['P/a\u0001.mp4', 'P/b']);
    const calls = s3.commandCalls(ListMultipartUploadsCommand).map((call) => call.args[0].input);
    expect(calls[0]).toMatchObject({ EncodingType: 'url' });
    expect(calls[1]).toMatchObject({ KeyMarker: 'P/a\u0001.mp4', UploadIdMarker: 'u1' });
  });
});

describe('listParts and listMultipartUploads', () => {
  const part = (n: number) => ({ PartNumber: n, ETag: `"e${n}"`, Size: 5 });

  it('go on after the last part listed when a truncated page names no marker', async () => {
    s3.on(ListPartsCommand)
      .resolvesOnce({ UploadId: 'u1', Parts: [part(1), part(2)], IsTruncated: true })
      .resolvesOnce({ UploadId: 'u1', Parts: [part(3)], IsTruncated: false });
    const listing = await store().uploads.listParts('b', 'k', 'u1');
    expect(listing).toEqual([1, 2, 3].map((n) => ({ partNumber: n, etag: `e${n}`, sizeBytes: 5 })));
    expect(s3.commandCalls(ListPartsCommand)[1]!.args[0].input).toMatchObject({ PartNumberMarker: '2' });
  });

  it('stop, keeping each part once, when a server answers the same page of parts again', async () => {
    s3.on(ListPartsCommand).resolves({ UploadId: 'u1', Parts: [part(1)], IsTruncated: true });
    expect(await store().uploads.listParts('b', 'k', 'u1')).toEqual([
      { partNumber: 1, etag: 'e1', sizeBytes: 5 },
    ]);
    expect(s3.commandCalls(ListPartsCommand)).toHaveLength(2);
  });

  it('go on after the last open upload listed when a truncated page names no markers', async () => {
    const upload = (key: string, id: string) => ({ Key: key, UploadId: id, Initiated: new Date(0) });
    s3.on(ListMultipartUploadsCommand)
      .resolvesOnce({ Uploads: [upload('P/a', 'u1'), upload('P/b', 'u2')], IsTruncated: true })
      .resolvesOnce({ Uploads: [upload('P/c', 'u3')], IsTruncated: false });
    const open = await store().uploads.listOpen('b', 'P/');
    expect(open.map((u) => u.uploadId)).toEqual(['u1', 'u2', 'u3']);
    expect(s3.commandCalls(ListMultipartUploadsCommand)[1]!.args[0].input).toMatchObject({
      KeyMarker: 'P/b',
      UploadIdMarker: 'u2',
    });
  });
});
