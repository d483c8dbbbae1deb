/**
 * Ctrl+C during an upload: the first stops scheduling and lets parts in flight finish within the grace period,
 * then the run exits 130 with its journal kept, so the next run sends only what is missing; a second Ctrl+C
 * exits at once.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { GRACE_MS } from '../../src/interrupt.js';
import { getTransferConfig } from '../../src/transfer/transfer-config.js';
import { deleteObject, listAllObjects, listOpenMultipartUploads } from '../support/bucket.js';
import type { ProxyStats } from '../support/fault-proxy.js';
import { writeFiles } from '../support/fixtures.js';
import { PROJECT_ROOT, runCli, spawnCli, type CliResult } from '../support/run-cli.js';
import { readStatusJson } from '../support/run-outcomes.js';
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
  uploadArgs,
  uploadPartRequests,
  waitForJournalParts,
  writeDigestedFile,
  waitForProxy,
  type Digest,
  type Harness,
  useHarnessBucket,
} from './transfer-harness.js';

const SKEWED_CLOCK = path.join(PROJECT_ROOT, 'test', 'support', 'skewed-clock.mjs');

let bucket: string;
const { harness, expectStored } = useHarnessBucket('interrupt', (created) => (bucket = created));

/**
 * Resumes the upload and checks that it sends only the parts the server did not hold yet, none of those
 * the proxy saw accepted before the interruption.
 */
async function expectResumedWithoutResending(
  h: Harness,
  first: ProxyStats,
  partCount: number,
): Promise<ProxyStats> {
  const [journal] = await readJournals(h.stateDir);
  const storedBefore = await listStoredParts(bucket, journal!.key, journal!.uploadId);
  expect(storedBefore).toEqual(expect.arrayContaining(acceptedPartNumbers(first)));
  h.proxy.setRules([]);
  h.proxy.resetStats();
  const rerun = await runCli(uploadArgs(h));
  expect(rerun.code, rerun.stderr).toBe(0);
  const stats = h.proxy.stats();
  expectOnlyMissingPartsSent(stats, storedBefore, first, partCount);
  expect(stats.byOperation.CreateMultipartUpload ?? 0).toBe(0);
  expect(await listOpenMultipartUploads(bucket)).toEqual([]);
  expect(await readJournals(h.stateDir)).toEqual([]);
  return stats;
}

describe('a 2 GiB upload stopped with Ctrl+C', () => {
  const SIZE = 2 * GiB;
  const PART = 64 * MiB;
  const REL = 'reels/R001/big.mp4';
  let h: Harness;
  let digest: Digest;

  beforeAll(async () => {
    h = await harness('INT1');
    digest = await writeDigestedFile(path.join(h.projectDir, REL), SIZE, 'interrupt-sigint', PART);
  });

  it('exits 130 as interrupted, keeps the journal, and the rerun sends only the missing parts', async () => {
    // parts after the 16th wait at the proxy until the run has taken the Ctrl+C, so which parts were answered and
    // which were in flight at that moment is the proxy's to say, not the machine's load
    h.proxy.setRules([{ match: { operation: 'UploadPart' }, action: 'hold', after: 16, times: Infinity }]);
    const workers = getTransferConfig(SIZE).workers;
    const cli = spawnCli(uploadArgs(h));
    const atSignal = await waitForProxy(
      h.proxy,
      (s) => acceptedPartNumbers(s).length === 16 && h.proxy.held() === workers,
    );
    const signalledAt = Date.now();
    cli.child.kill('SIGINT');
    await cli.waitForOutput(/Stopping: letting parts in flight finish/, 60_000);
    h.proxy.setRules([]);
    h.proxy.release();
    const stopped = await cli.exited;
    const stoppingMs = Date.now() - signalledAt;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toMatch(/interrupted/);

    expect((await readStatusJson(h.statusJson)).phase).toBe('interrupted');
    const journals = await readJournals(h.stateDir);
    expect(journals).toHaveLength(1);
    const journalParts = journals[0]!.parts.map((p) => p.partNumber).sort((a, b) => a - b);
    const first = h.proxy.stats();
    const acceptedFirst = acceptedPartNumbers(first);
    expect(journalParts.length).toBeGreaterThanOrEqual(16);
    expect(acceptedFirst).toEqual(expect.arrayContaining(journalParts));
    expect(acceptedFirst.length).toBeLessThan(32);
    // Nothing new starts after Ctrl+C: only the parts of the workers busy at that moment were sent.
    expect(uploadPartRequests(first).length).toBe(16 + workers);
    if (stoppingMs < GRACE_MS) {
      // The grace period did not run out, so every part in flight at Ctrl+C finished and was journaled.
      // (On a machine too slow to finish them in time they are cut off; the rerun checks below still hold.)
      const startedBeforeSignal = uploadPartRequests(atSignal).map((e) => e.partNumber);
      expect(acceptedFirst).toEqual(expect.arrayContaining(startedBeforeSignal));
      expect(journalParts).toEqual(acceptedFirst);
      expect(partsInFlight(first)).toBe(0);
    }

    const rerun = await expectResumedWithoutResending(h, first, 32);
    expect(rerun.bodyBytesByOperation.UploadPart).toBeLessThanOrEqual(SIZE - first.acceptedBodyBytes);
    expect(first.acceptedBodyBytes + rerun.acceptedBodyBytes).toBeLessThanOrEqual(
      SIZE + partsInFlight(atSignal) * PART,
    );
    await expectStored(keyOf(h, REL), digest);
  });
});

describe('Ctrl+C while a part is slow or hangs', () => {
  const SIZE = 40 * MiB;
  const PART = 8 * MiB;
  const REL = 'reels/R003/hang.mp4';

  /**
   * Starts an upload whose part 3 the proxy holds, sends Ctrl+C once two parts are stored and part 3 is on its way,
   * lets part 3 go once the run has taken the Ctrl+C, and returns the stopped run (exit 130): the order is the
   * proxy's, not the clock's.
   */
  async function stopWhilePartThreeIsSlow(h: Harness, ...extra: string[]): Promise<CliResult> {
    h.proxy.setRules([{ match: { operation: 'UploadPart', partNumber: 3 }, action: 'hold' }]);
    const cli = spawnCli(uploadArgs(h, ...extra, '--max-concurrency', '2'), { timeoutMs: 120_000 });
    await waitForProxy(h.proxy, (s) => acceptedPartNumbers(s).length >= 2 && h.proxy.held() === 1);
    cli.child.kill('SIGINT');
    await cli.waitForOutput(/Stopping: letting parts in flight finish/, 60_000);
    h.proxy.release();
    const stopped = await cli.exited;
    expect(stopped.code, stopped.stderr).toBe(130);
    return stopped;
  }

  it('lets a slow part in flight finish after Ctrl+C and journals it', async () => {
    const h = await harness('SLOW1');
    const [file] = await writeFiles(h.projectDir, { [REL]: { sizeBytes: SIZE, seed: 'slow' } });
    const digest = await digestFile(file!, PART);
    const stopped = await stopWhilePartThreeIsSlow(h);
    // the summary still says what the stopped run did, and what it left for the next one
    expect(stopped.stdout).toMatch(/^Upload interrupted in \S+: 1 file planned$/m);
    expect(stopped.stdout).toContain('not done: 1 file (40.0 MiB), left for the next run');
    const first = h.proxy.stats();
    const acceptedFirst = acceptedPartNumbers(first);
    expect(acceptedFirst).toContain(3);
    const [journal] = await readJournals(h.stateDir);
    expect(journal?.parts.map((p) => p.partNumber).sort((a, b) => a - b)).toEqual(acceptedFirst);

    await expectResumedWithoutResending(h, first, 5);
    await expectStored(keyOf(h, REL), digest);
  });

  it('on a paced link keeps the bodies in flight to what a stop can finish, and Ctrl+C keeps what was sent', async () => {
    const h = await harness('TRIAGE1');
    const [file] = await writeFiles(h.projectDir, { [REL]: { sizeBytes: SIZE, seed: 'triage' } });
    const digest = await digestFile(file!, 7 * MiB);
    // at 2 MB/s parts take 7 MiB (4 s of the pace) and the bodies in flight 20 MB (10 s): two at a time, not the
    // five the concurrency allows (five 8 MiB parts would each need 20 s, and a stop would keep none); a third
    // starts only once one of the two has ended, which takes 7 MiB of the 10 the Ctrl+C waits for
    const cli = spawnCli(uploadArgs(h, '--max-concurrency', '5', '--max-bandwidth', '2MB/s', '--debug'), {
      timeoutMs: 120_000,
    });
    const atSignal = await waitForProxy(h.proxy, (s) => (s.bodyBytesByOperation.UploadPart ?? 0) >= 10 * MiB);
    const signalledAt = Date.now();
    cli.child.kill('SIGINT');
    const stopped = await cli.exited;
    const stoppingMs = Date.now() - signalledAt;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(uploadPartRequests(atSignal).length).toBeLessThanOrEqual(3);
    const first = h.proxy.stats();
    const [journal] = await readJournals(h.stateDir);
    const journaled = journal?.parts.map((p) => p.partNumber).sort((a, b) => a - b) ?? [];
    expect(journaled).toEqual(acceptedPartNumbers(first));
    // a stop that ended within the grace period let the part nearest its end finish (a machine too slow for that
    // cuts it off, and the rerun still holds)
    if (stoppingMs < GRACE_MS) expect(journaled.length).toBeGreaterThan(0);

    await expectResumedWithoutResending(h, first, 6);
    await expectStored(keyOf(h, REL), digest);
  });

  it('on a link paced by --max-bandwidth sends parts of four seconds of its pace, which a stop can keep', async () => {
    const h = await harness('PACED1');
    const [file] = await writeFiles(h.projectDir, { [REL]: { sizeBytes: 10 * MiB, seed: 'paced' } });
    const digest = await digestFile(file!, 5 * MiB);
    const run = await runCli(uploadArgs(h, '--max-bandwidth', '1.5MB/s'), { timeoutMs: 120_000 });
    expect(run.code, run.stderr).toBe(0);
    // 6 MB is 5.7 MiB: parts of 5 MiB, where the tier's are 8 MiB
    const parts = uploadPartRequests(h.proxy.stats()).map((e) => e.bodyBytes);
    expect(parts.sort((a, b) => a - b)).toEqual([5 * MiB, 5 * MiB]);
    await expectStored(keyOf(h, REL), digest);
  });

  it('with --timestamp names its folder to resume it, and that rerun sends only the missing parts', async () => {
    const h = await harness('TSTAMP1');
    const [file] = await writeFiles(h.projectDir, { [REL]: { sizeBytes: SIZE, seed: 'stamped' } });
    const digest = await digestFile(file!, PART);
    const stopped = await stopWhilePartThreeIsSlow(h, '--timestamp');
    const [journal] = await readJournals(h.stateDir);
    // a later --timestamp run names a folder after its own minute and would send the whole file again
    const stamp = /\/reels\/(\d{8}_\d{4})\//.exec(journal!.key)?.[1];
    expect(stamp, journal!.key).toBeDefined();
    const advice = `to resume, run it again with --custom-timestamp ${stamp} in place of --timestamp`;
    expect(stopped.stderr).toContain(advice);
    const status = await readStatusJson(h.statusJson);
    expect((status.run_error as { message?: string } | null)?.message).toContain(advice);

    const first = h.proxy.stats();
    h.proxy.setRules([]);
    h.proxy.resetStats();
    const rerun = await runCli(uploadArgs(h, '--custom-timestamp', stamp!));
    expect(rerun.code, rerun.stderr).toBe(0);
    const sent = h.proxy.stats();
    expect(sent.byOperation.CreateMultipartUpload ?? 0).toBe(0);
    const stored = acceptedPartNumbers(first);
    const partsSent = uploadPartRequests(sent).map((e) => e.partNumber);
    expect(partsSent.length).toBeGreaterThan(0);
    expect(partsSent.filter((n) => stored.includes(n))).toEqual([]);
    await expectStored(journal!.key, digest);
  });

  it('a --timestamp run killed mid-file: status names the --custom-timestamp that resumes it', async () => {
    const h = await harness('KILLTS');
    await writeFiles(h.projectDir, { [REL]: { sizeBytes: SIZE, seed: 'killed-stamped' } });
    h.proxy.setRules([{ match: { operation: 'UploadPart', partNumber: 3 }, action: 'hold' }]);
    const cli = spawnCli(uploadArgs(h, '--timestamp', '--max-concurrency', '2'), { timeoutMs: 120_000 });
    await waitForProxy(h.proxy, (s) => acceptedPartNumbers(s).length >= 2 && h.proxy.held() === 1);
    cli.child.kill('SIGKILL');
    await cli.exited;
    h.proxy.release();
    const [journal] = await readJournals(h.stateDir);
    const stamp = /\/reels\/(\d{8}_\d{4})\//.exec(journal!.key)?.[1];
    expect(stamp, journal!.key).toBeDefined();

    const shown = await runCli(['status', h.statusJson]);

    expect(shown.code, shown.stderr).toBe(1);
    // a crash leaves no stop message: a new --timestamp run would start a new folder and send the file again
    expect(shown.stdout).toMatch(
      new RegExp(
        `^STALE: process \\d+ is not running; the upload stopped without finishing; to resume, run it again with --custom-timestamp ${stamp} in place of --timestamp`,
        'm',
      ),
    );
    h.proxy.setRules([]);
    const resumed = await runCli(uploadArgs(h, '--custom-timestamp', stamp!));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/ resumed, already stored$/m);
  });

  it('a later --timestamp run names the folder the interrupted run left, which only --custom-timestamp resumes', async () => {
    const h = await harness('TSTAMP2');
    await writeFiles(h.projectDir, { [REL]: { sizeBytes: SIZE, seed: 'left-behind' } });
    await stopWhilePartThreeIsSlow(h, '--custom-timestamp', '20200101_0000');
    h.proxy.setRules([]);

    const planned = await runCli(uploadArgs(h, '--timestamp', '--dry-run'));

    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stderr).toMatch(
      /warn an interrupted run left 1 upload \(\d+\.\d MiB stored\) under timestamp folder 20200101_0000; the run would send those files again into \d{8}_\d{4}: to resume them instead, run with --custom-timestamp 20200101_0000$/m,
    );
    // as advised: the upload is taken up, and no upload is left open in the bucket the other cases share
    const resumed = await runCli(uploadArgs(h, '--custom-timestamp', '20200101_0000'));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/ resumed, already stored$/m);
    expect(await listOpenMultipartUploads(bucket)).toEqual([]);
  });

  it('a later --timestamp run names the folder a crashed run of small files left, which no journal names', async () => {
    const h = await harness('TSTAMP3');
    await writeFiles(h.projectDir, { 'logs/a.log': 'a\n', 'logs/b.log': 'b\n', 'config/c.yaml': 'c: 1\n' });
    h.proxy.setRules([{ match: { operation: 'PutObject' }, action: 'hold', after: 1, times: Infinity }]);
    const crashed = spawnCli(uploadArgs(h, '--timestamp', '--max-concurrency', '1'));
    await waitForProxy(h.proxy, (s) => (s.byOperation.PutObject ?? 0) >= 2);
    // killed once a heartbeat of the upload phase is written: the second file waits at the proxy until then
    const last = await waitForStatus(h, (status) => status.phase === 'uploading');
    crashed.child.kill('SIGKILL');
    await crashed.exited;
    h.proxy.setRules([]);
    const folder = String(last.timestamp_folder);
    expect(folder).toMatch(/^\d{8}_\d{4}$/);
    expect(await readJournals(h.stateDir)).toEqual([]);

    // a day later by this machine's clock: a new --timestamp folder for certain, whatever minute this runs in
    const planned = await runCli(uploadArgs(h, '--timestamp', '--dry-run'), {
      env: {
        NODE_OPTIONS: `--import=${pathToFileURL(SKEWED_CLOCK).href}`,
        UPLOAD_TO_S3_TEST_CLOCK_SKEW_MS: String(24 * 3_600_000),
      },
    });
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stderr).toMatch(
      new RegExp(
        `warn the last run stopped before it was done under timestamp folder ${folder}; the run would send its files again into \\d{8}_\\d{4}: to finish that folder instead, run with --custom-timestamp ${folder}$`,
        'm',
      ),
    );
  });

  it('gives up on the hung part when the grace period ends, counts only the stored parts as uploaded, exits 130, and the rerun completes', async () => {
    const h = await harness('HANG1');
    const [file] = await writeFiles(h.projectDir, { [REL]: { sizeBytes: SIZE, seed: 'hang' } });
    const digest = await digestFile(file!, PART);
    h.proxy.setRules([{ match: { operation: 'UploadPart', partNumber: 3 }, action: 'stall' }]);
    const cli = spawnCli(uploadArgs(h, '--max-concurrency', '2'), { timeoutMs: 120_000 });
    await waitForProxy(
      h.proxy,
      (s) => acceptedPartNumbers(s).length >= 2 && uploadPartRequests(s).some((e) => e.partNumber === 3),
    );
    cli.child.kill('SIGINT');
    const stopped = await cli.exited;
    expect(stopped.timedOut).toBe(false);
    expect(stopped.code, stopped.stderr).toBe(130);
    const status = await readStatusJson(h.statusJson);
    expect(status.phase).toBe('interrupted');
    const first = h.proxy.stats();
    const acceptedFirst = acceptedPartNumbers(first);
    expect(acceptedFirst).not.toContain(3);
    const [journal] = await readJournals(h.stateDir);
    expect(journal?.parts.map((p) => p.partNumber).sort((a, b) => a - b)).toEqual(acceptedFirst);
    // part 3 went whole on the wire but was never stored: the next run sends it again, so it is no content uploaded
    const storedBytes = journal!.parts.reduce((sum, p) => sum + p.sizeBytes, 0);
    expect(status.totals.bytes_uploaded).toBe(storedBytes);
    expect((status.totals as unknown as Record<string, number>).bytes_sent).toBeGreaterThan(storedBytes);
    expect(status.in_flight).toEqual([expect.objectContaining({ bytes: storedBytes })]);
    expect(stopped.stdout).toMatch(
      new RegExp(`^Sent ${storedBytes / MiB}\\.0 MiB in .*; \\d+\\.\\d MiB on the wire$`, 'm'),
    );

    await expectResumedWithoutResending(h, first, 5);
    await expectStored(keyOf(h, REL), digest);
  });

  it('leaves, when killed outright, a status file whose bytes stored are what its journal holds', async () => {
    const h = await harness('HANG4');
    await writeFiles(h.projectDir, { [REL]: { sizeBytes: SIZE, seed: 'hang-kill' } });
    // both workers stall on parts 3 and 4: parts 1 and 2 are all it stores
    h.proxy.setRules([
      { match: { operation: 'UploadPart', partNumber: 3 }, action: 'stall' },
      { match: { operation: 'UploadPart', partNumber: 4 }, action: 'stall' },
    ]);
    const cli = spawnCli(uploadArgs(h, '--max-concurrency', '2', '--status-interval', '0.1'), {
      timeoutMs: 120_000,
    });
    await waitForProxy(
      h.proxy,
      (s) => acceptedPartNumbers(s).length >= 2 && uploadPartRequests(s).some((e) => e.partNumber === 3),
    );
    // killed only once a heartbeat shows both stored parts and bytes of the stalled one: no race on what it holds
    await waitForStatus(h, (status) => {
      const reel = (status.in_flight as { bytes: number; bytes_stored?: number }[] | undefined)?.[0];
      return reel?.bytes_stored === 2 * PART && reel.bytes > 2 * PART;
    });
    cli.child.kill('SIGKILL');
    await cli.exited;
    const [journal] = await readJournals(h.stateDir);
    expect(journal?.parts.map((p) => p.sizeBytes)).toEqual([PART, PART]);

    const last = (await readStatusJson(h.statusJson)).in_flight as { bytes: number; bytes_stored: number }[];
    expect(last[0]?.bytes_stored).toBe(2 * PART);

    const shown = await runCli(['status', h.statusJson]);

    const cutOff = ((last[0]!.bytes - 2 * PART) / MiB).toFixed(1);
    expect(shown.stdout).toMatch(
      new RegExp(
        `^Progress: 40\\.0% of 40\\.0 MiB \\(16\\.0 MiB stored; ${cutOff} MiB more in requests it never saw answered\\)`,
        'm',
      ),
    );
    expect(shown.stdout).toMatch(/^ +40\.0% +40\.0 MiB +\S+hang\.mp4$/m);
    h.proxy.setRules([]);
    const resumed = await runCli(uploadArgs(h));
    expect(resumed.code, resumed.stderr).toBe(0);
  });

  it('exits at once on a second Ctrl+C, without waiting for the grace period', async () => {
    const h = await harness('HANG2');
    const [file] = await writeFiles(h.projectDir, { [REL]: { sizeBytes: SIZE, seed: 'hang-twice' } });
    const digest = await digestFile(file!, PART);
    h.proxy.setRules([{ match: { operation: 'UploadPart', partNumber: 3 }, action: 'stall' }]);
    const args = uploadArgs(h, '--max-concurrency', '2', '--json').filter((arg) => arg !== '--quiet');
    const cli = spawnCli(args, { timeoutMs: 120_000 });
    await waitForProxy(
      h.proxy,
      (s) => acceptedPartNumbers(s).length >= 2 && uploadPartRequests(s).some((e) => e.partNumber === 3),
    );
    cli.child.kill('SIGINT');
    await cli.waitForOutput(/Stopping/, 30_000);
    cli.child.kill('SIGINT');
    const stopped = await cli.exited;
    expect(stopped.code, stopped.stderr).toBe(130);
    // exiting at once still leaves a status file that says how the run ended, and a last --json record; that
    // record comes only from the second signal's exit (the grace period's end, with part 3 held, ends otherwise),
    // so it shows the run did not wait, without timing the exit
    expect((await readStatusJson(h.statusJson)).phase).toBe('interrupted');
    const last = JSON.parse(stopped.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(last).toMatchObject({
      type: 'error',
      exit_code: 130,
      message: expect.stringMatching(/stopped at once by a second signal/),
    });
    const first = h.proxy.stats();
    const [journal] = await readJournals(h.stateDir);
    // exiting at once may leave the journal a part behind the server, never ahead of it
    expect(acceptedPartNumbers(first)).toEqual(
      expect.arrayContaining(journal!.parts.map((p) => p.partNumber)),
    );

    await expectResumedWithoutResending(h, first, 5);
    await expectStored(keyOf(h, REL), digest);
  });
});

describe('a Ctrl+C whose grace period sees every file end', () => {
  it('exits 0 as completed: nothing was stopped, so nothing is left to resume', async () => {
    const h = await harness('ENDINGRACE');
    const REL = 'reels/R001/last.mp4';
    const [file] = await writeFiles(h.projectDir, {
      [REL]: { sizeBytes: 20 * MiB, seed: 'ends-in-grace' },
      'logs/day-1.log': 'line\n',
    });
    const digest = await digestFile(file!, 8 * MiB);
    // the server completes the upload; its answer waits at the proxy until the run has taken the Ctrl+C
    h.proxy.setRules([{ match: { operation: 'CompleteMultipartUpload' }, action: 'hold-answer' }]);
    const cli = spawnCli(uploadArgs(h), { timeoutMs: 120_000 });
    await waitForProxy(
      h.proxy,
      (s) => h.proxy.held() > 0 && s.log.some((e) => e.operation === 'PutObject' && e.status === 200),
    );
    cli.child.kill('SIGINT');
    await cli.waitForOutput(/Stopping/, 30_000);
    h.proxy.release();
    const run = await cli.exited;

    expect(run.code, run.stderr).toBe(0);
    expect((await readStatusJson(h.statusJson)).phase).toBe('completed');
    await expectStored(keyOf(h, REL), digest);
    expect(await readJournals(h.stateDir)).toEqual([]);
  });
});

describe('a second Ctrl+C while the server starts the upload (its answer not yet read)', () => {
  it('exits 130 at once; the rerun uploads the file and leaves no upload open, the unread one included', async () => {
    const h = await harness('CREATE2');
    const REL = 'reels/R001/create.mp4';
    const [file] = await writeFiles(h.projectDir, { [REL]: { sizeBytes: 20 * MiB, seed: 'create-twice' } });
    const digest = await digestFile(file!, 8 * MiB);
    // the server starts the upload; its answer stays at the proxy until both signals are in
    h.proxy.setRules([{ match: { operation: 'CreateMultipartUpload' }, action: 'hold-answer' }]);
    const cli = spawnCli(uploadArgs(h), { timeoutMs: 120_000 });
    await waitForProxy(h.proxy, () => h.proxy.held() > 0);
    cli.child.kill('SIGINT');
    await cli.waitForOutput(/Stopping/, 30_000);
    cli.child.kill('SIGINT');
    const stopped = await cli.exited;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(await readJournals(h.stateDir)).toEqual([]);
    h.proxy.release();
    await waitForProxy(
      h.proxy,
      (s) => (s.byOperation.CreateMultipartUpload ?? 0) === 1 && h.proxy.held() === 0,
    );
    expect(await listOpenMultipartUploads(bucket)).not.toEqual([]);

    h.proxy.setRules([]);
    const rerun = await runCli(uploadArgs(h));

    expect(rerun.code, rerun.stderr).toBe(0);
    await expectStored(keyOf(h, REL), digest);
    expect(await listOpenMultipartUploads(bucket)).toEqual([]);
  });
});

describe('a CI job cancelled mid-upload (SIGINT, then SIGTERM before the parts in flight finish)', () => {
  it('releases both locks and keeps the confirmed parts, so a rerun at once resumes', async () => {
    const h = await harness('CANCEL1');
    const REL = 'reels/R001/cancel.mp4';
    const [file] = await writeFiles(h.projectDir, { [REL]: { sizeBytes: 40 * MiB, seed: 'cancel' } });
    const digest = await digestFile(file!, 8 * MiB);
    // parts 1 and 2 are stored; every later part waits at the proxy, so the run is still draining at SIGTERM
    h.proxy.setRules([{ match: { operation: 'UploadPart' }, action: 'hold', after: 2, times: Infinity }]);
    const args = uploadArgs(h, '--max-concurrency', '2', '--bucket-lock');
    const cli = spawnCli(args, { env: { CI: 'true', GITHUB_ACTIONS: 'true' }, timeoutMs: 120_000 });
    await waitForJournalParts(h.stateDir, 2, cli);
    await waitForProxy(h.proxy, () => h.proxy.held() > 0);
    cli.child.kill('SIGINT');
    await cli.waitForOutput(/Stopping: letting parts in flight finish/, 60_000);
    cli.child.kill('SIGTERM');
    const stopped = await cli.exited;

    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain('Stopped at once');
    expect((await readStatusJson(h.statusJson)).phase).toBe('interrupted');
    expect((await readdir(path.join(h.stateDir, 'locks'))).filter((n) => n.endsWith('.lock'))).toEqual([]);
    const lockKey = `${h.projectKey}/.upload-to-s3.lock`;
    // a machine too busy to unwind within the exit deadline leaves the bucket lock, and says so
    if (stopped.stderr.includes('did not end within')) await deleteObject(bucket, lockKey);
    const keys = (await listAllObjects(bucket, `${h.projectKey}/`)).map((o) => o.key);
    expect(keys).not.toContain(lockKey);
    const [journal] = await readJournals(h.stateDir);
    expect(journal?.parts.map((p) => p.partNumber).sort((a, b) => a - b)).toEqual([1, 2]);

    // a bucket lock left behind would be live for its whole lease: this rerun would exit 3
    const first = h.proxy.stats();
    h.proxy.setRules([]);
    h.proxy.resetStats();
    const rerun = await runCli(args);
    expect(rerun.code, rerun.stderr).toBe(0);
    const partsSent = uploadPartRequests(h.proxy.stats()).map((e) => e.partNumber);
    expect(partsSent.filter((n) => acceptedPartNumbers(first).includes(n))).toEqual([]);
    await expectStored(keyOf(h, REL), digest);
  });
});

describe('a --timestamp run stopped at once by a second Ctrl+C', () => {
  it('says to resume it with --custom-timestamp and its folder, not with the same command', async () => {
    const h = await harness('TSTAMP2');
    await writeFiles(h.projectDir, { 'reels/R001/R001.mp4': { sizeBytes: 24 * MiB, seed: 'tstamp2' } });
    h.proxy.setRules([{ match: { operation: 'UploadPart' }, action: 'hold', times: Infinity }]);
    const cli = spawnCli(uploadArgs(h, '--timestamp'), { timeoutMs: 120_000 });
    await waitForProxy(h.proxy, () => h.proxy.held() > 0);
    cli.child.kill('SIGINT');
    await cli.waitForOutput(/Stopping: letting parts in flight finish/, 60_000);
    cli.child.kill('SIGINT');
    const stopped = await cli.exited;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain('Stopped at once');
    expect(stopped.stderr).toMatch(
      /^To resume, run it again with --custom-timestamp \d{8}_\d{4} in place of --timestamp/m,
    );
    expect(stopped.stderr).not.toContain('Run the same command again');
    h.proxy.release();
  });
});

describe('the status file of a run told to stop', () => {
  it('says the run is ending as interrupted while its parts in flight finish, before any kill can come', async () => {
    const h = await harness('STOPPING');
    await writeFiles(h.projectDir, { 'reels/R001/R001.mp4': { sizeBytes: 24 * MiB, seed: 'stopping' } });
    // the parts wait at the proxy: the run is draining for as long as the test needs; one at a time, so the parts
    // not started when the signal comes are left, and the run ends as interrupted
    h.proxy.setRules([{ match: { operation: 'UploadPart' }, action: 'hold', times: Infinity }]);
    const cli = spawnCli(uploadArgs(h, '--max-concurrency', '1'));
    await waitForProxy(h.proxy, () => h.proxy.held() > 0);
    cli.child.kill('SIGTERM');

    const draining = await waitForStatus(h, (status) => status.run_error !== null);
    expect(draining.phase).toBe('uploading');
    expect(draining.run_error).toMatchObject({
      exit_code: 130,
      meaning: expect.stringMatching(/interrupted/),
    });

    h.proxy.setRules([]);
    h.proxy.release();
    const stopped = await cli.exited;
    expect(stopped.code).toBe(130);
    // a CI runner's SIGTERM: no Ctrl+C to press again
    expect(stopped.stderr).toContain(
      'Stopping: letting parts in flight finish, up to 6s (SIGTERM; a second signal stops at once)',
    );
    expect(await readStatusJson(h.statusJson)).toMatchObject({
      phase: 'interrupted',
      run_error: { exit_code: 130 },
    });
  });
});

describe('the status file while a run asks the bucket', () => {
  it('counts the planned files and bytes before the first one is sent', async () => {
    const h = await harness('PLANNED');
    await writeFiles(h.projectDir, {
      'reels/R001/R001.json': { sizeBytes: 1000, seed: 'planned-a' },
      'logs/run.log': { sizeBytes: 2000, seed: 'planned-b' },
    });
    // --verify asks the bucket while deciding (a listing, or a HeadObject per file for a few): the question waits
    // at the proxy, so the run stays there
    h.proxy.setRules([
      { match: { operation: 'ListObjectsV2' }, action: 'hold', times: Infinity },
      { match: { operation: 'HeadObject' }, action: 'hold', times: Infinity },
    ]);
    const cli = spawnCli(uploadArgs(h, '--verify'));

    await waitForProxy(h.proxy, () => h.proxy.held() > 0);
    const deciding = await waitForStatus(h, (status) => status.phase === 'verifying');
    expect(deciding.totals).toMatchObject({ files: 2, bytes_planned: 3000, uploaded: 0 });

    h.proxy.setRules([]);
    h.proxy.release();
    expect((await cli.exited).code).toBe(0);
  });
});

/** Polls the status file until `predicate` holds; rejects after a minute. */
async function waitForStatus(
  h: Harness,
  predicate: (status: Awaited<ReturnType<typeof readStatusJson>>) => boolean,
): Promise<Awaited<ReturnType<typeof readStatusJson>>> {
  const deadline = Date.now() + 60_000;
  let status: Awaited<ReturnType<typeof readStatusJson>> | undefined;
  while (Date.now() < deadline) {
    status = await readStatusJson(h.statusJson).catch(() => undefined);
    if (status && predicate(status)) return status;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `the status file never reached the expected state: ${JSON.stringify(status)?.slice(0, 400)}`,
  );
}
