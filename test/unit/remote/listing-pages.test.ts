/**
 * Paging a bucket listing: by continuation token, or, where a server says the listing goes on without one, from
 * the last key it named; never ending early, which would make stored files look missing. No server here answers
 * a truncated page without a token, so the SDK client is mocked.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
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
});
