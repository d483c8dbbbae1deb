/**
 * A run stopped by a setting the server refuses leaves no multipart upload open on the server: the one a
 * CreateMultipartUpload under way at the stop started is learnt from its answer and aborted, as it holds no part.
 */
import { appendFile } from 'node:fs/promises';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBytes, writeFiles } from '../support/fixtures.js';
import { runCli } from '../support/run-cli.js';
import { makeTestClient } from '../support/s3-env.js';
import { MiB, readJournals, uploadArgs, useHarnessBucket, type Harness } from './transfer-harness.js';

const SMALL = 'config/site.yaml';
const REEL = 'reels/R001/R001.mp4';

let bucket: string;
const { harness } = useHarnessBucket('stopped', (created) => (bucket = created));
const client = makeTestClient();
afterAll(() => client.destroy());

async function openUploadKeys(h: Harness): Promise<string[]> {
  const out = await client.send(
    new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: `${h.projectKey}/` }),
  );
  return (out.Uploads ?? []).map((upload) => upload.Key ?? '');
}

describe('a run stopped by a setting the server refuses, while another file starts its multipart upload', () => {
  it('aborts the upload the server started for that file, so none is left open', async () => {
    const h = await harness('REFUSED1');
    await writeFiles(h.projectDir, {
      [SMALL]: makeBytes(10 * 1024, 'refused1-small'),
      [REEL]: { sizeBytes: 20 * MiB, seed: 'refused1-reel' },
    });
    // the server has no class NO_SUCH_CLASS: the small file's PutObject is refused, the reel's upload is not
    await appendFile(h.configPath, '\nstorage_class: { default: NO_SUCH_CLASS, reels: STANDARD }\n');
    h.proxy.setRules([
      // the refusal comes once the server has started the reel's upload; the run learns of that upload after it
      { match: { operation: 'PutObject' }, action: 'hold', until: 'CreateMultipartUpload' },
      { match: { operation: 'CreateMultipartUpload' }, action: 'hold-answer', until: 'PutObject' },
      // no part is stored, whichever of the two answers the run reads first
      { match: { operation: 'UploadPart' }, action: 'hold', times: Infinity },
    ]);

    const run = await runCli(uploadArgs(h, '--max-concurrency', '2'));

    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/^upload-to-s3: upload \S+site\.yaml: request refused .*storage_class/m);
    const log = h.proxy.stats().log;
    expect(log.filter((e) => e.operation === 'PutObject').map((e) => e.status)).toEqual([400]);
    expect(log.filter((e) => e.operation === 'CreateMultipartUpload').map((e) => e.status)).toEqual([200]);
    expect(await openUploadKeys(h)).toEqual([]);
    expect(await readJournals(h.stateDir)).toEqual([]);
    expect(log.filter((e) => e.operation === 'AbortMultipartUpload').map((e) => e.status)).toEqual([204]);
  });
});
