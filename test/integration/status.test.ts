/**
 * The status JSON heartbeat as another process sees it: read in a tight loop while an upload runs, every read
 * parses and follows the seed's StatusTracker schema; the final file agrees with the CSV log and the summary.
 */
import { chmod, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAllObjects } from '../support/bucket.js';
import {
  makeTempDir,
  removeTempDirs,
  writeConfig,
  writeFiles,
  type FileContent,
} from '../support/fixtures.js';
import { runCli, spawnCli, type CliResult, type RunningCli } from '../support/run-cli.js';
import {
  countOutcomes,
  parseSummaryTotals,
  pickOutcomes,
  readLogRows,
  readStatusJson,
} from '../support/run-outcomes.js';
import { createTestBucket, getS3Env, testServerConfig } from '../support/s3-env.js';

const PROJECT_KEY = 'RMI25320';
const MiB = 1024 * 1024;
const PHASES = ['planning', 'verifying', 'uploading', 'completed', 'failed', 'interrupted'];

/** About 150 MiB in five reel files over two reels, plus two small files of other folder types. */
const PROJECT: Record<string, FileContent> = {
  'reels/R001/R001_cam1.mp4': { sizeBytes: 30 * MiB, seed: 'r1c1' },
  'reels/R001/R001_cam2.mp4': { sizeBytes: 30 * MiB, seed: 'r1c2' },
  'reels/R001/R001_cam3.mp4': { sizeBytes: 30 * MiB, seed: 'r1c3' },
  'reels/R002/R002_cam1.mp4': { sizeBytes: 30 * MiB, seed: 'r2c1' },
  'reels/R002/R002_cam2.mp4': { sizeBytes: 30 * MiB + 12_345, seed: 'r2c2' },
  'config/survey.yaml': 'project: RMI25320\n',
  'logs/run.log': { sizeBytes: 4096, seed: 'log' },
};
const FILE_COUNT = Object.keys(PROJECT).length;

let root: string;
let configPath: string;
let project: string;

beforeAll(async () => {
  const env = getS3Env();
  root = await makeTempDir('status');
  project = path.join(root, PROJECT_KEY);
  await writeFiles(project, PROJECT);
  configPath = await writeConfig(root, {
    ...testServerConfig(env),
  });
  // a config holding keys must not be readable by others, or the CLI warns about it
  await chmod(configPath, 0o600);
});

afterAll(async () => {
  await removeTempDirs();
});

interface RunFiles {
  stateDir: string;
  statusJson: string;
  logCsv: string;
}

async function makeRunFiles(name: string): Promise<RunFiles> {
  const dir = await makeTempDir(`status-${name}`);
  return {
    stateDir: path.join(dir, 'state'),
    statusJson: path.join(dir, 'watch', 'status.json'),
    logCsv: path.join(dir, 'watch', 'upload-log.csv'),
  };
}

function startUpload(bucket: string, files: RunFiles, ...extra: string[]): RunningCli {
  return spawnCli([
    '--config',
    configPath,
    '--bucket',
    bucket,
    '--folder',
    project,
    '--project-key',
    PROJECT_KEY,
    '--state-dir',
    files.stateDir,
    '--status-json',
    files.statusJson,
    '--log-csv',
    files.logCsv,
    '--status-interval',
    '0.2',
    ...extra,
  ]);
}

type Snapshot = Record<string, unknown>;

interface Watch {
  snapshots: Snapshot[];
  reads: number;
  parseErrors: string[];
}

/**
 * Reads and parses the status file as fast as the event loop allows until the CLI exits. A missing file is
 * fine (not written yet); a file that exists but does not parse is recorded as a failure.
 */
async function watchStatus(
  statusJson: string,
  running: RunningCli,
  onSnapshot?: (s: Snapshot) => void,
): Promise<Watch & { result: CliResult }> {
  const watch: Watch = { snapshots: [], reads: 0, parseErrors: [] };
  let exited = false;
  const result = running.exited.finally(() => (exited = true));
  let lastText = '';
  const readOnce = async (): Promise<void> => {
    let text: string;
    try {
      text = await readFile(statusJson, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    watch.reads += 1;
    try {
      const snapshot = JSON.parse(text) as Snapshot;
      if (text !== lastText) {
        watch.snapshots.push(snapshot);
        onSnapshot?.(snapshot);
      }
      lastText = text;
    } catch (error) {
      watch.parseErrors.push(`${String(error)}: ${JSON.stringify(text.slice(0, 200))}`);
    }
  };
  while (!exited) await readOnce();
  // the final write may land after the last read of the loop
  await readOnce();
  return { ...watch, result: await result };
}

/** Checks one snapshot against the seed's StatusTracker schema, with the group map under `groupKey`. */
function expectSeedSchema(snapshot: Snapshot, groupKey: string, currentField: string): void {
  expect(snapshot).toMatchObject({
    started_at: expect.any(Number),
    phase: expect.any(String),
    current_file_bytes: expect.any(Number),
    current_file_size: expect.any(Number),
    last_update: expect.any(Number),
    totals: {
      files: expect.any(Number),
      uploaded: expect.any(Number),
      skipped: expect.any(Number),
      failed: expect.any(Number),
      bytes_uploaded: expect.any(Number),
    },
  });
  expect(PHASES).toContain(snapshot.phase);
  expect(snapshot).toHaveProperty(currentField);
  expect(nullOr(snapshot[currentField], 'string')).toBe(true);
  expect(nullOr(snapshot.current_file, 'string')).toBe(true);
  expect(snapshot.last_update as number).toBeGreaterThanOrEqual(snapshot.started_at as number);
  const groups = snapshot[groupKey] as Record<string, Record<string, unknown>>;
  expect(groups).toBeTypeOf('object');
  for (const group of Object.values(groups)) {
    expect(group).toMatchObject({
      planned_files: expect.any(Number),
      uploaded: expect.any(Number),
      skipped: expect.any(Number),
      failed: expect.any(Number),
      bytes_uploaded: expect.any(Number),
      started_at: expect.any(Number),
    });
    expect(nullOr(group.completed_at, 'number')).toBe(true);
  }
}

function nullOr(value: unknown, type: 'string' | 'number'): boolean {
  return value === null || typeof value === type;
}

/** Counters only grow and time only moves on, from one read to the next. */
function expectMonotonic(snapshots: readonly Snapshot[]): void {
  const counters = ['uploaded', 'skipped', 'failed', 'bytes_uploaded', 'bytes_sent'] as const;
  for (let i = 1; i < snapshots.length; i++) {
    const [before, after] = [snapshots[i - 1]!, snapshots[i]!];
    expect(after.last_update as number).toBeGreaterThanOrEqual(before.last_update as number);
    const [a, b] = [before.totals as Record<string, number>, after.totals as Record<string, number>];
    for (const name of counters)
      expect(b[name]!, `totals.${name} at read ${i}`).toBeGreaterThanOrEqual(a[name]!);
  }
}

/**
 * Starts an upload, sends SIGINT once the status file shows bytes going out, and checks the run ends as
 * interrupted: exit 130, phase `interrupted` in a well-formed status file that agrees with the CSV log.
 */
async function interruptMidUpload(name: string, ...extra: string[]): Promise<CliResult> {
  const bucket = await createTestBucket(`status-${name}`);
  const files = await makeRunFiles(name);
  const running = startUpload(bucket, files, ...extra);
  let signalled = false;
  const watch = await watchStatus(files.statusJson, running, (snapshot) => {
    const totals = snapshot.totals as Record<string, number>;
    // bytes on their way, not yet stored: the stop comes in the middle of the requests
    if (!signalled && snapshot.phase === 'uploading' && totals.bytes_sent! > 0) {
      signalled = true;
      running.child.kill('SIGINT');
    }
  });

  expect(signalled).toBe(true);
  expect(watch.result.code, watch.result.stderr).toBe(130);
  expect(watch.parseErrors).toEqual([]);
  // the stop notice goes where the user is looking: the plain view's lines (stdout), or stderr with --quiet
  expect(`${watch.result.stdout}${watch.result.stderr}`).toContain('Stopping');
  const final = await readStatusJson(files.statusJson);
  expect(final.phase).toBe('interrupted');
  expectSeedSchema(final, 'folder_types', 'current_folder_type');
  const rows = await readLogRows(files.logCsv);
  expect(pickOutcomes(final.totals)).toEqual(countOutcomes(rows));
  expect(rows.length).toBeLessThan(FILE_COUNT);
  return watch.result;
}

describe('status JSON heartbeat', () => {
  it('parses on every read during a 150 MiB upload, follows the seed schema and ends completed', async () => {
    const bucket = await createTestBucket('status');
    const files = await makeRunFiles('main');
    const running = startUpload(bucket, files, '--max-bandwidth', '60MiB/s');
    const watch = await watchStatus(files.statusJson, running);
    const { result } = watch;

    expect(result.code, result.stderr).toBe(0);
    expect(watch.parseErrors).toEqual([]);
    expect(watch.reads).toBeGreaterThan(50);
    for (const snapshot of watch.snapshots) expectSeedSchema(snapshot, 'folder_types', 'current_folder_type');
    expectMonotonic(watch.snapshots);

    const phases = [...new Set(watch.snapshots.map((s) => s.phase))];
    expect(phases).toContain('uploading');
    expect(phases.at(-1)).toBe('completed');
    const uploading = watch.snapshots.filter((s) => s.phase === 'uploading' && s.current_file !== null);
    expect(uploading.length).toBeGreaterThan(0);
    for (const s of uploading) {
      expect(s.current_file_bytes as number).toBeLessThanOrEqual(s.current_file_size as number);
      expect(Object.keys(PROJECT).map((rel) => path.join(project, rel))).toContain(s.current_file);
      expect(['reels', 'config', 'logs']).toContain(s.current_folder_type);
    }

    const final = await readStatusJson(files.statusJson);
    expect(final).toEqual(watch.snapshots.at(-1));
    expect(final).toMatchObject({
      project_key: PROJECT_KEY,
      source: project,
      destination: `s3://${bucket}/${PROJECT_KEY}/`,
    });
    const rows = await readLogRows(files.logCsv);
    const fromLog = countOutcomes(rows);
    expect(fromLog).toEqual({ uploaded: FILE_COUNT, skipped: 0, failed: 0 });
    expect(pickOutcomes(final.totals)).toEqual(fromLog);
    expect(parseSummaryTotals(result.stdout)).toEqual(fromLog);
    expect(final.totals.files).toBe(rows.length);
    const totalBytes = rows.reduce((sum, row) => sum + Number(row.size_bytes), 0);
    expect(final.totals.bytes_uploaded).toBe(totalBytes);
    const groups = final.folder_types as Record<string, Record<string, unknown>>;
    expect(Object.keys(groups).sort()).toEqual(['config', 'logs', 'reels']);
    expect(groups.reels).toMatchObject({ planned_files: 5, uploaded: 5, skipped: 0, failed: 0 });
    for (const group of Object.values(groups)) expect(group.completed_at).toEqual(expect.any(Number));
    expect(await listAllObjects(bucket)).toHaveLength(FILE_COUNT);

    const shown = await runCli(['status', files.statusJson]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^Upload completed \(pid \d+\)/);
    expect(shown.stdout.split('\n')[1]).toBe(
      `Project ${PROJECT_KEY}: ${project} -> s3://${bucket}/${PROJECT_KEY}/`,
    );
    expect(shown.stdout).toContain(
      `Files: ${FILE_COUNT}/${FILE_COUNT} (${FILE_COUNT} uploaded, 0 skipped, 0 failed)`,
    );
    expect(shown.stdout).toMatch(/^reels\s+5\/5\s+5\s+0\s+0\s+.*done\s*$/m);
    expect(shown.stdout).toMatch(/^config\s+1\/1\s+1\s+0\s+0\s+.*done\s*$/m);
    expect(shown.stdout).not.toContain('STALE');
  });

  it('ends with phase interrupted and exit code 130 on SIGINT', async (context) => {
    if (process.platform === 'win32')
      context.skip('Windows has no SIGINT to send to a child process: kill() terminates it at once');
    // two parts of 8 MiB in flight at most: they finish well within the 6 s grace period
    const run = await interruptMidUpload('sigint', '--max-concurrency', '2', '--max-bandwidth', '8MiB/s');
    expect(run.stderr).toContain('upload-to-s3: upload interrupted');
  });

  it('ends with phase interrupted and exit code 130 when the parts in flight outlast the grace period', async (context) => {
    if (process.platform === 'win32')
      context.skip('Windows has no SIGINT to send to a child process: kill() terminates it at once');
    // at 1 MiB/s two 5 MiB parts (the pace's) just started need 10 s: the grace period runs out for at least one
    await interruptMidUpload('grace', '--max-concurrency', '2', '--max-bandwidth', '1MiB/s');
  });

  it('--group-by reel counts reels under `reels` and names the current one in `current_reel`', async () => {
    const bucket = await createTestBucket('status-reels');
    const files = await makeRunFiles('reels');
    const running = startUpload(bucket, files, '--group-by', 'reel', '--max-bandwidth', '60MiB/s');
    const watch = await watchStatus(files.statusJson, running);

    expect(watch.result.code, watch.result.stderr).toBe(0);
    expect(watch.parseErrors).toEqual([]);
    for (const snapshot of watch.snapshots) {
      expectSeedSchema(snapshot, 'reels', 'current_reel');
      expect(snapshot).not.toHaveProperty('folder_types');
      expect(snapshot).not.toHaveProperty('current_folder_type');
    }
    const currentReels = new Set(watch.snapshots.map((s) => s.current_reel).filter((r) => r !== null));
    expect([...currentReels].some((reel) => reel === 'R001' || reel === 'R002')).toBe(true);

    const final = await readStatusJson(files.statusJson);
    expect(final.phase).toBe('completed');
    const reels = final.reels as Record<string, Record<string, unknown>>;
    expect(reels.R001).toMatchObject({ planned_files: 3, uploaded: 3, failed: 0 });
    expect(reels.R002).toMatchObject({ planned_files: 2, uploaded: 2, failed: 0 });
    const rows = await readLogRows(files.logCsv);
    expect(pickOutcomes(final.totals)).toEqual(countOutcomes(rows));
    expect(parseSummaryTotals(watch.result.stdout)).toEqual(countOutcomes(rows));
    expect(watch.result.stdout).toMatch(/^reel\s+uploaded/m);

    const shown = await runCli(['status', files.statusJson]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^R001\s+3\/3\s+3\s+0\s+0\s+.*done\s*$/m);
    expect(shown.stdout).toMatch(/^R002\s+2\/2\s+2\s+0\s+0\s+.*done\s*$/m);
  });
});

/**
 * `upload-to-s3 status` with no path, from another window: the run's own status file is found in its state
 * folder by the project key, without knowing where the run keeps it.
 */
describe('status without a path', () => {
  // a key no other test uses: the machine-wide state folder, also searched, is shared by every test file
  const key = 'STATUSFIND1';

  it('shows the newest status file of the project in the state folder, naming the project', async () => {
    const bucket = await createTestBucket('status-find');
    const { stateDir } = await makeRunFiles('find');
    const config = ['--config', configPath, '--bucket', bucket, '--state-dir', stateDir];
    const upload = await runCli([
      ...config,
      '--folder',
      project,
      '--project-key',
      key,
      '--include',
      'config',
    ]);
    expect(upload.code, upload.stderr).toBe(0);

    const shown = await runCli(['status', '--state-dir', stateDir, '--project-key', key]);

    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^Upload completed \(pid \d+\)/);
    expect(shown.stdout).toContain(`Project ${key}: ${project} -> s3://${bucket}/${key}/`);
    expect(shown.stdout).toMatch(/^Files: 1\/1 \(1 uploaded, 0 skipped, 0 failed\)$/m);
  });

  it("names the same project's status file of another bucket, to be picked by its path", async () => {
    const twoKey = 'STATUSTWO1';
    const { stateDir } = await makeRunFiles('two-buckets');
    const buckets = [await createTestBucket('status-two-a'), await createTestBucket('status-two-b')];
    for (const bucket of buckets) {
      const upload = await runCli([
        ...['--config', configPath, '--bucket', bucket, '--state-dir', stateDir],
        ...['--folder', project, '--project-key', twoKey, '--include', 'config'],
      ]);
      expect(upload.code, upload.stderr).toBe(0);
    }

    const shown = await runCli(['status', '--state-dir', stateDir, '--project-key', twoKey]);

    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`Project ${twoKey}: ${project} -> s3://${buckets[1]}/${twoKey}/`);
    const other = path.join(stateDir, 'runs', buckets[0]!, twoKey, 'status.json');
    // --project-key is given already: only the path tells the two apart
    expect(shown.stderr.trim()).toBe(
      `status: showing the newest of 2 status files; others: ${other} (${twoKey}); pick one by its path`,
    );
  });

  it('with --watch waits for the run that has not started yet, then follows it to its end', async () => {
    const bucket = await createTestBucket('status-wait');
    const { stateDir } = await makeRunFiles('wait');
    const waitKey = 'STATUSWAIT1';
    const watcher = spawnCli([
      'status',
      '--watch',
      '--state-dir',
      stateDir,
      '--project-key',
      waitKey,
      '--interval',
      '0.2',
    ]);
    // the run starts only once the watcher has said it waits: nothing here depends on who is faster
    await watcher.waitForOutput(
      /no status file of project STATUSWAIT1 in .*; waiting for a run to write one/,
    );
    const upload = await runCli([
      '--config',
      configPath,
      '--bucket',
      bucket,
      '--state-dir',
      stateDir,
      '--folder',
      project,
      '--project-key',
      waitKey,
      '--include',
      'config',
    ]);
    expect(upload.code, upload.stderr).toBe(0);

    const watched = await watcher.exited;

    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout).toMatch(/^Upload completed \(pid \d+\)/m);
    expect(watched.stdout).toContain(`Project ${waitKey}: ${project} -> s3://${bucket}/${waitKey}/`);
  });

  it('with --watch and nothing to wait for, stops on Ctrl+C with exit 130', async () => {
    const { stateDir } = await makeRunFiles('wait-none');
    const watcher = spawnCli(['status', '--watch', '--state-dir', stateDir, '--project-key', 'NORUN2']);
    await watcher.waitForOutput(/waiting for a run to write one/);
    watcher.child.kill('SIGINT');
    const watched = await watcher.exited;
    expect(watched.code).toBe(130);
    expect(watched.stderr).toContain('status: stopped before any run wrote a status file');
  });

  it('says where it looked when the project has no status file', async () => {
    const { stateDir } = await makeRunFiles('find-none');

    const shown = await runCli(['status', '--state-dir', stateDir, '--project-key', 'NORUN1']);

    expect(shown.code).toBe(2);
    expect(shown.stderr).toMatch(
      new RegExp(
        `^upload-to-s3: status: no status file of project NORUN1 in ${escapeRegExp(path.resolve(stateDir))} or .+; pass the run's status file \\(its --status-json\\) or its --state-dir\n$`,
      ),
    );
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
