/**
 * The seed's four PowerShell usage examples (and its testing checklist's other invocations), run as the built
 * CLI against a real S3 server: each must exit 0 and leave exactly the expected keys, with the local bytes and,
 * where the file was hashed, its SHA-256 in x-amz-meta-sha256.
 */
import { createHash } from 'node:crypto';
import { chmod, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getObjectBytes, headObject, listAllObjects } from '../support/bucket.js';
import {
  makeTempDir,
  removeTempDirs,
  writeConfig,
  writeFiles,
  type FileContent,
} from '../support/fixtures.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { parseSummaryTotals, readStatusJson } from '../support/run-outcomes.js';
import { createTestBucket, getS3Env, testServerConfig } from '../support/s3-env.js';

const PROJECT_KEY = 'RMI25320';
const MiB = 1024 * 1024;
/** Files at or above this size go by multipart and are hashed only with --verify-large. */
const MULTIPART_THRESHOLD = 8 * MiB;
const TIMESTAMP = /^\d{8}_\d{4}$/;

/** A survey project as it comes off the vehicle, with one file per type that must not be uploaded. */
const PROJECT_FILES: Record<string, FileContent> = {
  'reels/R001/R001.mp4': { sizeBytes: 20 * MiB, seed: 'R001.mp4' },
  'reels/R001/R001.json': '{"reel":"R001","frames":1800}',
  'reels/R001/R001.csv': 'frame,lat,lon\n1,51.5,-0.12\n',
  'reels/R001/R001.gpx': '<gpx version="1.1"><trk/></gpx>',
  'reels/R001/R001.mp4.tmp': 'half-written copy',
  'reels/R002/R002.MP4': { sizeBytes: 300_000, seed: 'R002.MP4' },
  'config/project.yaml': 'project: RMI25320\ncameras: 4\n',
  'config/camera.json': '{"model":"Ladybug5+"}',
  'config/notes.txt': 'survey notes',
  'config/old.bak': 'backup, not a config extension',
  'gis_data/roads.shp': { sizeBytes: 4096, seed: 'roads.shp' },
  'gis_data/roads.dbf': { sizeBytes: 2048, seed: 'roads.dbf' },
  'gis_data/roads.prj': 'GEOGCS["WGS 84"]',
  'gis_data/extent.geojson': '{"type":"FeatureCollection","features":[]}',
  'logs/capture.log': '2025-01-31 14:30 capture started\n',
  'logs/core.dmp': 'not a log extension',
  'report/report.pdf': { sizeBytes: 50_000, seed: 'report.pdf' },
};

/** Relative paths (inside the project) of the files each folder type uploads. */
const UPLOADED: Record<string, string[]> = {
  reels: ['R001/R001.mp4', 'R001/R001.json', 'R001/R001.csv', 'R001/R001.gpx', 'R002/R002.MP4'],
  config: ['project.yaml', 'camera.json', 'notes.txt'],
  gis_data: ['roads.shp', 'roads.dbf', 'roads.prj', 'extent.geojson'],
  logs: ['capture.log'],
  report: ['report.pdf'],
};

let root: string;
let project: string;
let reelsFolder: string;

beforeAll(async () => {
  root = await makeTempDir('seed-examples');
  project = path.join(root, 'project');
  reelsFolder = path.join(project, 'reels');
  await writeFiles(project, PROJECT_FILES);
});

afterAll(removeTempDirs);

interface Setup {
  bucket: string;
  configPath: string;
  stateDir: string;
}

/** A fresh bucket, state folder and config (endpoint, path style, keys from the test server) for one example. */
async function setUp(name: string, extraConfig: Record<string, unknown> = {}): Promise<Setup> {
  const env = getS3Env();
  const bucket = await createTestBucket(`seed-${name}`);
  const dir = await makeTempDir(`seed-${name}`);
  const configPath = await writeConfig(dir, {
    bucket,
    ...testServerConfig(env),
    ...extraConfig,
  });
  await chmod(configPath, 0o600); // else the CLI warns that the keys are readable by others
  return { bucket, configPath, stateDir: path.join(dir, 'state') };
}

/** Runs `upload-to-s3 --config <config> <args> --state-dir <state>` and expects exit 0. */
async function upload(setup: Setup, args: string[]): Promise<CliResult> {
  const result = await runCli(['--config', setup.configPath, ...args, '--state-dir', setup.stateDir]);
  expect(result.code, `exit code; stderr:\n${result.stderr}\nstdout:\n${result.stdout}`).toBe(0);
  return result;
}

/** Expected key → local path for the given types: `{prefix}{project}/{type}/[{timestamp}/]{rel}`. */
function expectedObjects(
  types: string[],
  options: { timestamp?: string; prefix?: string; projectDir?: string } = {},
): Map<string, string> {
  const objects = new Map<string, string>();
  for (const type of types) {
    for (const rel of UPLOADED[type] ?? []) {
      const key = [
        options.prefix ?? '',
        `${PROJECT_KEY}/${type}/`,
        options.timestamp ? `${options.timestamp}/` : '',
        rel,
      ].join('');
      objects.set(key, path.join(options.projectDir ?? project, type, ...rel.split('/')));
    }
  }
  return objects;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The bucket holds exactly `expected`'s keys; each object has its local file's bytes and, when the file was
 * hashed (all single-request files; multipart files only with --verify-large), its SHA-256 as metadata.
 */
async function expectBucketToMirror(
  bucket: string,
  expected: Map<string, string>,
  verifyLarge: boolean,
): Promise<void> {
  const listed = await listAllObjects(bucket);
  expect(listed.map((o) => o.key).sort()).toEqual([...expected.keys()].sort());
  for (const [key, localPath] of expected) {
    const local = await readFile(localPath);
    const remote = await getObjectBytes(bucket, key);
    expect(remote.equals(local), `bytes of ${key}`).toBe(true);
    const head = await headObject(bucket, key);
    const hashed = local.length < MULTIPART_THRESHOLD || verifyLarge;
    expect(head.metadata.sha256, `x-amz-meta-sha256 of ${key}`).toBe(hashed ? sha256(local) : undefined);
  }
}

/** The one timestamp folder used by every key of a --timestamp run, checked against the run's wall-clock span. */
function timestampOf(keys: string[], before: Date, after: Date): string {
  const stamps = new Set(keys.map((key) => key.split('/')[2]));
  expect(stamps.size).toBe(1);
  const [stamp] = [...stamps];
  expect(stamp).toMatch(TIMESTAMP);
  expect([formatLocalMinute(before), formatLocalMinute(after)]).toContain(stamp);
  return stamp ?? '';
}

function formatLocalMinute(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}_${pad(date.getHours())}${pad(date.getMinutes())}`;
}

describe('the seed usage examples', () => {
  it('(a) --folder <reels> --include reels uploads a bare reels folder under {project}/reels/', async () => {
    const setup = await setUp('a');

    const result = await upload(setup, [
      '--folder',
      reelsFolder,
      '--project-key',
      PROJECT_KEY,
      '--include',
      'reels',
    ]);

    await expectBucketToMirror(setup.bucket, expectedObjects(['reels']), false);
    expect(await listAllObjects(setup.bucket, `${PROJECT_KEY}/reels/R001/R001.mp4`)).toHaveLength(1);
    expect(parseSummaryTotals(result.stdout)).toEqual({ uploaded: 5, skipped: 0, failed: 0 });
  });

  it('(b) --include config logs report --timestamp puts those types under one YYYYMMDD_HHMM folder', async () => {
    const setup = await setUp('b');

    const before = new Date();
    await upload(setup, [
      '--folder',
      project,
      '--project-key',
      PROJECT_KEY,
      '--include',
      'config',
      'logs',
      'report',
      '--timestamp',
    ]);
    const after = new Date();

    const keys = (await listAllObjects(setup.bucket)).map((o) => o.key);
    const stamp = timestampOf(keys, before, after);
    expect(keys).toContain(`${PROJECT_KEY}/config/${stamp}/project.yaml`);
    await expectBucketToMirror(
      setup.bucket,
      expectedObjects(['config', 'logs', 'report'], { timestamp: stamp }),
      false,
    );
  });

  it('(c) --exclude reels --timestamp uploads every other type found under one timestamp folder', async () => {
    const setup = await setUp('c');

    const before = new Date();
    await upload(setup, [
      '--folder',
      project,
      '--project-key',
      PROJECT_KEY,
      '--exclude',
      'reels',
      '--timestamp',
    ]);
    const after = new Date();

    const stamp = timestampOf(
      (await listAllObjects(setup.bucket)).map((o) => o.key),
      before,
      after,
    );
    await expectBucketToMirror(
      setup.bucket,
      expectedObjects(['config', 'gis_data', 'logs', 'report'], { timestamp: stamp }),
      false,
    );
  });

  it('(d) --include reels --verify-large --status-json --debug stores the SHA-256 of large files too', async () => {
    const setup = await setUp('d');
    const statusJson = path.join(root, 'status-d.json');

    const result = await upload(setup, [
      '--folder',
      reelsFolder,
      '--project-key',
      PROJECT_KEY,
      '--include',
      'reels',
      '--verify-large',
      '--status-json',
      statusJson,
      '--debug',
    ]);

    await expectBucketToMirror(setup.bucket, expectedObjects(['reels']), true);
    const status = await readStatusJson(statusJson);
    expect(status.phase).toBe('completed');
    expect(status.totals).toMatchObject({ files: 5, uploaded: 5, skipped: 0, failed: 0 });
    expect(Object.keys(status.folder_types as object)).toEqual(['reels']);
    expect(result.stderr).toMatch(/debug request CreateMultipartUploadCommand/);
    // each request names its object and part, so a reader can tell that no part went twice
    const partsSent = [...result.stderr.matchAll(/ debug request UploadPartCommand (.+) part (\d+)$/gm)].map(
      ([, key, part]) => `${key} ${part}`,
    );
    expect(partsSent.sort()).toEqual([1, 2, 3].map((n) => `${PROJECT_KEY}/reels/R001/R001.mp4 ${n}`));
    expect(result.stderr).toContain(` debug request PutObjectCommand ${PROJECT_KEY}/reels/R001/R001.json`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

describe("the seed's testing checklist", () => {
  it('--include config gis_data logs uploads those three types without a timestamp folder', async () => {
    const setup = await setUp('multi');

    await upload(setup, [
      '--folder',
      project,
      '--project-key',
      PROJECT_KEY,
      '--include',
      'config',
      'gis_data',
      'logs',
    ]);

    await expectBucketToMirror(setup.bucket, expectedObjects(['config', 'gis_data', 'logs']), false);
  });

  it('--custom-timestamp 20250131_1430 puts every key under that folder', async () => {
    const setup = await setUp('custom');

    await upload(setup, [
      '--folder',
      project,
      '--project-key',
      PROJECT_KEY,
      '--custom-timestamp',
      '20250131_1430',
    ]);

    const expected = expectedObjects(['reels', 'config', 'gis_data', 'logs', 'report'], {
      timestamp: '20250131_1430',
    });
    expect(expected.has(`${PROJECT_KEY}/config/20250131_1430/project.yaml`)).toBe(true);
    await expectBucketToMirror(setup.bucket, expected, false);
  });

  it('puts the config prefix (field-data/) in front of every key', async () => {
    const setup = await setUp('prefix', { prefix: 'field-data/' });

    await upload(setup, ['--folder', project, '--project-key', PROJECT_KEY, '--include', 'config', 'report']);

    await expectBucketToMirror(
      setup.bucket,
      expectedObjects(['config', 'report'], { prefix: 'field-data/' }),
      false,
    );
  });

  it('--dry-run prints per-type counts and leaves the bucket as it was', async () => {
    const setup = await setUp('dry');
    await upload(setup, ['--folder', project, '--project-key', PROJECT_KEY, '--include', 'config']);
    const before = await listAllObjects(setup.bucket);

    const result = await upload(setup, [
      '--folder',
      project,
      '--project-key',
      PROJECT_KEY,
      '--timestamp',
      '--dry-run',
    ]);

    expect(await listAllObjects(setup.bucket)).toEqual(before);
    expect(result.stdout).toContain('Dry run: nothing is sent.');
    // group, files, bytes, to upload, upload bytes, to skip
    const counts: Record<string, number> = { reels: 5, config: 3, gis_data: 4, logs: 1, report: 1 };
    for (const [type, files] of Object.entries(counts)) {
      expect(result.stdout).toMatch(
        new RegExp(`^${type}\\s+${files}\\s+\\S+ \\S+\\s+${files}\\s+\\S+ \\S+\\s+0\\s*$`, 'm'),
      );
    }
  });

  it('--dry-run on a bucket that already holds the files says they would be skipped', async () => {
    const setup = await setUp('dry-skip');
    await upload(setup, ['--folder', project, '--project-key', PROJECT_KEY, '--include', 'config', 'logs']);
    const before = await listAllObjects(setup.bucket);

    const result = await upload(setup, [
      '--folder',
      project,
      '--project-key',
      PROJECT_KEY,
      '--include',
      'config',
      'logs',
      '--dry-run',
    ]);

    expect(await listAllObjects(setup.bucket)).toEqual(before);
    expect(result.stdout).toMatch(/^config\s+3\s+\S+ \S+\s+0\s+0 B\s+3\s*$/m);
    expect(result.stdout).toMatch(/^logs\s+1\s+\S+ \S+\s+0\s+0 B\s+1\s*$/m);
  });

  it('--dry-run on another machine (no upload log) asks the bucket, and says what the run will skip and send', async () => {
    const setup = await setUp('dry-fresh');
    await upload(setup, ['--folder', project, '--project-key', PROJECT_KEY, '--include', 'config', 'logs']);
    const before = await listAllObjects(setup.bucket);
    const elsewhere = { ...setup, stateDir: path.join(await makeTempDir('seed-dry-fresh'), 'state') };
    const args = ['--folder', project, '--project-key', PROJECT_KEY, '--include', 'config', 'logs', 'report'];

    const dry = await upload(elsewhere, [...args, '--dry-run']);
    const run = await upload(elsewhere, args);

    // group, files, bytes, to upload, upload bytes, to skip: what the dry run said is what the run did
    expect(dry.stdout).toMatch(/^config\s+3\s+\S+ \S+\s+0\s+0 B\s+3\s*$/m);
    expect(dry.stdout).toMatch(/^logs\s+1\s+\S+ \S+\s+0\s+0 B\s+1\s*$/m);
    expect(dry.stdout).toMatch(/^report\s+1\s+\S+ \S+\s+1\s+\S+ \S+\s+0\s*$/m);
    expect(run.stdout).toMatch(/^total\s+1 \(.*\)\s+4 \(.*\)\s+0 \(0 B\)\s*$/m);
    expect((await listAllObjects(setup.bucket)).length).toBe(before.length + 1);
  });
});

/**
 * The design card's form, `upload-to-s3 --project-key RMI25320 --include reels` typed in PowerShell: no --config,
 * no --folder. The config comes from the user's config file or UPLOAD_TO_S3_CONFIG, the project from the current
 * folder (named after the key, or holding a folder of that name). State goes where the config says.
 */
describe('the short form, without --config and --folder', () => {
  let survey: string;
  let keyedProject: string;

  beforeAll(async () => {
    survey = path.join(await makeTempDir('seed-short'), 'survey');
    keyedProject = path.join(survey, PROJECT_KEY);
    await writeFiles(keyedProject, PROJECT_FILES);
  });

  async function userConfig(
    name: string,
  ): Promise<{ bucket: string; configPath: string; configHome: string }> {
    const configHome = await makeTempDir(`seed-short-${name}-home`);
    const bucket = await createTestBucket(`seed-short-${name}`);
    // state beside the config: the machine's per-user state folder stays untouched
    const configPath = await writeConfig(path.join(configHome, 'upload-to-s3'), {
      bucket,
      ...testServerConfig(getS3Env()),
      state_dir: './state',
    });
    await chmod(configPath, 0o600);
    return { bucket, configPath, configHome };
  }

  it('in the project folder, reads the user config file and uploads the project named by the key', async () => {
    const { bucket, configHome } = await userConfig('user');

    const result = await runCli(['--project-key', PROJECT_KEY, '--include', 'reels'], {
      cwd: keyedProject,
      env: { XDG_CONFIG_HOME: configHome, APPDATA: configHome },
    });

    expect(result.code, result.stderr).toBe(0);
    await expectBucketToMirror(bucket, expectedObjects(['reels'], { projectDir: keyedProject }), false);
    expect(result.stdout).toContain(`${keyedProject} -> s3://${bucket}/${PROJECT_KEY}/`);
  });

  it('in the folder above it, reads UPLOAD_TO_S3_CONFIG and finds the project by its key', async () => {
    const { bucket, configPath } = await userConfig('env');

    const result = await runCli(['--project-key', PROJECT_KEY, '--include', 'config'], {
      cwd: survey,
      env: { UPLOAD_TO_S3_CONFIG: configPath },
    });

    expect(result.code, result.stderr).toBe(0);
    await expectBucketToMirror(bucket, expectedObjects(['config'], { projectDir: keyedProject }), false);
  });

  it('anywhere else, stops with the folder it looked in and the fix, sending nothing', async () => {
    const { bucket, configPath } = await userConfig('elsewhere');

    const result = await runCli(['--project-key', PROJECT_KEY, '--include', 'reels'], {
      cwd: root,
      env: { UPLOAD_TO_S3_CONFIG: configPath },
    });

    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      `upload-to-s3: --folder: no folder given, and the current folder '${root}' is not in project ${PROJECT_KEY}'s (none named ${PROJECT_KEY} here or above, no ${PROJECT_KEY} folder in it); pass --folder PATH or set project_base in the config`,
    );
    expect(await listAllObjects(bucket)).toEqual([]);
  });
});
