/**
 * A server that refuses ListMultipartUploads (501 from s3rver, 405 from some Swift gateways) is asked once per
 * run, also when several reels complete together and each asks for the open uploads of its key. The order of the
 * listings is set here by hand, which a run against a real server leaves to chance.
 */
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
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

const refusal = Object.assign(
  new Error('A header you provided implies functionality that is not implemented'),
  {
    name: 'NotImplemented',
    $metadata: { httpStatusCode: 501 },
  },
);

describe('open uploads on a server that refuses to list them', () => {
  it('are asked for once when a second listing is asked while the first waits for its answer', async () => {
    const pending: Array<() => void> = [];
    s3.on(ListMultipartUploadsCommand).callsFake(
      () => new Promise((_resolve, reject) => pending.push(() => reject(refusal))),
    );
    const uploads = store().uploads;
    const listings = [uploads.listOpen('b', 'P/reels/R001.mp4'), uploads.listOpen('b', 'P/reels/R002.mp4')];
    // the second reel asks before the server has answered the first
    for (const answer of pending.splice(0)) answer();

    for (const outcome of await Promise.allSettled(listings))
      expect(outcome).toMatchObject({ reason: refusal });
    await expect(uploads.listOpen('b', 'P/reels/R003.mp4')).rejects.toBe(refusal);
    expect(s3.commandCalls(ListMultipartUploadsCommand)).toHaveLength(1);
  });
});
