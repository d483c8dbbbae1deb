/**
 * Resume of multipart uploads across runs: a run killed outright continues where the server says it stopped,
 * and a file that changed in between is uploaded again from scratch, its old upload aborted.
 */
import { appendFile, utimes } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { listOpenMultipartUploads } from '../support/bucket.js';
import { writeFiles } from '../support/fixtures.js';
import { readLogRows } from '../support/run-outcomes.js';
import { runCli, spawnCli } from '../support/run-cli.js';
import {
  acceptedPartNumbers,
  expectOnlyMissingPartsSent,
  digestFile,
  GiB,
  keyOf,
  listStoredParts,
  MiB,
  partsInFlight,
  readJournals,
  requestsForUpload,
  uploadArgs,
  waitForJournalParts,
  writeDigestedFile,
  type Digest,
  type Harness,
  useHarnessBucket,
} from './transfer-harness.js';

let bucket: string;
const { harness, expectStored } = useHarnessBucket('resume', (created) => (bucket = created));

describe('a 2 GiB upload killed with SIGKILL', () => {
  const SIZE = 2 * GiB;
  const PART = 64 * MiB; // the 512 MiB–8 GiB tier
  const REL = 'reels/R001/big.mp4';
  let h: Harness;
  let digest: Digest;

  beforeAll(async () => {
    h = await harness('KILL1');
    digest = await writeDigestedFile(path.join(h.projectDir, REL), SIZE, 'resume-kill', PART);
  });

  it('resumes on the next run without resending any part the server already accepted', async () => {
    const cli = spawnCli(uploadArgs(h));
    await waitForJournalParts(h.stateDir, 16, cli);
    const atKill = h.proxy.stats();
    cli.child.kill('SIGKILL');
    expect((await cli.exited).signal).toBe('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 1000)); // answers already on the wire still count
    const first = h.proxy.stats();
    const acceptedFirst = acceptedPartNumbers(first);
    expect(acceptedFirst.length).toBeGreaterThanOrEqual(16);
    expect(acceptedFirst.length).toBeLessThan(32);
    const [journal] = await readJournals(h.stateDir);
    expect(journal?.parts.length).toBeGreaterThanOrEqual(16);
    // The server's own list: it may hold a part whose answer the kill cut off, which the proxy never saw accepted.
    const storedFirst = await listStoredParts(bucket, keyOf(h, REL), journal!.uploadId);
    expect(storedFirst).toEqual(expect.arrayContaining(acceptedFirst));

    h.proxy.resetStats();
    const rerun = await runCli(uploadArgs(h));
    expect(rerun.code, rerun.stderr).toBe(0);
    const second = h.proxy.stats();

    expectOnlyMissingPartsSent(second, storedFirst, first, 32);
    expect(second.byOperation.CreateMultipartUpload ?? 0).toBe(0);
    expect(requestsForUpload(second, 'CompleteMultipartUpload', journal!.uploadId)).toHaveLength(1);
    expect(second.bodyBytesByOperation.UploadPart).toBeLessThanOrEqual(SIZE - first.acceptedBodyBytes);
    expect(first.acceptedBodyBytes + second.acceptedBodyBytes).toBeLessThanOrEqual(
      SIZE + partsInFlight(atKill) * PART,
    );

    await expectStored(keyOf(h, REL), digest);
    expect(digest.multipartEtag).toMatch(/-32$/);
    expect(await listOpenMultipartUploads(bucket)).toEqual([]);
    expect(await readJournals(h.stateDir)).toEqual([]);
    const [row] = await readLogRows(h.logCsv);
    expect(row).toMatchObject({ key: keyOf(h, REL), outcome: 'uploaded' });
    const resumedParts = 32 - acceptedPartNumbers(second).length;
    expect(resumedParts).toBeGreaterThanOrEqual(acceptedFirst.length);
    expect(row?.reason).toMatch(new RegExp(`resumed: ${resumedParts} of 32 parts`));
  });
});

describe('a file changed between an interrupted upload and the next run', () => {
  const SIZE = 96 * MiB;
  const PART = 8 * MiB; // the < 512 MiB tier

  it.each([
    ['appended to', 'APPEND', (file: string) => appendFile(file, 'one more line\n')],
    [
      'rewritten in place',
      'REWRITE',
      async (file: string) => {
        await writeFiles(path.dirname(file), {
          [path.basename(file)]: { sizeBytes: SIZE, seed: 'rewritten' },
        });
        const later = new Date(Date.now() + 60_000);
        await utimes(file, later, later);
      },
    ],
  ] as const)(
    'is uploaded again from the start when it was %s, and the old upload is aborted',
    async (_how, projectKey, change) => {
      const h = await harness(projectKey);
      const rel = 'reels/R002/changed.mp4';
      const [file] = await writeFiles(h.projectDir, { [rel]: { sizeBytes: SIZE, seed: 'original' } });
      h.proxy.setRules([
        { match: { operation: 'UploadPart' }, action: 'delay', delayMs: 300, times: Infinity },
      ]);
      const cli = spawnCli(uploadArgs(h));
      const journal = await waitForJournalParts(h.stateDir, 3, cli);
      cli.child.kill('SIGKILL');
      await cli.exited;
      expect((await listOpenMultipartUploads(bucket)).map((u) => u.uploadId)).toContain(journal.uploadId);

      await change(file!);
      const digest = await digestFile(file!, PART);
      h.proxy.setRules([]);
      h.proxy.resetStats();
      const rerun = await runCli(uploadArgs(h));
      expect(rerun.code, rerun.stderr).toBe(0);
      const stats = h.proxy.stats();

      expect(requestsForUpload(stats, 'AbortMultipartUpload', journal.uploadId)).toHaveLength(1);
      expect(requestsForUpload(stats, 'UploadPart', journal.uploadId)).toEqual([]);
      expect(stats.byOperation.CreateMultipartUpload).toBe(1);
      expect(stats.acceptedBodyBytes).toBe(digest.sizeBytes);
      expect(await listOpenMultipartUploads(bucket)).toEqual([]);
      await expectStored(keyOf(h, rel), digest);
    },
  );
});
