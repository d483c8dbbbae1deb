/**
 * With --json, stdout carries JSON lines only, whatever the command and however it ends: the dry run, the
 * upload's summary (with what was left out), status, check and cleanup, and a fatal error. The text summary
 * names what was left out: counts, and the first few paths (every path with --debug).
 */
import path from 'node:path';
import { AbortMultipartUploadCommand, CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { listOpenMultipartUploads } from '../support/bucket.js';
import { writeFiles } from '../support/fixtures.js';
import { runCli } from '../support/run-cli.js';
import { makeTestClient } from '../support/s3-env.js';
import { uploadArgs, useHarnessBucket, type Harness } from './transfer-harness.js';

/** Every record's `time`, as the other events have it. */
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let bucket: string;
const { harness } = useHarnessBucket('json-output', (created) => (bucket = created));

type JsonRecord = { type: string; [field: string]: unknown };

/** Every stdout line parsed as JSON; fails the test on a line that is not. */
function jsonLines(stdout: string): JsonRecord[] {
  const lines = stdout.split('\n');
  expect(lines.pop()).toBe('');
  return lines.map((line) => {
    try {
      return JSON.parse(line) as JsonRecord;
    } catch {
      throw new Error(`stdout line is not JSON: ${line}\n--- stdout:\n${stdout}`);
    }
  });
}

/** Upload arguments without --quiet, which --json does not take. */
function args(h: Harness, ...extra: string[]): string[] {
  return uploadArgs(h)
    .filter((arg) => arg !== '--quiet')
    .concat(extra);
}

const LEFT_OUT_COUNTS = {
  extension: 1,
  'not a folder type': 1,
  'not a regular file': 0,
  'link loop': 0,
  'too recent': 0,
};

describe('--json output and the left-out summary', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await harness('JSON1');
    await writeFiles(h.projectDir, {
      'config/survey.yaml': 'crew: 2\n',
      'reels/R001/R001_track.gpx': { sizeBytes: 2_000, seed: 'gpx' },
      'reels/R001/tool.exe': 'MZ',
      'misc/notes.txt': 'not a type',
    });
  });

  it('--dry-run --json prints a record per planned file, the left-out files and a last summary record', async () => {
    const result = await runCli(args(h, '--dry-run', '--json', '--custom-timestamp', '20260102_0304'));
    expect(result.code, result.stderr).toBe(0);
    const records = jsonLines(result.stdout);
    const planned = records.filter((r) => r.type === 'planned');
    expect(planned.map((r) => r.key).sort()).toEqual([
      'JSON1/config/20260102_0304/survey.yaml',
      'JSON1/reels/20260102_0304/R001/R001_track.gpx',
    ]);
    for (const record of planned)
      expect(record).toMatchObject({ action: 'upload', reason: expect.any(String) });
    const leftOut = records
      .filter((r) => r.type === 'left-out')
      .map((r) => [path.basename(String(r.file)), r.reason]);
    expect(leftOut.sort()).toEqual([
      ['misc', 'not a folder type'],
      ['tool.exe', 'extension'],
    ]);
    expect(records.at(-1)).toMatchObject({
      type: 'dry-run',
      bucket,
      project_prefix: 'JSON1/',
      timestamp_folder: '20260102_0304',
      files: 2,
      to_upload: 2,
      left_out: LEFT_OUT_COUNTS,
    });
  });

  it('the text dry run names the timestamp folder in its header', async () => {
    const result = await runCli(args(h, '--dry-run', '--custom-timestamp', '20260102_0304'));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(
      `Dry run: nothing is sent. Plan for ${h.projectDir} -> s3://${bucket}/JSON1/ (timestamp folder 20260102_0304)`,
    );
  });

  it('an upload with --json ends with a summary record counting what was left out', async () => {
    const result = await runCli(args(h, '--json'));
    expect(result.code, result.stderr).toBe(0);
    const records = jsonLines(result.stdout);
    expect(records.at(-1)).toMatchObject({
      type: 'summary',
      time: expect.stringMatching(ISO_TIME),
      exit_code: 0,
      left_out: LEFT_OUT_COUNTS,
    });
  });

  it('the text summary counts the left-out files by reason and names the first of them', async () => {
    const plain = await runCli(uploadArgs(h));
    expect(plain.code, plain.stderr).toBe(0);
    const lines = plain.stdout.split('\n');
    const at = lines.indexOf("left out: 2 files (1 extension not in the type's set, 1 not a folder type)");
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 3).sort()).toEqual([
      `  ${path.join(h.projectDir, 'misc')}: not a folder type`,
      `  ${path.join(h.projectDir, 'reels', 'R001', 'tool.exe')}: extension not in the reels set`,
    ]);
    expect(lines[at + 3]).toBe('');
  });

  it('status --json prints the status file as one record, and --watch --json one per change', async () => {
    const once = await runCli(['status', h.statusJson, '--json']);
    expect(once.code, once.stderr).toBe(0);
    const [record, ...rest] = jsonLines(once.stdout);
    expect(rest).toEqual([]);
    expect(record).toMatchObject({ type: 'status', phase: 'completed', liveness: 'finished', exit_code: 0 });
    const watched = await runCli(['status', h.statusJson, '--watch', '--json', '--interval', '0.1']);
    expect(watched.code, watched.stderr).toBe(0);
    expect(jsonLines(watched.stdout).map((r) => r.type)).toEqual(['status']);
  });

  it('check --json prints JSON lines only', async () => {
    const result = await runCli(['check', ...args(h, '--json')]);
    expect(result.code, result.stderr).toBe(0);
    const records = jsonLines(result.stdout);
    expect(records.filter((r) => r.type === 'check')).toHaveLength(2);
    expect(records.at(-1)?.type).toBe('check-summary');
  });

  it('cleanup --json prints a record per stale upload and a summary record', async () => {
    const client = makeTestClient();
    const key = 'JSON1/reels/R001/stale.mp4';
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    try {
      const common = [
        'cleanup',
        '--config',
        h.configPath,
        '--project-key',
        'JSON1',
        '--state-dir',
        h.stateDir,
      ];
      const listed = await runCli([...common, '--older-than', '0', '--dry-run', '--json']);
      expect(listed.code, listed.stderr).toBe(0);
      expect(jsonLines(listed.stdout)).toEqual([
        { type: 'would-abort', key, upload_id: created.UploadId, started: expect.any(String) },
        { type: 'cleanup', bucket, prefix: 'JSON1/', source: 'server', open: 1, stale: 1, aborted: 0 },
      ]);
      const aborted = await runCli([...common, '--older-than', '0', '--json']);
      expect(aborted.code, aborted.stderr).toBe(0);
      expect(jsonLines(aborted.stdout).map((r) => r.type)).toEqual(['abort', 'cleanup']);
      expect(await listOpenMultipartUploads(bucket)).toEqual([]);
    } finally {
      await client
        .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: created.UploadId }))
        .catch(() => {});
      client.destroy();
    }
  });

  it('a usage error with --json is a JSON error record on stdout', async () => {
    const result = await runCli(['--json', '--project-key', 'X', '--no-such-flag']);
    expect(result.code).toBe(2);
    expect(jsonLines(result.stdout)).toEqual([
      expect.objectContaining({
        type: 'error',
        time: expect.stringMatching(ISO_TIME),
        exit_code: 2,
        message: "unknown option '--no-such-flag'",
      }),
    ]);
  });
});
