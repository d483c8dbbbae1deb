/**
 * Runs nobody watches (Task Scheduler, CI, a closed terminal): every way a run ends leaves its reason in the log
 * file, the status JSON and the `--json` stream, and a stop or a closed output never passes for success.
 */
import { readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listAllObjects, listOpenMultipartUploads } from '../support/bucket.js';
import { writeFiles } from '../support/fixtures.js';
import { runCli, spawnCli } from '../support/run-cli.js';
import { readStatusJson } from '../support/run-outcomes.js';
import {
  keyOf,
  MiB,
  readJournals,
  uploadArgs,
  useHarnessBucket,
  waitForJournalParts,
  waitForProxy,
  type Harness,
} from './transfer-harness.js';

let bucket: string;
const { harness } = useHarnessBucket('unattended', (created) => (bucket = created));

function logFileOf(h: Harness): string {
  return path.join(path.dirname(h.stateDir), 'run.log');
}

async function openUploadsOf(h: Harness): Promise<string[]> {
  const open = await listOpenMultipartUploads(bucket);
  return open.map((u) => u.key).filter((key) => key.startsWith(`${h.projectKey}/`));
}

async function lockFiles(h: Harness): Promise<string[]> {
  return readdir(path.join(h.stateDir, 'locks')).catch(() => []);
}

describe('a run that fails', () => {
  it('records a fatal error in the log file, the status JSON and the --json stream', async () => {
    const h = await harness('TRACEFATAL');
    await writeFiles(h.projectDir, { 'logs/day-1.log': 'line\n' });
    const args = uploadArgs(h, '--bucket', 'no-such-bucket-here', '--json', '--log-file', logFileOf(h));
    const run = await runCli(args.filter((arg) => arg !== '--quiet'));

    expect(run.code, run.stderr).toBe(2);
    const log = await readFile(logFileOf(h), 'utf8');
    expect(log).toMatch(/ error .*no-such-bucket-here.*\(exit 2: usage, config or credentials error/);
    const status = await readStatusJson(h.statusJson);
    expect(status.phase).toBe('failed');
    expect(status.run_error).toMatchObject({
      exit_code: 2,
      message: expect.stringMatching(/no-such-bucket-here/),
    });
    const lines = run.stdout.trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ type: 'error', exit_code: 2 });
  });

  it('says in the status file that a run was refused for its settings, where the last run said completed', async () => {
    const h = await harness('REFUSED');
    await writeFiles(h.projectDir, { 'logs/day-1.log': 'line\n' });
    const first = await runCli(uploadArgs(h));
    expect(first.code, first.stderr).toBe(0);
    expect((await readStatusJson(h.statusJson)).phase).toBe('completed');

    const refused = await runCli(uploadArgs(h, '--include', 'nonsuch'));

    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--include nonsuch: unknown folder type/);
    const status = await readStatusJson(h.statusJson);
    expect(status.phase).toBe('failed');
    expect(status.run_error).toMatchObject({
      exit_code: 2,
      message: expect.stringMatching(/--include nonsuch/),
    });
    const shown = await runCli(['status', h.statusJson]);
    expect(shown.code).toBe(2);
    expect(shown.stdout).toMatch(/Ended: failed, exit 2 .*--include nonsuch/);
  });

  it('lists the failed files in the log file with the exit code', async () => {
    const h = await harness('TRACEFILES');
    await writeFiles(h.projectDir, { 'logs/day-1.log': 'line\n' });
    await symlink(path.join(h.projectDir, 'gone.log'), path.join(h.projectDir, 'logs', 'day-2.log'));
    const run = await runCli(uploadArgs(h, '--log-file', logFileOf(h)));

    expect(run.code, run.stderr).toBe(1);
    const log = await readFile(logFileOf(h), 'utf8');
    expect(log).toMatch(/ error 1 of 2 files failed \(exit 1: /);
    expect(log).toMatch(/ error .*day-2\.log.*broken symbolic link/);
  });
});

describe('a run that is stopped', () => {
  it('exits 130, not 1, when Ctrl+C comes while it checks the bucket', async () => {
    const h = await harness('STOPCHECK', [
      { match: { operation: 'ListObjectsV2' }, action: 'stall', times: Infinity },
      { match: { operation: 'HeadObject' }, action: 'stall', times: Infinity },
    ]);
    await writeFiles(h.projectDir, { 'logs/day-1.log': 'line\n' });
    const cli = spawnCli(uploadArgs(h));
    await waitForProxy(
      h.proxy,
      (s) => (s.byOperation.HeadObject ?? 0) + (s.byOperation.ListObjectsV2 ?? 0) > 0,
    );
    cli.child.kill('SIGINT');
    const run = await cli.exited;

    expect(run.code, run.stderr).toBe(130);
    const status = await readStatusJson(h.statusJson);
    expect(status.phase).toBe('interrupted');
    expect(status.run_error).toMatchObject({ exit_code: 130 });
    expect(await lockFiles(h)).toEqual([]);
  });

  it('treats a hang-up (closed console window) as a stop: status interrupted, lock released, journal kept', async () => {
    const h = await harness('HANGUP', [
      { match: { operation: 'UploadPart' }, action: 'stall', times: Infinity },
    ]);
    await writeFiles(h.projectDir, { 'reels/R001/video.mp4': { sizeBytes: 24 * MiB, seed: 'hangup' } });
    const cli = spawnCli(uploadArgs(h, '--json').filter((arg) => arg !== '--quiet'));
    await waitForProxy(h.proxy, (s) => (s.byOperation.UploadPart ?? 0) > 0);
    cli.child.kill('SIGHUP');
    const run = await cli.exited;

    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stderr).toBe(130);
    expect((await readStatusJson(h.statusJson)).phase).toBe('interrupted');
    expect(await lockFiles(h)).toEqual([]);
    expect(await readJournals(h.stateDir)).toHaveLength(1);
    // a script reading --json learns what the stopped run did, then why it stopped
    const records = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; exit_code?: number; totals?: object });
    expect(records.at(-2)).toMatchObject({
      type: 'summary',
      exit_code: 130,
      totals: { files: 1, uploaded: 0 },
    });
    expect(records.at(-1)).toMatchObject({ type: 'error', exit_code: 130 });
  });
});

describe('a run whose output is closed', () => {
  it('goes on uploading when its stdout pipe closes, and exits 0 only once every file is stored', async () => {
    const h = await harness('EPIPE');
    const files = Object.fromEntries(
      Array.from({ length: 6 }, (_, i) => [`logs/day-${i + 1}.log`, `line ${i}\n`.repeat(1000)]),
    );
    await writeFiles(h.projectDir, files);
    const cli = spawnCli(uploadArgs(h).filter((arg) => arg !== '--quiet'));
    cli.child.stdout.destroy(); // the reader is gone before the first line is written
    const run = await cli.exited;

    expect(run.code, run.stderr).toBe(0);
    const stored = await listAllObjects(bucket, `${h.projectKey}/`);
    expect(stored.map((o) => o.key).sort()).toEqual(
      Object.keys(files)
        .map((rel) => keyOf(h, rel))
        .sort(),
    );
  });
});

describe('a --timestamp run that was interrupted', () => {
  it('keeps its multipart upload open for a week for --custom-timestamp, then a successful run aborts it', async () => {
    const h = await harness('TSLEFT', [
      { match: { operation: 'UploadPart' }, action: 'stall', times: Infinity, after: 1 },
    ]);
    await writeFiles(h.projectDir, { 'reels/R001/video.mp4': { sizeBytes: 24 * MiB, seed: 'ts-left' } });
    const first = spawnCli(uploadArgs(h, '--custom-timestamp', '20261201_0100'));
    await waitForJournalParts(h.stateDir, 1, first);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(await openUploadsOf(h)).toHaveLength(1);

    h.proxy.setRules([]);
    const second = await runCli(uploadArgs(h, '--custom-timestamp', '20261202_0100'));
    expect(second.code, second.stderr).toBe(0);
    expect(await openUploadsOf(h)).toHaveLength(1);

    // a nightly task that never resumes it must not keep it open for ever
    const journals = path.join(h.stateDir, 'journals');
    for (const name of await readdir(journals)) {
      const journal = JSON.parse(await readFile(path.join(journals, name), 'utf8')) as { createdAt: string };
      journal.createdAt = new Date(Date.now() - 8 * 24 * 3600 * 1000).toISOString();
      await writeFile(path.join(journals, name), JSON.stringify(journal));
    }
    const third = await runCli(uploadArgs(h, '--custom-timestamp', '20261203_0100'));
    expect(third.code, third.stderr).toBe(0);
    expect(await openUploadsOf(h)).toEqual([]);
    expect(await readJournals(h.stateDir)).toEqual([]);
  });
});
