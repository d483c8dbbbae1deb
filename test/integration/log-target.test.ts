/**
 * One config with a shared `log_csv`, used for several buckets and endpoints: the upload log's rows of one
 * store never make a run skip a file for another.
 */
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getObjectBytes, listAllObjects } from '../support/bucket.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import {
  makeBytes,
  makeTempDir,
  removeTempDirs,
  writeConfig,
  writeFiles,
  type GeneratedContent,
} from '../support/fixtures.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { readLogRows, type LogRow } from '../support/run-outcomes.js';
import { createTestBucket, getS3Env, testServerConfig } from '../support/s3-env.js';
import { deleteBucket } from './transfer-harness.js';

const PROJECT_KEY = 'LOGTARGET1';
const FILES: Record<string, GeneratedContent> = {
  'reels/R001/clip.mp4': { sizeBytes: 40_000, seed: 'clip' },
  'logs/run.log': { sizeBytes: 3_000, seed: 'run' },
  'report/daily.md': { sizeBytes: 1_200, seed: 'daily' },
};
const KEYS = Object.keys(FILES)
  .map((rel) => `${PROJECT_KEY}/${rel}`)
  .sort();

/** A log row with the target columns. */
type TargetRow = LogRow & { endpoint: string; bucket: string };

let bucketA: string;
let bucketB: string;
let root: string;
let project: string;
let logCsv: string;
let configPath: string;
let proxy: FaultProxy;

beforeAll(async () => {
  const env = getS3Env();
  [bucketA, bucketB] = [await createTestBucket('log-target-a'), await createTestBucket('log-target-b')];
  proxy = await startFaultProxy({ target: env.endpoint });
  root = await makeTempDir('log-target');
  project = path.join(root, PROJECT_KEY);
  logCsv = path.join(root, 'shared', 'upload-log.csv');
  await writeFiles(project, FILES);
  configPath = await writeConfig(root, {
    bucket: bucketA,
    ...testServerConfig(env),
    log_csv: logCsv,
  });
  // a config holding keys must not be readable by others, or the CLI warns about it
  await chmod(configPath, 0o600);
});

afterAll(async () => {
  await proxy?.close();
  await Promise.all([bucketA, bucketB].filter(Boolean).map((b) => deleteBucket(b).catch(() => {})));
  await removeTempDirs();
});

function upload(...extra: string[]): Promise<CliResult> {
  return runCli([
    '--config',
    configPath,
    '--folder',
    project,
    '--project-key',
    PROJECT_KEY,
    '--state-dir',
    path.join(root, 'state'),
    ...extra,
  ]);
}

async function readTargetRows(): Promise<TargetRow[]> {
  return (await readLogRows(logCsv)) as TargetRow[];
}

async function expectEveryFileIn(bucket: string): Promise<void> {
  expect((await listAllObjects(bucket)).map((o) => o.key)).toEqual(KEYS);
  for (const [rel, content] of Object.entries(FILES)) {
    const bytes = await getObjectBytes(bucket, `${PROJECT_KEY}/${rel}`);
    expect(bytes.equals(makeBytes(content.sizeBytes, content.seed)), rel).toBe(true);
  }
}

describe('one config with a shared upload log', () => {
  it('uploads every file to bucket B after the same project went to bucket A', async () => {
    const first = await upload();
    expect(first.code, first.stderr).toBe(0);
    await expectEveryFileIn(bucketA);

    const second = await upload('--bucket', bucketB);
    expect(second.code, second.stderr).toBe(0);
    await expectEveryFileIn(bucketB);

    const rows = await readTargetRows();
    const inB = rows.filter((row) => row.bucket === bucketB);
    expect(inB.map((row) => [row.key, row.outcome]).sort()).toEqual(KEYS.map((key) => [key, 'uploaded']));
    expect(rows.filter((row) => row.bucket === bucketA)).toHaveLength(KEYS.length);
  });

  it('asks the bucket instead of trusting rows of another endpoint with the same bucket name', async () => {
    const rowsBefore = (await readTargetRows()).length;
    const rerun = await upload('--endpoint', proxy.endpoint);
    expect(rerun.code, rerun.stderr).toBe(0);
    const rows = (await readTargetRows()).slice(rowsBefore);
    expect(rows.map((row) => row.key).sort()).toEqual(KEYS);
    for (const row of rows) {
      expect(row.reason).not.toMatch(/^upload log/);
      expect(row.endpoint).toBe(proxy.endpoint);
    }
    expect(proxy.stats().byOperation.HeadObject).toBeGreaterThanOrEqual(KEYS.length);
  });
});
