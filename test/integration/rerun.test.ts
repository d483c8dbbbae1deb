/**
 * Reruns of one project against a real S3 server, through a counting proxy: what each resume tier decides,
 * how many requests it costs, and that the CSV log, the status file and the summary agree on every run.
 */
import { chmod, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DeleteBucketCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getObjectBytes, listAllObjects } from '../support/bucket.js';
import { startFaultProxy, type FaultProxy, type ProxyStats } from '../support/fault-proxy.js';
import {
  makeBytes,
  makeTempDir,
  removeTempDirs,
  writeConfig,
  writeFiles,
  type FileContent,
} from '../support/fixtures.js';
import { PROJECT_ROOT, runCli, type CliResult } from '../support/run-cli.js';
import {
  countOutcomes,
  defaultRunFiles,
  parseSummaryTotals,
  pickOutcomes,
  readLogRows,
  readStatusJson,
  type LogRow,
} from '../support/run-outcomes.js';
import { createTestBucket, getS3Env, makeTestClient, testServerConfig } from '../support/s3-env.js';

const PROJECT_KEY = 'RMI25320';
const MiB = 1024 * 1024;
const LARGE_SIZE = 20 * MiB;
const LARGE_REL = 'reels/R001/R001_cam1.mp4';
const LARGE_KEY = `${PROJECT_KEY}/${LARGE_REL}`;
const TOUCHED_REL = 'gis_data/layers/layer-04.geojson';
const TOUCHED_KEY = `${PROJECT_KEY}/${TOUCHED_REL}`;

/** Twelve small files in each of the five folder types, with extensions each type accepts. */
const SMALL_FILES: Record<string, string[]> = {
  reels: ['R001/frame-{n}.json', 'R002/track-{n}.gpx', 'R002/clip-{n}.mp4'],
  config: ['survey-{n}.yaml', 'notes-{n}.txt'],
  gis_data: ['layers/layer-{n}.geojson', 'points-{n}.csv'],
  logs: ['run-{n}.log', 'events-{n}.jsonl'],
  report: ['daily-{n}.md', 'summary-{n}.html'],
};
const FOLDER_TYPES = Object.keys(SMALL_FILES);
const SMALL_PER_TYPE = 12;
const FILE_COUNT = FOLDER_TYPES.length * SMALL_PER_TYPE + 1;

function buildProject(): Record<string, FileContent> {
  const files: Record<string, FileContent> = { [LARGE_REL]: { sizeBytes: LARGE_SIZE, seed: 'large' } };
  for (const [folderType, patterns] of Object.entries(SMALL_FILES)) {
    for (let i = 0; i < SMALL_PER_TYPE; i++) {
      const pattern = patterns[i % patterns.length]!;
      const rel = `${folderType}/${pattern.replace('{n}', String(i).padStart(2, '0'))}`;
      files[rel] = { sizeBytes: 1000 + 373 * i, seed: rel };
    }
  }
  return files;
}

interface Run {
  result: CliResult;
  /** CSV log rows this run appended. */
  rows: LogRow[];
  stats: ProxyStats;
}

let proxy: FaultProxy;
let client: S3Client;
let bucket: string;
let project: string;
let stateDir: string;
let configPath: string;
let logCsv: string;
let statusJson: string;

beforeAll(async () => {
  const env = getS3Env();
  client = makeTestClient(env);
  bucket = await createTestBucket('rerun', client);
  proxy = await startFaultProxy({ target: env.endpoint });
  const root = await makeTempDir('rerun');
  project = path.join(root, PROJECT_KEY);
  stateDir = path.join(root, 'state');
  await writeFiles(project, buildProject());
  configPath = await writeConfig(root, {
    bucket,
    ...testServerConfig(env),
  });
  // a config holding keys must not be readable by others, or the CLI warns about it
  await chmod(configPath, 0o600);
  ({ logCsv, statusJson } = defaultRunFiles(stateDir, bucket, PROJECT_KEY));
});

afterAll(async () => {
  await proxy?.close();
  client?.destroy();
  await removeTempDirs();
});

/** Runs the CLI through the proxy and returns its result, the CSV rows it added and the requests it made. */
async function upload(...extra: string[]): Promise<Run> {
  return uploadWith(configPath, ...extra);
}

/** {@link upload} with another config file (same bucket and endpoint, so the same upload log). */
async function uploadWith(config: string, ...extra: string[]): Promise<Run> {
  return uploadWithEnv(config, {}, ...extra);
}

/** {@link uploadWith} with `env` merged over the CLI's environment. */
async function uploadWithEnv(
  config: string,
  env: Record<string, string | undefined>,
  ...extra: string[]
): Promise<Run> {
  const rowsBefore = (await readLogRows(logCsv)).length;
  proxy.resetStats();
  const result = await runCli(
    [
      '--config',
      config,
      '--folder',
      project,
      '--project-key',
      PROJECT_KEY,
      '--state-dir',
      stateDir,
      '--endpoint',
      proxy.endpoint,
      ...extra,
    ],
    { env },
  );
  const rows = (await readLogRows(logCsv)).slice(rowsBefore);
  return { result, rows, stats: proxy.stats() };
}

/** The CSV rows of the run, the summary on stdout and the status file must count the same outcomes. */
async function expectOutcomesAgree(run: Run): Promise<void> {
  expect(run.result.code, run.result.stderr).toBe(0);
  const status = await readStatusJson(statusJson);
  const fromLog = countOutcomes(run.rows);
  expect(parseSummaryTotals(run.result.stdout)).toEqual(fromLog);
  expect(pickOutcomes(status.totals)).toEqual(fromLog);
  expect(status.totals.files).toBe(fromLog.uploaded + fromLog.skipped + fromLog.failed);
  expect(status.phase).toBe('completed');
}

function rowOf(run: Run, key: string): LogRow {
  const row = run.rows.find((r) => r.key === key);
  if (!row) throw new Error(`no CSV row for ${key} in this run`);
  return row;
}

function keysWith(run: Run, outcome: string): string[] {
  return run.rows
    .filter((r) => r.outcome === outcome)
    .map((r) => r.key)
    .sort();
}

/** Operations other than these were requested. */
function otherOperations(stats: ProxyStats, allowed: readonly string[]): Record<string, number> {
  return Object.fromEntries(
    Object.entries(stats.byOperation).filter(([op, n]) => n > 0 && !allowed.includes(op)),
  );
}

/** The prefix each ListObjectsV2 listed, sorted. */
function listedPrefixes(stats: ProxyStats): string[] {
  return stats.log
    .filter((entry) => entry.operation === 'ListObjectsV2')
    .map((entry) => new URL(entry.url, 'http://proxy').searchParams.get('prefix') ?? '')
    .sort();
}

/** The key of each PutObject, sorted. */
function putKeys(stats: ProxyStats): string[] {
  return stats.log
    .filter((entry) => entry.operation === 'PutObject')
    .map((entry) =>
      decodeURIComponent(new URL(entry.url, 'http://proxy').pathname).split('/').slice(2).join('/'),
    )
    .sort();
}

/** Each folder type's prefix in the project. */
const TYPE_PREFIXES = FOLDER_TYPES.map((type) => `${PROJECT_KEY}/${type}/`).sort();

/** A rerun the upload log settles: one HeadBucket and one listing of each folder type's prefix (one page each). */
const SETTLED_RERUN_REQUESTS = { HeadBucket: 1, ListObjectsV2: FOLDER_TYPES.length };

async function deleteObjectsUnder(prefix: string): Promise<string[]> {
  const keys = (await listAllObjects(bucket, prefix)).map((object) => object.key);
  for (const key of keys) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  return keys.sort();
}

async function localBytes(rel: string): Promise<Buffer> {
  return readFile(path.join(project, ...rel.split('/')));
}

/** What the machine running the tests may set for the AWS default chain, which the tests on it must not inherit. */
const NO_OTHER_CHAIN_SETTINGS = {
  AWS_PROFILE: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_CREDENTIAL_EXPIRATION: undefined,
  AWS_CONFIG_FILE: path.join(PROJECT_ROOT, 'no-such-aws-config'),
};

describe('rerunning an uploaded project', () => {
  it('uploads all files on the first run and logs each one as uploaded', async () => {
    const run = await upload();
    await expectOutcomesAgree(run);
    expect(run.rows).toHaveLength(FILE_COUNT);
    expect(countOutcomes(run.rows)).toEqual({ uploaded: FILE_COUNT, skipped: 0, failed: 0 });
    for (const row of run.rows) expect(row.reason).toMatch(/^new: not in the bucket/);
    const objects = await listAllObjects(bucket, `${PROJECT_KEY}/`);
    expect(objects).toHaveLength(FILE_COUNT);
    expect(objects.find((o) => o.key === LARGE_KEY)?.size).toBe(LARGE_SIZE);
    expect(run.stats.byOperation.UploadPart).toBe(3);
    expect(run.stats.byOperation.PutObject).toBe(FILE_COUNT - 1);
  });

  it('skips every file by the CSV log alone, after listing each folder type once to find every one there, and logs one row for all', async () => {
    const run = await upload();
    await expectOutcomesAgree(run);
    expect(countOutcomes(run.rows)).toEqual({ uploaded: 0, skipped: FILE_COUNT, failed: 0 });
    expect(run.rows).toEqual([
      expect.objectContaining({
        file: project,
        key: `${PROJECT_KEY}/`,
        outcome: 'unchanged',
        reason: `${FILE_COUNT} files unchanged since this log recorded them; not listed again`,
      }),
    ]);
    expect(run.stats.byOperation).toEqual(SETTLED_RERUN_REQUESTS);
    expect(listedPrefixes(run.stats)).toEqual(TYPE_PREFIXES);
  });

  it('proves the bucket for such a rerun with signed requests of its own, without loading the SDK', async () => {
    const run = await upload('--debug');
    await expectOutcomesAgree(run);
    expect(run.result.stderr).toContain(
      `request HeadBucket and ListObjectsV2 of ${FOLDER_TYPES.length} prefixes (a probe without the SDK)`,
    );
    expect(run.result.stderr).not.toContain('request HeadBucketCommand');
    expect(run.stats.byOperation).toEqual(SETTLED_RERUN_REQUESTS);
  });

  it('proves it without the SDK too with the keys the AWS default chain takes from the environment', async () => {
    const env = getS3Env();
    const chain = await writeConfig(await makeTempDir('rerun-env-keys'), {
      bucket,
      endpoint_url: env.endpoint,
      region: env.region,
      force_path_style: true,
    });
    const keys = { AWS_ACCESS_KEY_ID: env.accessKeyId, AWS_SECRET_ACCESS_KEY: env.secretAccessKey };

    const run = await uploadWithEnv(chain, { ...keys, ...NO_OTHER_CHAIN_SETTINGS }, '--debug');

    await expectOutcomesAgree(run);
    expect(run.result.stderr).toContain('(a probe without the SDK)');
    expect(run.result.stderr).not.toContain('request HeadBucketCommand');
    expect(run.result.stderr).not.toContain(env.secretAccessKey);
    expect(run.stats.byOperation).toEqual(SETTLED_RERUN_REQUESTS);
  });

  it('warns that keys in the config go unused under auth_mode instance, and signs with the chain', async () => {
    const env = getS3Env();
    const unused = await writeConfig(await makeTempDir('rerun-unused-keys'), {
      bucket,
      endpoint_url: env.endpoint,
      region: env.region,
      force_path_style: true,
      auth_mode: 'instance',
      aws_access_key_id: 'AKIDINTHEFILE0000000',
      aws_secret_access_key: 'secret-in-the-file-never-read-000000000',
    });
    await chmod(unused, 0o600);
    const keys = { AWS_ACCESS_KEY_ID: env.accessKeyId, AWS_SECRET_ACCESS_KEY: env.secretAccessKey };

    const run = await uploadWithEnv(unused, { ...keys, ...NO_OTHER_CHAIN_SETTINGS });

    await expectOutcomesAgree(run);
    expect(run.result.stderr).toContain(
      'aws_access_key_id / aws_secret_access_key, which auth_mode instance does not use; remove them, or set auth_mode config to use them',
    );
    expect(run.result.stderr).not.toContain('secret-in-the-file');
  });

  it('leaves the keys in the environment to the SDK when AWS_PROFILE names a profile, which the chain prefers', async () => {
    const env = getS3Env();
    const dir = await makeTempDir('rerun-env-profile');
    const chain = await writeConfig(dir, {
      bucket,
      endpoint_url: env.endpoint,
      region: env.region,
      force_path_style: true,
    });
    const credentialsFile = path.join(dir, 'credentials');
    await writeFile(
      credentialsFile,
      `[field]\naws_access_key_id = ${env.accessKeyId}\naws_secret_access_key = ${env.secretAccessKey}\n`,
    );
    const wrongKeys = {
      AWS_ACCESS_KEY_ID: 'AKIDNOTTHEONE0000000',
      AWS_SECRET_ACCESS_KEY: 'not-the-secret-key-0000',
    };

    const run = await uploadWithEnv(
      chain,
      {
        ...wrongKeys,
        ...NO_OTHER_CHAIN_SETTINGS,
        AWS_PROFILE: 'field',
        AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
      },
      '--debug',
    );

    await expectOutcomesAgree(run);
    expect(run.result.stderr).not.toContain('(a probe without the SDK)');
    expect(run.result.stderr).toContain('request HeadBucketCommand');
  });

  it('still refuses such a rerun with a wrong secret key, naming the fix', async () => {
    const wrongKeys = await writeConfig(await makeTempDir('rerun-wrong-key'), {
      bucket,
      ...testServerConfig(),
      aws_secret_access_key: 'not-the-secret-key-of-this-user-000000000',
    });
    await chmod(wrongKeys, 0o600);
    const { result, rows } = await uploadWith(wrongKeys);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(`open bucket ${bucket}: .*SignatureDoesNotMatch.*the secret key is wrong`),
    );
    expect(result.stderr).not.toContain('not-the-secret-key');
    expect(rows).toEqual([]);
  });

  it('with --verify lists each folder-type prefix once and heads only the large file', async () => {
    const run = await upload('--verify');
    await expectOutcomesAgree(run);
    expect(countOutcomes(run.rows)).toEqual({ uploaded: 0, skipped: FILE_COUNT, failed: 0 });
    for (const row of run.rows.filter((r) => r.key !== LARGE_KEY))
      expect(row.reason).toBe('content matches (MD5 = ETag)');
    // a listing has no metadata: the large file is headed for the mtime recorded at upload
    expect(rowOf(run, LARGE_KEY).reason).toBe('same size and the recorded mtime matches');
    expect(run.stats.byOperation.ListObjectsV2).toBeGreaterThanOrEqual(1);
    expect(run.stats.byOperation.ListObjectsV2).toBeLessThanOrEqual(FOLDER_TYPES.length);
    expect(run.stats.byOperation.HeadObject).toBe(1);
    expect(otherOperations(run.stats, ['HeadBucket', 'ListObjectsV2', 'HeadObject'])).toEqual({});
  });

  it('without the CSV log skips every file by ETag or recorded mtime, with listings and one HeadObject', async () => {
    await rm(logCsv);
    const run = await upload();
    await expectOutcomesAgree(run);
    expect(run.rows).toHaveLength(FILE_COUNT);
    expect(countOutcomes(run.rows)).toEqual({ uploaded: 0, skipped: FILE_COUNT, failed: 0 });
    for (const row of run.rows.filter((r) => r.key !== LARGE_KEY))
      expect(row.reason).toBe('content matches (MD5 = ETag)');
    expect(rowOf(run, LARGE_KEY).reason).toBe('same size and the recorded mtime matches');
    expect(run.stats.byOperation.ListObjectsV2).toBeLessThanOrEqual(FOLDER_TYPES.length);
    expect(run.stats.byOperation.HeadObject).toBe(1);
    expect(otherOperations(run.stats, ['HeadBucket', 'ListObjectsV2', 'HeadObject'])).toEqual({});
  });

  it('--dry-run fails as the run would on a wrong secret key, even when the upload log settles every file', async () => {
    const wrong = await writeConfig(
      path.dirname(configPath),
      {
        bucket,
        ...testServerConfig(),
        aws_secret_access_key: 'not-the-secret-key-of-this-server',
      },
      'wrong-secret.yaml',
    );
    await chmod(wrong, 0o600);
    const planned = await uploadWith(wrong, '--dry-run');
    expect(planned.result.code, planned.result.stderr).toBe(2);
    expect(planned.result.stderr).toMatch(/SignatureDoesNotMatch|secret key/);
    expect(planned.result.stderr).not.toContain('not-the-secret-key-of-this-server');
    expect(planned.rows).toEqual([]);
  });

  it('--dry-run --debug shows every decision with its reason, asks the bucket only what the log cannot settle, and writes nothing', async () => {
    const statusBefore = await readFile(statusJson, 'utf8');
    // the log settles every file: the dry run only proves, as the run does, that the bucket answers and holds them
    const settled = await upload('--dry-run', '--debug');
    expect(settled.result.code, settled.result.stderr).toBe(0);
    expect(settled.stats.byOperation.HeadBucket).toBe(1);
    expect(otherOperations(settled.stats, ['HeadBucket', 'ListObjectsV2'])).toEqual({});
    const logged = decisionLines(settled.result.stdout);
    expect(logged.size).toBe(FILE_COUNT);
    for (const decision of logged.values())
      expect(decision).toEqual({
        action: 'skip',
        reason: 'upload log: sent earlier with the same size and mtime',
      });

    const touched = path.join(project, ...TOUCHED_REL.split('/'));
    const original = await readFile(touched);
    await writeFile(touched, makeBytes(original.length, 'touched'));
    const later = new Date(Date.now() + 60_000);
    await utimes(touched, later, later);

    // the log cannot settle the touched file: the dry run asks the bucket as the run would, reading only
    const asked = await upload('--dry-run', '--debug');
    expect(asked.result.code, asked.result.stderr).toBe(0);
    const decisions = decisionLines(asked.result.stdout);
    expect(decisions.size).toBe(FILE_COUNT);
    expect(decisions.get(TOUCHED_KEY)).toEqual({ action: 'upload', reason: 'content differs (MD5 != ETag)' });
    for (const [key, decision] of decisions)
      if (key !== TOUCHED_KEY) expect(decision).toEqual(logged.get(key));
    expect(asked.stats.byOperation.HeadBucket).toBe(1);
    // the files the log settles are looked for in a listing of each folder type's prefix; with over 50 files
    // planned, the one to decide is found by listing its folder type's prefix again, as a run does
    expect(asked.stats.byOperation.ListObjectsV2).toBe(FOLDER_TYPES.length + 1);
    expect(otherOperations(asked.stats, ['HeadBucket', 'HeadObject', 'ListObjectsV2'])).toEqual({});

    const checked = await upload('--dry-run', '--verify', '--debug');
    expect(checked.result.code, checked.result.stderr).toBe(0);
    const verified = decisionLines(checked.result.stdout);
    expect(verified.size).toBe(FILE_COUNT);
    expect(verified.get(TOUCHED_KEY)).toEqual({ action: 'upload', reason: 'content differs (MD5 != ETag)' });
    expect(verified.get(LARGE_KEY)).toEqual({
      action: 'skip',
      reason: 'same size and the recorded mtime matches',
    });
    expect([...verified.values()].filter((d) => d.action === 'upload')).toHaveLength(1);
    expect(otherOperations(checked.stats, ['HeadBucket', 'ListObjectsV2', 'HeadObject'])).toEqual({});
    for (const run of [settled, asked, checked]) expect(run.rows).toEqual([]);
    // a dry run may run beside a real upload: that run's status file is left alone
    expect(await readFile(statusJson, 'utf8')).toBe(statusBefore);
  });

  it('sends exactly the one file whose content and mtime changed', async () => {
    const run = await upload();
    await expectOutcomesAgree(run);
    expect(keysWith(run, 'uploaded')).toEqual([TOUCHED_KEY]);
    // the server's MD5 of the stored bytes outranks the metadata a client wrote
    expect(rowOf(run, TOUCHED_KEY).reason).toMatch(/^content differs \(MD5 != ETag\)/);
    expect(countOutcomes(run.rows)).toEqual({ uploaded: 1, skipped: FILE_COUNT - 1, failed: 0 });
    expect(run.stats.byOperation.PutObject).toBe(1);
    expect(run.stats.byOperation.UploadPart ?? 0).toBe(0);
    expect(await getObjectBytes(bucket, TOUCHED_KEY)).toEqual(await localBytes(TOUCHED_REL));
  });

  it('re-sends an object replaced behind the tool by one as big, found by its ETag in the listing', async () => {
    // the last run sent it, so the log has its ETag (rows of files the bucket settled name none)
    const [rel, key] = [TOUCHED_REL, TOUCHED_KEY];
    const local = await localBytes(rel);
    const foreign = makeBytes(local.length, 'replaced behind the tool');
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: foreign }));

    const run = await upload();

    await expectOutcomesAgree(run);
    expect(run.result.stderr).toMatch(
      new RegExp(
        `warn upload log: s3://${bucket}/${key} holds other content \\(ETag [0-9a-f]{32}, not the [0-9a-f]{32} sent\\), though the log says it was sent`,
      ),
    );
    expect(keysWith(run, 'uploaded')).toEqual([key]);
    expect(putKeys(run.stats)).toEqual([key]);
    expect(await getObjectBytes(bucket, key)).toEqual(local);
  });

  it('a same-size change to the large object behind the tool is found by content and re-sent', async () => {
    const local = await localBytes(LARGE_REL);
    const foreign = makeBytes(LARGE_SIZE, 'changed behind the tool');
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: LARGE_KEY, Body: foreign }));

    // the foreign copy is newer than the file and records no mtime: LastModified never decides, content does
    const run = await upload('--verify');
    await expectOutcomesAgree(run);
    expect(keysWith(run, 'uploaded')).toEqual([LARGE_KEY]);
    expect(rowOf(run, LARGE_KEY).reason).toMatch(/^content differs \(MD5 != ETag\)/);
    expect(run.stats.byOperation.UploadPart).toBe(3);
    expect(run.stats.byOperation.PutObject ?? 0).toBe(0);
    expect((await getObjectBytes(bucket, LARGE_KEY)).equals(local)).toBe(true);
  });

  it('--force re-uploads every file', async () => {
    const run = await upload('--force');
    await expectOutcomesAgree(run);
    expect(countOutcomes(run.rows)).toEqual({ uploaded: FILE_COUNT, skipped: 0, failed: 0 });
    for (const row of run.rows) expect(row.reason).toMatch(/^forced \(--force\)/);
    expect(run.stats.byOperation.PutObject).toBe(FILE_COUNT - 1);
    expect(run.stats.byOperation.UploadPart).toBe(3);
    expect(run.stats.byOperation.ListObjectsV2 ?? 0).toBe(0);
  });

  it('re-sends a folder type deleted behind the tool: its objects are not listed, so the log is not trusted', async () => {
    const deleted = await deleteObjectsUnder(`${PROJECT_KEY}/gis_data/`);
    expect(deleted).toHaveLength(SMALL_PER_TYPE);
    const run = await upload();
    await expectOutcomesAgree(run);
    expect(run.result.stderr).toMatch(
      new RegExp(
        `warn upload log: s3://${bucket}/${PROJECT_KEY}/gis_data/\\S+ is not in the bucket, and ${SMALL_PER_TYPE - 1} more, though the log says they were sent; every planned file is checked against the bucket this run`,
      ),
    );
    expect(keysWith(run, 'uploaded')).toEqual(deleted);
    expect(countOutcomes(run.rows)).toEqual({
      uploaded: SMALL_PER_TYPE,
      skipped: FILE_COUNT - SMALL_PER_TYPE,
      failed: 0,
    });
    expect(await listAllObjects(bucket, `${PROJECT_KEY}/`)).toHaveLength(FILE_COUNT);
  });

  it('does the same when a new file has the run connect through the SDK', async () => {
    const deleted = await deleteObjectsUnder(`${PROJECT_KEY}/report/`);
    await writeFiles(project, { 'report/added-later.md': { sizeBytes: 300, seed: 'added' } });
    const run = await upload();
    await expectOutcomesAgree(run);
    expect(run.result.stderr).toContain(`/${PROJECT_KEY}/report/`);
    expect(run.result.stderr).toContain(
      `is not in the bucket, and ${SMALL_PER_TYPE - 1} more, though the log says they were sent`,
    );
    expect(keysWith(run, 'uploaded')).toEqual([...deleted, `${PROJECT_KEY}/report/added-later.md`].sort());
    await rm(path.join(project, 'report', 'added-later.md'));
    await client.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: `${PROJECT_KEY}/report/added-later.md` }),
    );
  });

  it('re-sends the one object of many deleted behind the tool, found missing from the listing', async () => {
    const gone = `${PROJECT_KEY}/config/notes-03.txt`;
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: gone }));

    const run = await upload('--debug');

    await expectOutcomesAgree(run);
    expect(run.result.stderr).toContain('(a probe without the SDK)');
    expect(run.result.stderr).toContain(
      `warn upload log: s3://${bucket}/${gone} is not in the bucket, though the log says it was sent; every planned file is checked against the bucket this run`,
    );
    expect(keysWith(run, 'uploaded')).toEqual([gone]);
    expect(putKeys(run.stats)).toEqual([gone]);
    expect(run.stats.byOperation.UploadPart ?? 0).toBe(0);
    expect(await getObjectBytes(bucket, gone)).toEqual(await localBytes('config/notes-03.txt'));
  });

  it('does the same when the run lists through the SDK', async () => {
    const env = getS3Env();
    const dir = await makeTempDir('rerun-sdk-listing');
    const profileConfig = await writeConfig(dir, {
      bucket,
      endpoint_url: env.endpoint,
      region: env.region,
      force_path_style: true,
      auth_mode: 'profile',
      profile: 'field',
    });
    const credentialsFile = path.join(dir, 'credentials');
    await writeFile(
      credentialsFile,
      `[field]\naws_access_key_id = ${env.accessKeyId}\naws_secret_access_key = ${env.secretAccessKey}\n`,
    );
    const gone = `${PROJECT_KEY}/logs/events-07.jsonl`;
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: gone }));

    const run = await uploadWithEnv(
      profileConfig,
      { ...NO_OTHER_CHAIN_SETTINGS, AWS_SHARED_CREDENTIALS_FILE: credentialsFile },
      '--debug',
    );

    await expectOutcomesAgree(run);
    expect(run.result.stderr).not.toContain('(a probe without the SDK)');
    expect(run.result.stderr).toContain(
      `warn upload log: s3://${bucket}/${gone} is not in the bucket, though the log says it was sent`,
    );
    expect(keysWith(run, 'uploaded')).toEqual([gone]);
    expect(putKeys(run.stats)).toEqual([gone]);
    expect(await getObjectBytes(bucket, gone)).toEqual(await localBytes('logs/events-07.jsonl'));
  });

  it('trusts the log as before when the bucket refuses a listing, as to keys that may only write', async () => {
    proxy.setRules([{ match: { operation: 'ListObjectsV2' }, action: 'access-denied-403', times: Infinity }]);
    try {
      const run = await upload();
      await expectOutcomesAgree(run);
      expect(countOutcomes(run.rows)).toEqual({ uploaded: 0, skipped: FILE_COUNT, failed: 0 });
      expect(run.result.stderr).not.toContain('upload log:');
      expect(run.stats.byOperation).toEqual(SETTLED_RERUN_REQUESTS);
    } finally {
      proxy.setRules([]);
    }
  });
});

describe('rerunning a project whose bucket is gone', () => {
  it('fails with the missing bucket named, though the upload log settles every file', async () => {
    const env = getS3Env();
    const gone = await createTestBucket('rerun-gone', client);
    const root = await makeTempDir('rerun-gone');
    const folder = path.join(root, PROJECT_KEY);
    await writeFiles(folder, { 'logs/run-01.log': { sizeBytes: 200, seed: 'gone' } });
    const config = await writeConfig(root, {
      bucket: gone,
      ...testServerConfig(env),
    });
    await chmod(config, 0o600);
    const args = ['--config', config, '--folder', folder, '--project-key', PROJECT_KEY];
    const first = await runCli([...args, '--state-dir', path.join(root, 'state')]);
    expect(first.code, first.stderr).toBe(0);
    await client.send(new DeleteObjectCommand({ Bucket: gone, Key: `${PROJECT_KEY}/logs/run-01.log` }));
    await client.send(new DeleteBucketCommand({ Bucket: gone }));
    const rerun = await runCli([...args, '--state-dir', path.join(root, 'state'), '--debug']);
    expect(rerun.code).toBe(2);
    expect(rerun.stderr).toContain(
      'request HeadBucket and ListObjectsV2 of 1 prefix (a probe without the SDK)',
    );
    expect(rerun.stderr).toMatch(new RegExp(`open bucket ${gone}: .*NoSuchBucket.*create the bucket`));
  });
});

describe('rerunning a project whose file names the listing escapes', () => {
  it('finds every object in the listing without the SDK, and sends nothing', async () => {
    const env = getS3Env();
    const root = await makeTempDir('rerun-names');
    const folder = path.join(root, 'NAMES1');
    const names = ['logs/a+b c&d.log', "logs/it's (1)~%20.log", 'logs/Süd <x>.log', 'report/50% done.md'];
    await writeFiles(folder, Object.fromEntries(names.map((rel) => [rel, { sizeBytes: 100, seed: rel }])));
    const config = await writeConfig(root, { bucket, ...testServerConfig(env) });
    await chmod(config, 0o600);
    const args = ['--config', config, '--folder', folder, '--project-key', 'NAMES1'];
    const state = ['--state-dir', path.join(root, 'state')];
    const first = await runCli([...args, ...state]);
    expect(first.code, first.stderr).toBe(0);

    const rerun = await runCli([...args, ...state, '--debug']);

    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain(
      'request HeadBucket and ListObjectsV2 of 2 prefixes (a probe without the SDK)',
    );
    expect(rerun.stderr).not.toContain('upload log:');
    expect(rerun.stderr).not.toContain('request HeadBucketCommand');
    expect(parseSummaryTotals(rerun.stdout)).toEqual({ uploaded: 0, skipped: names.length, failed: 0 });
  });
});

describe('a project whose file name holds a control character', () => {
  it('is listed by check through the SDK, which asks for URL-encoded keys (XML cannot carry the character)', async () => {
    const env = getS3Env();
    const root = await makeTempDir('rerun-control');
    const folder = path.join(root, 'CTRL1');
    const names = ['logs/bell\u0007.log', 'logs/plain.log'];
    await writeFiles(folder, Object.fromEntries(names.map((rel) => [rel, { sizeBytes: 100, seed: rel }])));
    const config = await writeConfig(root, { bucket, ...testServerConfig(env) });
    await chmod(config, 0o600);
    const args = ['--config', config, '--folder', folder, '--project-key', 'CTRL1'];
    const state = ['--state-dir', path.join(root, 'state')];
    const first = await runCli([...args, ...state]);
    expect(first.code, first.stderr).toBe(0);

    const check = await runCli(['check', ...args, ...state]);

    expect(check.stderr).not.toMatch(/InternalError|HTTP 500/);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/2 files: 2 proven, 0 missing/);
  });
});

/** The per-file lines of a --dry-run --debug plan: `skip   rel -> key (size): reason`, by key. */
function decisionLines(stdout: string): Map<string, { action: string; reason: string }> {
  const decisions = new Map<string, { action: string; reason: string }>();
  for (const line of stdout.split('\n')) {
    const match = /^(upload|skip)\s+\S.* -> (\S+) \([^)]*\): (.+)$/.exec(line);
    if (match) decisions.set(match[2]!, { action: match[1]!, reason: match[3]! });
  }
  return decisions;
}
