/**
 * A bucket lock object as another machine's run leaves it: host survey-van-2, pid 4242, token `van`, refreshed
 * `refreshedAgoMs` before now by the test server's clock (this machine's, which the server shares).
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { makeTestClient } from './s3-env.js';

export async function plantForeignBucketLock(
  bucket: string,
  key: string,
  refreshedAgoMs: number,
): Promise<void> {
  const at = new Date(Date.now() - refreshedAgoMs).toISOString();
  const body = JSON.stringify({
    host: 'survey-van-2',
    pid: 4242,
    token: 'van',
    acquiredAt: at,
    refreshedAt: at,
  });
  await makeTestClient().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}
