/**
 * Resume of multipart uploads across runs: a run killed outright continues where the server says it stopped,
 * and a file that changed in between is uploaded again from scratch, its old upload aborted.
 */
import { createHash } from 'node:crypto';
import { appendFile, readFile, stat, symlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { AbortMultipartUploadCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { listOpenMultipartUploads } from '../support/bucket.js';
import { writeFiles } from '../support/fixtures.js';
import { readLogRows } from '../support/run-outcomes.js';
import { runCli, spawnCli } from '../support/run-cli.js';
import { makeTestClient } from '../support/s3-env.js';
import {
  acceptedPartNumbers,
  expectOnlyMissingPartsSent,
  digestFile,
  editJournal,
  GiB,
  interruptAfterParts,
  keyOf,
  listStoredParts,
  MiB,
  partsInFlight,
  readJournals,
  uploadPartRequests,
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

describe('resuming an interrupted upload', () => {
  const SIZE = 40 * MiB;
  const PART = 8 * MiB; // five parts
  const REL = 'reels/R003/reel.mp4';

  /** A fresh project with a 40 MiB reel whose mtime is a whole second, so shifted mtimes are exact. */
  async function halfSent(projectKey: string, parts: number) {
    const h = await harness(projectKey);
    const [file] = await writeFiles(h.projectDir, { [REL]: { sizeBytes: SIZE, seed: projectKey } });
    const mtime = new Date(Math.floor((await stat(file!)).mtimeMs / 1000) * 1000 - 3_600_000);
    await utimes(file!, mtime, mtime);
    const journal = await interruptAfterParts(h, parts);
    return { h, file: file!, journal, digest: await digestFile(file!, PART) };
  }

  /** The part numbers a run sent, in order. */
  function sentParts(h: Harness): number[] {
    return uploadPartRequests(h.proxy.stats())
      .map((e) => e.partNumber)
      .sort((a, b) => a - b);
  }

  function notIn(journal: { parts: Array<{ partNumber: number }> }): number[] {
    const done = new Set(journal.parts.map((p) => p.partNumber));
    return [1, 2, 3, 4, 5].filter((n) => !done.has(n));
  }

  it('is shown by a dry run with the bytes left to send, which is what the next run sends', async () => {
    const { h, journal, digest } = await halfSent('DRYRESUME', 3);
    const dry = await runCli(uploadArgs(h, '--dry-run'));
    expect(dry.code, dry.stderr).toBe(0);
    // group, files, bytes, to upload, upload bytes, to skip
    expect(dry.stdout).toMatch(/^reels\s+1\s+40\.0 MiB\s+1\s+16\.0 MiB\s+0\s*$/m);
    expect(dry.stdout).toContain(
      `would resume 1 interrupted upload:\n  ${keyOf(h, REL)}: 3 of 5 parts (24.0 MiB) sent earlier\n`,
    );

    h.proxy.resetStats();
    const rerun = await runCli(uploadArgs(h));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(sentParts(h)).toEqual(notIn(journal));
    expect(h.proxy.stats().bodyBytesByOperation.UploadPart).toBe(SIZE - 3 * PART);
    await expectStored(keyOf(h, REL), digest);
  });

  it('resumes a file whose mtime moved but not its bytes (touched), sending only the parts not stored', async () => {
    const { h, file, journal, digest } = await halfSent('TOUCHED', 3);
    const later = new Date(Date.now() + 90_000);
    await utimes(file, later, later);
    const dry = await runCli(uploadArgs(h, '--dry-run'));
    expect(dry.stdout).toContain(
      `${keyOf(h, REL)}: 3 of 5 parts (24.0 MiB) sent earlier; the file's mtime moved since: kept where they still hold its bytes\n`,
    );
    h.proxy.resetStats();
    const rerun = await runCli(uploadArgs(h));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(sentParts(h)).toEqual(notIn(journal));
    expect(h.proxy.stats().byOperation.CreateMultipartUpload ?? 0).toBe(0);
    expect(h.proxy.stats().byOperation.AbortMultipartUpload ?? 0).toBe(0);
    await expectStored(keyOf(h, REL), digest);
  });

  it('sends a part again when the ETag the journal recorded is not the one the server lists', async () => {
    const { h, journal, digest } = await halfSent('ETAGEDIT', 3);
    const edited = journal.parts[1]!.partNumber;
    await editJournal(h.stateDir, (j) => {
      j.parts[1]!.etag = createHash('md5').update('other bytes').digest('hex');
    });
    h.proxy.resetStats();
    const rerun = await runCli(uploadArgs(h));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(sentParts(h)).toEqual([...notIn(journal), edited].sort((a, b) => a - b));
    expect(h.proxy.stats().byOperation.CreateMultipartUpload ?? 0).toBe(0);
    await expectStored(keyOf(h, REL), digest);
  });

  /** Makes the test server take ListParts as a GetObject of the key, as fauxqs does: it has no ListParts. */
  function withoutListParts(h: Harness): void {
    h.proxy.setRules([
      { match: { method: 'GET', subresource: 'uploadId' }, action: 'ignore-subresource', times: Infinity },
    ]);
  }

  function listPartsStatuses(h: Harness): Array<number | null> {
    return h.proxy
      .stats()
      .log.filter((e) => e.operation === 'ListParts')
      .map((e) => e.status);
  }

  it('resumes from the journal where the server does not know ListParts and serves the object', async () => {
    const h = await harness('NOLIST');
    // the reel is in the bucket from an earlier run: a server that ignores ?uploadId answers with that object
    await writeFiles(h.projectDir, { [REL]: { sizeBytes: SIZE, seed: 'NOLIST-1' } });
    const first = await runCli(uploadArgs(h));
    expect(first.code, first.stderr).toBe(0);
    const [file] = await writeFiles(h.projectDir, { [REL]: { sizeBytes: SIZE, seed: 'NOLIST-2' } });
    const journal = await interruptAfterParts(h, 2);
    withoutListParts(h);
    h.proxy.resetStats();
    const rerun = await runCli(uploadArgs(h, '--debug'));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain(`cannot list the parts of ${journal.uploadId}; resuming from the journal`);
    expect(listPartsStatuses(h)).toEqual([206]); // one byte of the stored reel, not all of it
    expect(sentParts(h)).toEqual(notIn(journal));
    expect(h.proxy.stats().byOperation.CreateMultipartUpload ?? 0).toBe(0);
    await expectStored(keyOf(h, REL), await digestFile(file!, PART));
  });

  it('resumes from the journal where the server without ListParts answers that the key has no object', async () => {
    const { h, journal, digest } = await halfSent('NOLISTNEW', 2);
    withoutListParts(h);
    h.proxy.resetStats();
    const rerun = await runCli(uploadArgs(h));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(listPartsStatuses(h)).toEqual([404]);
    expect(sentParts(h)).toEqual(notIn(journal));
    expect(h.proxy.stats().byOperation.CreateMultipartUpload ?? 0).toBe(0);
    await expectStored(keyOf(h, REL), digest);
    const [row] = await readLogRows(h.logCsv);
    expect(row?.reason).toMatch(/resumed: 2 of 5 parts were already stored/);
  });

  it('sends the last part again, then completes, where every part is journaled but none can be listed', async () => {
    const h = await harness('NOLISTALL');
    const [file] = await writeFiles(h.projectDir, { [REL]: { sizeBytes: SIZE, seed: 'NOLISTALL' } });
    h.proxy.setRules([{ match: { operation: 'CompleteMultipartUpload' }, action: 'hold', times: Infinity }]);
    const cli = spawnCli(uploadArgs(h));
    await waitForJournalParts(h.stateDir, 5, cli);
    cli.child.kill('SIGKILL');
    await cli.exited;
    withoutListParts(h);
    h.proxy.resetStats();
    const rerun = await runCli(uploadArgs(h));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(sentParts(h)).toEqual([5]);
    expect(h.proxy.stats().byOperation.CreateMultipartUpload ?? 0).toBe(0);
    await expectStored(keyOf(h, REL), await digestFile(file!, PART));
  });

  it('starts again when the upload is gone and the server says only that the key is missing (Ceph RGW)', async () => {
    const { h, journal, digest } = await halfSent('GONE', 2);
    // what `cleanup` or a lifecycle rule does to an upload left open
    await makeTestClient().send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: keyOf(h, REL), UploadId: journal.uploadId }),
    );
    h.proxy.resetStats();
    const rerun = await runCli(uploadArgs(h, '--debug'));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(listPartsStatuses(h)).toEqual([404]);
    expect(rerun.stderr).toContain(
      `upload ${journal.uploadId} is not on the server as journaled; starting again`,
    );
    expect(h.proxy.stats().byOperation.CreateMultipartUpload).toBe(1);
    // the first missing part learnt that the upload is gone, and no other went to it
    const probe = notIn(journal)[0]!;
    expect(requestsForUpload(h.proxy.stats(), 'UploadPart', journal.uploadId)).toHaveLength(1);
    expect(sentParts(h)).toEqual([1, 2, 3, 4, 5, probe].sort((a, b) => a - b));
    expect(await listOpenMultipartUploads(bucket)).toEqual([]);
    await expectStored(keyOf(h, REL), digest);
    // the parts the journal named are not in the object: every byte of it is this run's, none resumed
    const { totals } = JSON.parse(await readFile(h.statusJson, 'utf8'));
    expect(totals).toMatchObject({ bytes_resumed: 0, bytes_uploaded: SIZE });
  });

  it('resumes through another spelling of the project folder (a link to it) without resending a part', async () => {
    const { h, journal, digest } = await halfSent('ALIAS', 2);
    const alias = `${h.projectDir}-alias`;
    await symlink(h.projectDir, alias, 'junction');
    h.proxy.resetStats();
    const rerun = await runCli([...uploadArgs(h), '--folder', alias]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(sentParts(h)).toEqual(notIn(journal));
    expect(h.proxy.stats().byOperation.CreateMultipartUpload ?? 0).toBe(0);
    await expectStored(keyOf(h, REL), digest);
    const [row] = await readLogRows(h.logCsv);
    expect(row?.reason).toMatch(/resumed: 2 of 5 parts were already stored/);
  });

  it.each([
    ['an hour later', 'SHIFTUP', 3_600_000],
    ['an hour earlier', 'SHIFTDOWN', -3_600_000],
    ['2 seconds later', 'SHIFT2S', 2_000],
  ] as const)(
    'resumes without resending a finished part when the mtime moved %s (FAT/exFAT clock shifts)',
    async (_when, projectKey, shiftMs) => {
      const { h, file, journal, digest } = await halfSent(projectKey, 2);
      const mtimeMs = (await stat(file)).mtimeMs;
      await utimes(file, new Date(mtimeMs + shiftMs), new Date(mtimeMs + shiftMs));
      h.proxy.resetStats();
      const rerun = await runCli(uploadArgs(h));
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(sentParts(h)).toEqual(notIn(journal));
      expect(h.proxy.stats().byOperation.CreateMultipartUpload ?? 0).toBe(0);
      await expectStored(keyOf(h, REL), digest);
    },
  );

  it('sends the parts again when the mtime moved by a clock shift but the bytes changed', async () => {
    const { h, file, journal } = await halfSent('SHIFTBYTES', 2);
    const mtimeMs = (await stat(file)).mtimeMs;
    await writeFiles(h.projectDir, { [REL]: { sizeBytes: SIZE, seed: 'other bytes' } });
    await utimes(file, new Date(mtimeMs + 3_600_000), new Date(mtimeMs + 3_600_000));
    const digest = await digestFile(file, PART);
    h.proxy.resetStats();
    const rerun = await runCli(uploadArgs(h));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(sentParts(h)).toEqual([1, 2, 3, 4, 5]);
    expect(journal.parts).toHaveLength(2);
    await expectStored(keyOf(h, REL), digest);
  });
});

describe("another project's unfinished upload in the same state folder", () => {
  it('is left open for its own run, and a rerun the log settles still asks the bucket without the SDK', async () => {
    const h = await harness('OTHER1');
    await writeFiles(h.projectDir, { 'reels/R001/R001.mp4': { sizeBytes: 20 * MiB, seed: 'other-project' } });
    const open = await interruptAfterParts(h, 1);
    const settledDir = path.join(path.dirname(h.projectDir), 'SETTLED1');
    await writeFiles(settledDir, { 'logs/run.log': 'done\n' });
    const args = ['--config', h.configPath, '--folder', settledDir, '--project-key', 'SETTLED1'];
    const first = await runCli([...args, '--state-dir', h.stateDir, '--quiet']);
    expect(first.code, first.stderr).toBe(0);
    const rerun = await runCli([...args, '--state-dir', h.stateDir, '--quiet', '--debug']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain(
      'request HeadBucket and ListObjectsV2 of 1 prefix (a probe without the SDK)',
    );
    expect(await listOpenMultipartUploads(bucket)).toContainEqual(
      expect.objectContaining({ key: open.key, uploadId: open.uploadId }),
    );
    expect((await readJournals(h.stateDir)).map((journal) => journal.uploadId)).toEqual([open.uploadId]);
  });
});

describe('an unfinished upload of this project that this run does not resume', () => {
  const REEL = 'reels/R001/R001.mp4';

  it('is kept for the run that resumes it when it is in a folder type this run left out', async () => {
    const h = await harness('LEFTOUT1');
    await writeFiles(h.projectDir, {
      [REEL]: { sizeBytes: 20 * MiB, seed: 'left-out-type' },
      'config/project.yaml': 'x: 1\n',
    });
    const open = await interruptAfterParts(h, 1, uploadArgs(h, '--include', 'reels'));

    const config = await runCli(uploadArgs(h, '--include', 'config'));
    expect(config.code, config.stderr).toBe(0);
    expect(await listOpenMultipartUploads(bucket)).toContainEqual(
      expect.objectContaining({ key: open.key, uploadId: open.uploadId }),
    );
    expect((await readJournals(h.stateDir)).map((journal) => journal.uploadId)).toEqual([open.uploadId]);

    h.proxy.resetStats();
    const reels = await runCli(uploadArgs(h, '--include', 'reels'));
    expect(reels.code, reels.stderr).toBe(0);
    expect(h.proxy.stats().byOperation.CreateMultipartUpload ?? 0).toBe(0);
    expect(requestsForUpload(h.proxy.stats(), 'CompleteMultipartUpload', open.uploadId)).toHaveLength(1);
  });

  it('is kept when its file is still there as it was but this run left it out (too recent)', async () => {
    const h = await harness('LEFTOUT2');
    await writeFiles(h.projectDir, { [REEL]: { sizeBytes: 20 * MiB, seed: 'left-out-file' } });
    const open = await interruptAfterParts(h, 1);
    const sidecar = path.join(h.projectDir, 'reels/R001/R001.json');
    await writeFiles(h.projectDir, { 'reels/R001/R001.json': '{}\n' });
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(sidecar, hourAgo, hourAgo);

    const run = await runCli(uploadArgs(h, '--min-file-age', '600'));
    expect(run.code, run.stderr).toBe(0);
    expect(await listOpenMultipartUploads(bucket)).toContainEqual(
      expect.objectContaining({ key: open.key, uploadId: open.uploadId }),
    );
    expect((await readJournals(h.stateDir)).map((journal) => journal.uploadId)).toEqual([open.uploadId]);
  });

  it('is kept when it sits in another timestamp folder, for the run that resumes it with --custom-timestamp', async () => {
    const h = await harness('OLDSTAMP1');
    await writeFiles(h.projectDir, { [REEL]: { sizeBytes: 20 * MiB, seed: 'old-stamp' } });
    const open = await interruptAfterParts(h, 1, uploadArgs(h, '--custom-timestamp', '20200101_0000'));

    for (const other of [uploadArgs(h, '--custom-timestamp', '20200102_0000'), uploadArgs(h)]) {
      const run = await runCli(other);
      expect(run.code, run.stderr).toBe(0);
    }
    expect(await listOpenMultipartUploads(bucket)).toContainEqual(
      expect.objectContaining({ key: open.key, uploadId: open.uploadId }),
    );

    h.proxy.resetStats();
    const resumed = await runCli(uploadArgs(h, '--custom-timestamp', '20200101_0000'));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(h.proxy.stats().byOperation.CreateMultipartUpload ?? 0).toBe(0);
    expect(requestsForUpload(h.proxy.stats(), 'CompleteMultipartUpload', open.uploadId)).toHaveLength(1);
  });

  it('is aborted once the run has skipped its file because the bucket holds it already', async () => {
    const h = await harness('SKIPPED1');
    await writeFiles(h.projectDir, { [REEL]: { sizeBytes: 20 * MiB, seed: 'skipped-file' } });
    const first = await runCli(uploadArgs(h));
    expect(first.code, first.stderr).toBe(0);
    const open = await interruptAfterParts(h, 1, uploadArgs(h, '--force'));

    h.proxy.resetStats();
    const rerun = await runCli(uploadArgs(h));
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(h.proxy.stats().byOperation.AbortMultipartUpload).toBe(1);
    expect(await listOpenMultipartUploads(bucket)).not.toContainEqual(
      expect.objectContaining({ uploadId: open.uploadId }),
    );
    expect(await readJournals(h.stateDir)).toEqual([]);
  });
});
