/**
 * `check` and `upload --check` against a real S3 server, through a counting proxy: what a check names after the
 * bucket lost one object and holds a corrupted copy of another, that `upload --check` re-sends exactly those, and
 * that a changed mtime is settled by content (an hour's shift re-sends nothing; changed bytes are re-sent).
 */
import { mkdir, readFile, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { headObject } from '../support/bucket.js';
import type { ProxyStats } from '../support/fault-proxy.js';
import { makeBytes, writeFiles } from '../support/fixtures.js';
import { runCli, spawnCli, type CliResult } from '../support/run-cli.js';
import { readLogRows } from '../support/run-outcomes.js';
import { makeTestClient } from '../support/s3-env.js';
import {
  keyOf,
  MiB,
  uploadArgs,
  useHarnessBucket,
  waitForProxy,
  writeDigestedFile,
  type Harness,
} from './transfer-harness.js';

const LARGE_REL = 'reels/R001/R001_cam1.mp4';
const HOUR_MS = 3_600_000;

let bucket = '';
const { harness, expectStored } = useHarnessBucket('check', (name) => (bucket = name));

/** The arguments of a check of the harness's project, plus `extra`. */
function checkArgs(h: Harness, ...extra: string[]): string[] {
  return [
    'check',
    '--config',
    h.configPath,
    '--folder',
    h.projectDir,
    '--project-key',
    h.projectKey,
    '--state-dir',
    h.stateDir,
    ...extra,
  ];
}

function expectExit(result: CliResult, code: number): void {
  expect(result.code, `exit code; stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(code);
}

/** Keys that PutObject or UploadPart requests carried, once each, sorted. */
function keysSent(stats: ProxyStats, h: Harness): string[] {
  const sent = stats.log
    .filter((e) => e.operation === 'PutObject' || e.operation === 'UploadPart')
    .map((e) => decodeURIComponent(new URL(e.url, 'http://proxy').pathname.slice(`/${h.bucket}/`.length)));
  return [...new Set(sent)].sort();
}

function uploadParts(stats: ProxyStats): number {
  return stats.byOperation.UploadPart ?? 0;
}

/** A project of a few small files in three folder types and one three-part reel. */
async function writeSmallProject(h: Harness): Promise<void> {
  await writeFiles(h.projectDir, {
    'config/survey.yaml': { sizeBytes: 1200, seed: 'survey' },
    'config/notes.txt': { sizeBytes: 900, seed: 'notes' },
    'logs/run-01.log': { sizeBytes: 4000, seed: 'run' },
    'report/daily.md': { sizeBytes: 2500, seed: 'daily' },
  });
  await writeDigestedFile(path.join(h.projectDir, ...LARGE_REL.split('/')), 20 * MiB, 'reel', 8 * MiB);
}

describe('check', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await harness('CHK1');
    await writeSmallProject(h);
    expectExit(await runCli(uploadArgs(h)), 0);
  });

  it('proves a freshly uploaded project, sending nothing', async () => {
    h.proxy.resetStats();
    const result = await runCli(checkArgs(h));
    expectExit(result, 0);
    expect(result.stdout).toContain('5 files: 5 proven, 0 missing, 0 different, 0 unproven; 0 extra objects');
    expect(keysSent(h.proxy.stats(), h)).toEqual([]);
  });

  it('says in one line that the server cannot list objects where it answers ListObjectsV2 with 501 (exit 2)', async () => {
    h.proxy.setRules([
      { match: { operation: 'ListObjectsV2' }, action: 'not-implemented-501', times: Infinity },
    ]);
    try {
      const result = await runCli(checkArgs(h));
      expectExit(result, 2);
      expect(result.stderr).toBe(
        `upload-to-s3: check s3://${bucket}: the server cannot list objects (NotImplemented, HTTP 501), which check needs to find what the bucket holds; a dry run with --verify asks for each file by HeadObject and sends nothing\n`,
      );
    } finally {
      h.proxy.setRules([]);
    }
  });

  it('refuses a report path it cannot write before checking anything: exit 2, one line', async () => {
    const report = path.join(h.stateDir, 'held-report');
    await mkdir(report, { recursive: true });
    h.proxy.resetStats();
    const result = await runCli(checkArgs(h, '--report', report));
    expectExit(result, 2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^upload-to-s3: write check report .*held-report: it is a folder; pass a path you can write to with --report\n$/,
    );
    expect(h.proxy.stats().log).toEqual([]);
  });

  it('shows its rows before a report file that became unwritable during the check ends it with exit 2', async () => {
    const report = path.join(h.stateDir, 'late-report.csv');
    // the path is writable when the check starts; it is made a folder while the proxy holds the first request
    h.proxy.setRules([{ match: { operation: 'HeadBucket' }, action: 'hold', times: 1 }]);
    const cli = spawnCli(checkArgs(h, '--report', report));
    await waitForProxy(h.proxy, () => h.proxy.held() > 0);
    await mkdir(report);
    h.proxy.release();
    const result = await cli.exited;
    h.proxy.setRules([]);
    expectExit(result, 2);
    expect(result.stdout).toContain('5 files: 5 proven, 0 missing');
    expect(result.stderr).toMatch(/write check report .*late-report\.csv: .*; close it if another program/);
  });

  it("creates a report's missing folder, as the run does for its own files", async () => {
    const report = path.join(h.stateDir, 'reports', 'today', 'check.csv');
    const result = await runCli(checkArgs(h, '--report', report));
    expectExit(result, 0);
    expect(await readFile(report, 'utf8')).toMatch(/^\uFEFFkey,file,status,reason\r?\n/);
  });

  it('names a deleted object and a corrupted copy, re-sends exactly those with upload --check, then passes', async () => {
    const deleted = keyOf(h, 'config/notes.txt');
    const corrupted = keyOf(h, 'logs/run-01.log');
    const extra = keyOf(h, 'logs/stray.log');
    const client = makeTestClient();
    try {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: deleted }));
      // other bytes of the same size under the same user metadata, as a corrupted copy would be
      const { metadata } = await headObject(bucket, corrupted);
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: corrupted,
          Body: makeBytes(4000, 'other'),
          Metadata: metadata,
        }),
      );
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: extra, Body: 'stray' }));
    } finally {
      client.destroy();
    }
    const report = path.join(h.stateDir, 'check.csv');

    const failed = await runCli(checkArgs(h, '--report', report));

    expectExit(failed, 1);
    expect(failed.stdout).toContain(`missing   ${deleted}: new: not in the bucket`);
    expect(failed.stdout).toContain(`different ${corrupted}: content differs (MD5 != ETag)`);
    expect(failed.stdout).toContain(`extra     ${extra}`);
    const rows = parse(await readFile(report, 'utf8'), { columns: true, bom: true }) as Array<
      Record<string, string>
    >;
    expect(rows.map((r) => [r.key, r.status]).sort()).toEqual(
      [
        [keyOf(h, 'config/survey.yaml'), 'proven'],
        [deleted, 'missing'],
        [corrupted, 'different'],
        [keyOf(h, 'report/daily.md'), 'proven'],
        [keyOf(h, LARGE_REL), 'proven'],
        [extra, 'extra'],
      ].sort(),
    );

    h.proxy.resetStats();
    expectExit(await runCli(uploadArgs(h, '--check')), 0);
    expect(keysSent(h.proxy.stats(), h)).toEqual([corrupted, deleted].sort());
    const outcomes = (await readLogRows(h.logCsv)).slice(-5).map((r) => [r.key, r.outcome]);
    expect(
      outcomes
        .filter(([, outcome]) => outcome === 'uploaded')
        .map(([key]) => key)
        .sort(),
    ).toEqual([corrupted, deleted].sort());

    const passed = await runCli(checkArgs(h, '--json'));
    expectExit(passed, 0);
    const lines = passed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.at(-1)).toEqual({
      type: 'check-summary',
      proven: 5,
      'settings-differ': 0,
      missing: 0,
      different: 0,
      unproven: 0,
      extra: 1,
    });
  });
});

describe('a changed mtime is settled by content', () => {
  it('does not re-send an unchanged multipart file whose mtime moved by an hour either way', async () => {
    const h = await harness('CHK2');
    await writeSmallProject(h);
    expectExit(await runCli(uploadArgs(h)), 0);
    const file = path.join(h.projectDir, ...LARGE_REL.split('/'));
    const mtime = (await stat(file)).mtime.getTime();

    for (const shiftMs of [HOUR_MS, -HOUR_MS]) {
      await utimes(file, new Date(mtime + shiftMs), new Date(mtime + shiftMs));
      h.proxy.resetStats();
      expectExit(await runCli(uploadArgs(h)), 0);

      expect(uploadParts(h.proxy.stats())).toBe(0);
      expect(keysSent(h.proxy.stats(), h)).toEqual([]);
      const row = (await readLogRows(h.logCsv)).filter((r) => r.key === keyOf(h, LARGE_REL)).at(-1);
      expect(row).toMatchObject({
        outcome: 'skipped',
        reason: `content matches (multipart ETag from local part MD5s); mtime moved by ${shiftMs / HOUR_MS} h (FAT/DST shift?)`,
      });
    }
  });

  it('re-sends a large file changed at the same size whose stored copy is newer than its mtime', async () => {
    const h = await harness('CHK3');
    // more than 50 files, so the bucket is listed (a listing carries no recorded mtime)
    const smalls = Object.fromEntries(
      Array.from({ length: 55 }, (_, i) => [`config/item-${i}.json`, `{"n": ${i}}`]),
    );
    await writeFiles(h.projectDir, smalls);
    const file = path.join(h.projectDir, ...LARGE_REL.split('/'));
    await writeDigestedFile(file, 20 * MiB, 'before', 8 * MiB);
    expectExit(await runCli(uploadArgs(h)), 0);
    const { mtime } = await stat(file);

    const changed = await writeDigestedFile(file, 20 * MiB, 'after', 8 * MiB);
    // older than the stored copy, and not the mtime recorded at upload
    await utimes(file, new Date(mtime.getTime() - 10_000), new Date(mtime.getTime() - 10_000));
    h.proxy.resetStats();
    expectExit(await runCli(uploadArgs(h, '--verify')), 0);

    expect(keysSent(h.proxy.stats(), h)).toEqual([keyOf(h, LARGE_REL)]);
    expect(uploadParts(h.proxy.stats())).toBe(3);
    await expectStored(keyOf(h, LARGE_REL), changed);
  });
});
