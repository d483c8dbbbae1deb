/**
 * `--fix-settings` against a server that ignores `x-amz-copy-source`, on Ceph RGW through the fault proxy: the copy
 * in place that should move an object to another storage class stores the request's empty body instead, and
 * answers as to a PutObject (200, no body). The run sees that the copy changed the object's size and sends the
 * file again, so it ends with the original bytes, in the wanted class.
 */
import path from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFiles } from '../support/fixtures.js';
import { runCli } from '../support/run-cli.js';
import { readLogRows } from '../support/run-outcomes.js';
import { makeTestClient } from '../support/s3-env.js';
import {
  digestFile,
  digestObject,
  keyOf,
  MiB,
  uploadArgs,
  uploadPartRequests,
  useHarnessBucket,
} from './transfer-harness.js';

/** One object sent whole and one sent in two 8 MiB parts; each fits one CopyObject. */
const FILES = [
  { rel: 'reels/R001/R001.json', sizeBytes: 50 * 1024 },
  { rel: 'reels/R001/R001.mp4', sizeBytes: 12 * MiB },
];
/** The test zone's second storage class, as test/integration/object-settings.test.ts moves objects to it. */
const COLD = ['--storage-class', 'COLD'];

let bucket: string;
const { harness } = useHarnessBucket('nocopy', (created) => (bucket = created));
const client = makeTestClient();
afterAll(() => client.destroy());

describe('a copy in place that did not copy', () => {
  it('has the file sent again, so that every object ends with its own bytes in the wanted class', async () => {
    const h = await harness('NOCOPY');
    await writeFiles(
      h.projectDir,
      Object.fromEntries(FILES.map(({ rel, sizeBytes }) => [rel, { sizeBytes, seed: rel }])),
    );
    const run = await runCli(uploadArgs(h));
    expect(run.code, run.stderr).toBe(0);

    h.proxy.resetStats();
    h.proxy.setRules([{ match: { operation: 'CopyObject' }, action: 'ignore-copy-source', times: Infinity }]);
    const fix = await runCli(uploadArgs(h, ...COLD, '--fix-settings'));
    expect(fix.code, fix.stderr).toBe(0);

    const stats = h.proxy.stats();
    const copied = stats.log.filter((e) => e.operation === 'CopyObject');
    expect(new Set(copied.map((e) => `${e.url.split('?')[0]} ${e.fault} ${e.status}`))).toEqual(
      new Set(FILES.map(({ rel }) => `/${bucket}/${keyOf(h, rel)} ignore-copy-source 200`)),
    );
    expect(copied.filter((e) => e.error !== undefined)).toEqual([]);

    // each file went again, for what its copy stored: the small one whole, the reel in its two parts
    const rows = (await readLogRows(h.logCsv)).slice(-FILES.length);
    expect(rows.map((row) => [row.key, row.outcome, row.reason.split('; ')[0]]).sort()).toEqual(
      FILES.map(({ rel, sizeBytes }) => [
        keyOf(h, rel),
        'uploaded',
        `settings differ and a copy in the bucket did not change them (the copy stored 0 of ${sizeBytes} bytes)`,
      ]).sort(),
    );
    expect(stats.byOperation.PutObject).toBe(1);
    expect(uploadPartRequests(stats)).toHaveLength(2);

    for (const { rel } of FILES) {
      const local = await digestFile(path.join(h.projectDir, rel), 8 * MiB);
      expect(await digestObject(bucket, keyOf(h, rel))).toEqual({
        sizeBytes: local.sizeBytes,
        sha256: local.sha256,
      });
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(h, rel) }));
      expect(head.StorageClass).toBe('COLD');
    }
  });
});
