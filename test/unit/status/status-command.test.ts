import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHeartbeat } from '../../../src/status/heartbeat.js';
import { fitStatusLines, renderStatusFile, watchStatusFile } from '../../../src/status/status-command.js';
import { displayWidth } from '../../../src/status/display-width.js';
import { StatusTracker } from '../../../src/status/status-tracker.js';

const MiB = 1024 * 1024;
let dir: string;
let statusPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'status-command-'));
  statusPath = join(dir, 'status.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a status file the way a run does: a real tracker through a real heartbeat. */
async function writeRunStatus(build: (tracker: StatusTracker) => void, intervalMs = 5_000): Promise<void> {
  const tracker = new StatusTracker({ groupKey: 'reels' });
  build(tracker);
  await startHeartbeat(tracker, { path: statusPath, intervalMs }).stop();
}

/** Reel R001's a.mp4 (10 MiB) sent and uploaded. */
function uploadFirstReelFile(tracker: StatusTracker): void {
  tracker.startFile('R001', 'reels/R001/a.mp4', 10 * MiB);
  tracker.fileProgressCallback('R001', 'reels/R001/a.mp4')(10 * MiB);
  tracker.fileDone({
    group: 'R001',
    path: 'reels/R001/a.mp4',
    key: 'P1/reels/R001/a.mp4',
    sizeBytes: 10 * MiB,
    mtimeMs: 0,
    outcome: 'uploaded',
    reason: 'new',
    seconds: 2,
  });
}

function uploadingRun(tracker: StatusTracker): void {
  tracker.setTotals(3, 30 * MiB);
  tracker.setPhase('uploading');
  tracker.startGroup('R001', 2, 20 * MiB);
  tracker.startGroup('R002', 1, 10 * MiB);
  uploadFirstReelFile(tracker);
  tracker.startFile('R001', 'reels/R001/b.mp4', 10 * MiB);
  const b = tracker.fileProgressCallback('R001', 'reels/R001/b.mp4');
  b(4 * MiB);
  b(4 * MiB, 'stored');
  tracker.fileDone({
    group: 'R002',
    path: 'reels/R002/c.mp4',
    key: 'P1/reels/R002/c.mp4',
    sizeBytes: 10 * MiB,
    mtimeMs: 0,
    outcome: 'failed',
    reason: 'remote',
    error: 'SlowDown',
    seconds: 9,
  });
}

describe('renderStatusFile', () => {
  it('renders phase, totals, groups, files in flight and errors', async () => {
    await writeRunStatus(uploadingRun);
    const text = (await renderStatusFile(statusPath)).text;
    expect(text).toMatch(
      new RegExp(`^Upload in progress \\(pid ${process.pid}\\): uploading, updated \\d+\\.\\ds ago$`, 'm'),
    );
    expect(text).toMatch(/^Progress: 46\.6% of 30\.0 MiB \(14\.0 MiB\), [\d.]+ \S+\/s, ETA \S+$/m);
    expect(text).toContain('Files: 1/3 (1 uploaded, 0 skipped, 1 failed)');
    expect(text).toMatch(/^R001\s+1\/2\s+1\s+0\s+0\s+14\.0 MiB\s+running$/m);
    expect(text).toMatch(/^R002\s+0\/1\s+0\s+0\s+1\s+0 B\s+running$/m);
    expect(text).toMatch(/^\s+40\.0%\s+10\.0 MiB\s+reels\/R001\/b\.mp4$/m);
    expect(text).toContain('reels/R002/c.mp4 -> P1/reels/R002/c.mp4: SlowDown');
    expect(text).not.toContain('STALE');
  });

  it('escapes control characters of the names and errors it shows, each on its own line', async () => {
    await writeRunStatus((tracker) => {
      tracker.setPhase('uploading');
      tracker.startFile('R\x1b[2J1', 'reels/\x1b[2Jclear.mp4', MiB);
      tracker.fileDone({
        group: 'R\x1b[2J1',
        path: 'reels/nl\nfake uploaded line.log',
        key: 'P1/nl\nx',
        sizeBytes: 1,
        mtimeMs: 0,
        outcome: 'failed',
        reason: 'remote',
        error: 'denied\r\x1b[31m',
        seconds: 1,
      });
    });
    const text = (await renderStatusFile(statusPath)).text;
    expect(text).not.toContain('\x1b');
    expect(text).not.toContain('\r');
    expect(text).toMatch(/^R\\x1b\[2J1 +0\/0 /m);
    expect(text).toMatch(/^ +0\.0% +1\.0 MiB {2}reels\/\\x1b\[2Jclear\.mp4$/m);
    expect(text.split('\n')).toContain(
      '  reels/nl\\nfake uploaded line.log -> P1/nl\\nx: denied\\r\\x1b[31m',
    );
  });

  it('escapes what a hand-made file names: the project, the run error and an unknown phase', async () => {
    await writeFile(
      statusPath,
      JSON.stringify({
        phase: 'upload\ning',
        totals: { files: 1 },
        group_key: 'reels',
        project_key: 'P\x1b[2J1',
        source: 'D:\\new\rels',
        destination: 's3://b/P1/',
        run_error: { message: 'read D:\\a\n.mp4: gone', exit_code: 1, meaning: 'files\x9bfailed' },
      }),
    );
    const lines = (await renderStatusFile(statusPath, { nowMs: 0 })).text.split('\n');
    expect(lines[0]).toMatch(/^Upload stopping \(pid unknown\): upload\\ning, updated /);
    expect(lines).toContain('Project P\\x1b[2J1: D:\\new\\rels -> s3://b/P1/');
    expect(lines).toContain('Stopping, to exit 1 (files\\x9bfailed): read D:\\a\\n.mp4: gone');
  });

  it("shows a live run's file waiting to send a failed request again", async () => {
    await writeRunStatus((tracker) => {
      uploadingRun(tracker);
      tracker.fileRetried('R001', 'reels/R001/b.mp4', {
        what: 'upload P1/reels/R001/b.mp4 part 2',
        attempt: 2,
        attempts: 10,
        delayMs: 30_000,
        reason: 'SlowDown 503',
      });
    });
    const text = (await renderStatusFile(statusPath)).text;
    expect(text).toMatch(
      /^\s+40\.0%\s+10\.0 MiB\s+reels\/R001\/b\.mp4 {2}retry 3\/10 in [\d.]+s \(SlowDown 503\)$/m,
    );
  });

  it('counts a failed file neither in the progress nor in the files stored', async () => {
    await writeRunStatus((tracker) => {
      tracker.setTotals(2, 2 * MiB);
      tracker.setPhase('uploading');
      for (const [name, outcome] of [
        ['a.mp4', 'uploaded'],
        ['b.mp4', 'failed'],
      ] as const)
        tracker.fileDone({
          group: 'R001',
          path: `reels/R001/${name}`,
          key: `P1/reels/R001/${name}`,
          sizeBytes: MiB,
          mtimeMs: 0,
          outcome,
          reason: 'new',
          seconds: 1,
        });
      tracker.setPhase('failed');
    });
    const text = (await renderStatusFile(statusPath)).text;
    expect(text).toMatch(/^Progress: 50\.0% of 2\.0 MiB \(1\.0 MiB\), /m);
    expect(text).toContain('Files: 1/2 (1 uploaded, 0 skipped, 1 failed)');
  });

  it('says STALE when the file is older than three heartbeat intervals', async () => {
    await writeRunStatus(uploadingRun, 1_000);
    const text = (await renderStatusFile(statusPath, { nowMs: Date.now() + 10_000 })).text;
    expect(text).toMatch(/STALE: no update for \d+s/);
  });

  it('does not call a finished run stale', async () => {
    await writeRunStatus((tracker) => tracker.setPhase('completed'), 1_000);
    const text = (await renderStatusFile(statusPath, { nowMs: Date.now() + 3_600_000 })).text;
    expect(text).toMatch(/^Upload completed \(pid \d+\), ended 1h\S* ago$/m);
    expect(text).not.toContain('STALE');
  });

  it('gives a run that stored everything its total once', async () => {
    await writeRunStatus((tracker) => {
      tracker.setTotals(1, 10 * MiB);
      tracker.setPhase('uploading');
      tracker.startGroup('R001', 1, 10 * MiB);
      uploadFirstReelFile(tracker);
      tracker.setPhase('completed');
    });
    const text = (await renderStatusFile(statusPath)).text;
    expect(text).toMatch(/^Progress: 100\.0% of 10\.0 MiB, sent 10\.0 MiB in /m);
  });

  it('gives an ended run what it sent and its average rate, not its last rate and an ETA', async () => {
    await writeRunStatus(uploadingRun);
    const file = JSON.parse(await readFile(statusPath, 'utf8')) as Record<string, unknown>;
    const startedAt = file.started_at as number;
    await writeFile(
      statusPath,
      JSON.stringify({ ...file, phase: 'interrupted', last_update: startedAt + 4 }),
    );
    const text = (await renderStatusFile(statusPath)).text;
    expect(text).toMatch(
      /^Progress: 46\.6% of 30\.0 MiB \(14\.0 MiB\), sent 14\.0 MiB in 4\.0s \(average 3\.5 MiB\/s\)$/m,
    );
    expect(text).not.toContain('ETA');
  });

  /** Writes a status file of an upload whose process has exited; returns that process's pid. */
  async function writeGoneRun(fields: Record<string, unknown> = {}): Promise<number | undefined> {
    const child = spawn(process.execPath, ['-e', '']);
    await once(child, 'exit');
    const totals = { files: 1, uploaded: 0, skipped: 0, failed: 0, bytes_uploaded: 0 };
    await writeFile(
      statusPath,
      JSON.stringify({
        started_at: Date.now() / 1000,
        phase: 'uploading',
        last_update: Date.now() / 1000,
        pid: child.pid,
        hostname: hostname(),
        group_key: 'reels',
        reels: {},
        ...fields,
        totals: { ...totals, ...(fields['totals'] as object | undefined) },
      }),
    );
    return child.pid;
  }

  it('says STALE when the uploading process is gone', async () => {
    const group = {
      planned_files: 1,
      uploaded: 0,
      skipped: 0,
      failed: 0,
      bytes_uploaded: 0,
      completed_at: null,
    };
    const pid = await writeGoneRun({ reels: { R001: group } });
    const text = (await renderStatusFile(statusPath)).text;
    // no group runs in a process that is gone, whatever its last heartbeat said
    expect(text).toMatch(/^R001\s+0\/1\s+0\s+0\s+0\s+0 B\s+stopped$/m);
    expect(text).toContain(`STALE: process ${pid} is not running`);
    // the first line a glance takes in says the run is gone, and no rate or ETA of a process that sends nothing
    expect(text.split('\n')[0]).toMatch(
      new RegExp(
        `^Upload stopped without finishing \\(pid ${pid} is not running\\), last updated \\S+ ago while uploading$`,
      ),
    );
    expect(text).not.toContain('ETA');
  });

  it('counts for a process that is gone only the bytes the server held, not those of requests it never saw answered', async () => {
    const reel = {
      file: '/d/R1.mp4',
      group: 'reels',
      bytes: 75 * MiB,
      size: 200 * MiB,
      bytes_stored: 64 * MiB,
    };
    await writeGoneRun({
      started_at: Date.now() / 1000 - 4,
      totals: { bytes_uploaded: 75 * MiB, bytes_planned: 200 * MiB },
      in_flight: [reel],
    });
    const text = (await renderStatusFile(statusPath)).text;
    expect(text).toMatch(
      /^Progress: 32\.0% of 200\.0 MiB \(64\.0 MiB stored; 11\.0 MiB more in requests it never saw answered\), sent 75\.0 MiB in /m,
    );
    expect(text).toContain('   32.0%  200.0 MiB  /d/R1.mp4');
  });

  it('reads a status file written by the Python tracker', async () => {
    const python = {
      started_at: 1730182741.12,
      phase: 'uploading',
      current_folder_type: 'reels',
      current_file: '/path/to/file.mp4',
      current_file_bytes: 83886080,
      current_file_size: 262144000,
      totals: { files: 420, uploaded: 119, skipped: 301, failed: 0, bytes_uploaded: 127842091008 },
      folder_types: {
        reels: {
          planned_files: 42,
          uploaded: 41,
          skipped: 1,
          failed: 0,
          bytes_uploaded: 127842091008,
          started_at: 1730182741.12,
          completed_at: 1730183922.77,
        },
      },
      last_update: 1730183799.45,
    };
    await writeFile(statusPath, JSON.stringify(python));
    const text = (await renderStatusFile(statusPath, { nowMs: 1730183800_000 })).text;
    expect(text).toContain('Files: 420/420 (119 uploaded, 301 skipped, 0 failed)');
    expect(text).toMatch(/^reels\s+42\/42\s+41\s+1\s+0\s+119\.1 GiB\s+done$/m);
    expect(text).toContain('folder type');
  });

  it('finds the group map of a file without group_key past the objects every status file has', async () => {
    const failed = {
      totals: { files: 2, uploaded: 1, skipped: 0, failed: 1, bytes_uploaded: 10 },
      run_error: { message: 'stopped', exit_code: 1 },
      folder_types: { logs: { planned_files: 2, uploaded: 1, skipped: 0, failed: 1, bytes_uploaded: 10 } },
    };
    await writeFile(statusPath, JSON.stringify(failed));
    const text = (await renderStatusFile(statusPath, { nowMs: 1730183800_000 })).text;
    expect(text).toMatch(/^logs\s+1\/2\s+1\s+0\s+1\s+10 B/m);
    expect(text).not.toMatch(/NaN|undefined/);
  });

  it('retries a read that lands mid-write', async () => {
    await writeRunStatus(uploadingRun);
    const complete = await readFile(statusPath, 'utf8');
    await writeFile(statusPath, complete.slice(0, complete.length / 2));
    setTimeout(() => void writeFile(statusPath, complete), 20);
    expect((await renderStatusFile(statusPath)).text).toContain('Upload in progress');
  });

  it('reports a missing file as a config error, in words rather than the system error', async () => {
    const missing = join(dir, 'none.json');
    const error = await renderStatusFile(missing).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'config' });
    expect((error as Error).message).toBe(
      `read status file ${missing}: file not found; is an upload running with this status path?`,
    );
  });

  it('names a file that is not JSON as such', async () => {
    await writeFile(statusPath, '{not json');
    await expect(renderStatusFile(statusPath)).rejects.toThrow(
      /^read status file .*status\.json: not JSON \(.*\); pass the path of a status JSON file$/,
    );
  });
});

describe('an ended run', () => {
  it('shows an interrupted run as ended, its groups stopped, and exits 130', async () => {
    await writeRunStatus((tracker) => {
      uploadingRun(tracker);
      tracker.setRunError({
        message: 'upload interrupted',
        exit_code: 130,
        meaning: 'interrupted; a rerun resumes',
      });
      tracker.setPhase('interrupted');
    });
    const { text, exitCode } = await renderStatusFile(statusPath);
    expect(text).toContain('Ended: interrupted, exit 130 (interrupted; a rerun resumes): upload interrupted');
    expect(text).toMatch(/^R001\s+1\/2\s+1\s+0\s+0\s+14\.0 MiB\s+interrupted$/m);
    expect(text).not.toMatch(/running$/m);
    expect(text).toContain('Unfinished when the run stopped (1):');
    expect(exitCode).toBe(130);
  });

  it("exits with a failed run's own exit code, and 1 for a stale run", async () => {
    await writeRunStatus((tracker) => {
      tracker.setRunError({ message: 'open bucket b: NoSuchBucket', exit_code: 2, meaning: 'usage' });
      tracker.setPhase('failed');
    });
    expect((await renderStatusFile(statusPath)).exitCode).toBe(2);
    await writeRunStatus(uploadingRun, 1_000);
    expect((await renderStatusFile(statusPath, { nowMs: Date.now() + 10_000 })).exitCode).toBe(1);
    await writeRunStatus(uploadingRun);
    expect((await renderStatusFile(statusPath)).exitCode).toBe(0);
  });
});

/**
 * Watches the status file into a log-like stream until the run is shown uploading; `text` is what it printed.
 * The watcher reads the file only when the test lets it: `nextRead()` lets it read once more and resolves once it
 * has shown what it read, so every change the test makes is seen, on a busy machine too.
 */
async function watchUntilUploading(
  progressEveryMs?: number,
): Promise<{ watching: Promise<number>; text: () => string; nextRead: () => Promise<void> }> {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  let release: (() => void) | undefined;
  let shown: (() => void) | undefined;
  const pause = (): Promise<void> => {
    shown?.();
    return new Promise((resolve) => (release = resolve));
  };
  const nextRead = (): Promise<void> => {
    const read = new Promise<void>((resolve) => (shown = resolve));
    release?.();
    return read;
  };
  const every = progressEveryMs === undefined ? {} : { progressEveryMs };
  const watching = watchStatusFile(statusPath, { intervalMs: 10, stream, pause, ...every });
  while (!text.includes(': uploading, updated')) await nextRead();
  return { watching, text: () => text, nextRead };
}

/** Lets the watcher read the final file: it returns instead of pausing again. */
async function finalRead(watch: {
  watching: Promise<number>;
  nextRead: () => Promise<void>;
}): Promise<number> {
  void watch.nextRead();
  return watch.watching;
}

/**
 * The watched runs' heartbeat: written at start, on each phase and on writeNow. A periodic write is left out: one
 * late on a busy machine would make the file look stale (after three intervals), a change the watcher prints.
 */
const HEARTBEAT_MS = 60_000;

describe('watchStatusFile', () => {
  it('prints on change and returns once the phase is final', async () => {
    const tracker = new StatusTracker({ groupKey: 'reels' });
    const heartbeat = startHeartbeat(tracker, { path: statusPath, intervalMs: HEARTBEAT_MS });
    tracker.setPhase('uploading');
    const watch = await watchUntilUploading();
    for (let read = 0; read < 5; read += 1) await watch.nextRead();
    tracker.setPhase('completed');
    await heartbeat.stop();
    expect(await finalRead(watch)).toBe(0);
    const { text } = watch;
    expect(text()).toContain('Upload in progress');
    expect(text()).toContain('Upload completed');
    expect(text()).not.toContain('\x1b[');
    const frames = text().split('\n\n\n').length;
    expect(frames).toBeLessThan(5); // printed on change, not on every poll
  });

  it('prints a log a frame per change of counts, not per byte sent', async () => {
    const tracker = new StatusTracker({ groupKey: 'reels' });
    const heartbeat = startHeartbeat(tracker, { path: statusPath, intervalMs: HEARTBEAT_MS });
    tracker.setTotals(1, 40 * MiB);
    tracker.setPhase('uploading');
    tracker.startGroup('R001', 1, 40 * MiB);
    tracker.startFile('R001', 'reels/R001/a.mp4', 40 * MiB);
    const progress = tracker.fileProgressCallback('R001', 'reels/R001/a.mp4');
    const watch = await watchUntilUploading();
    const { text } = watch;
    for (let part = 1; part <= 3; part += 1) {
      progress(8 * MiB);
      await heartbeat.writeNow();
      await watch.nextRead();
      expect(text()).not.toContain(`(${8 * part}.0 MiB)`);
    }
    tracker.setPhase('completed');
    await heartbeat.stop();
    expect(await finalRead(watch)).toBe(0);
    // a frame of the file as first written (before the phase reached it) may come first
    const headers = text().match(/^Upload (in progress \(pid \d+\): )?\w+/gm) ?? [];
    const uploading = `Upload in progress (pid ${process.pid}): uploading`;
    expect(headers.slice(headers.indexOf(uploading))).toEqual([uploading, 'Upload completed']);
  });

  it('prints a log a progress line when only the bytes of a big file moved', async () => {
    const tracker = new StatusTracker({ groupKey: 'reels' });
    const heartbeat = startHeartbeat(tracker, { path: statusPath, intervalMs: HEARTBEAT_MS });
    tracker.setTotals(1, 40 * MiB);
    tracker.setPhase('uploading');
    tracker.startGroup('R001', 1, 40 * MiB);
    tracker.startFile('R001', 'reels/R001/a.mp4', 40 * MiB);
    const progress = tracker.fileProgressCallback('R001', 'reels/R001/a.mp4');
    const watch = await watchUntilUploading(0);
    const { text } = watch;
    for (let part = 1; part <= 3; part += 1) {
      progress(8 * MiB);
      await heartbeat.writeNow();
      await watch.nextRead();
      expect(text()).toContain(`(${8 * part}.0 MiB), `);
    }
    tracker.setPhase('completed');
    await heartbeat.stop();
    expect(await finalRead(watch)).toBe(0);
    const lines = text()
      .split('\n')
      .filter((line) => / Progress: /.test(line));
    expect(lines).toEqual(
      [20, 40, 60].map((percent) =>
        expect.stringMatching(
          new RegExp(
            `^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} Progress: ${percent}\\.0% of 40\\.0 MiB \\(`,
          ),
        ),
      ),
    );
  });

  it('stops when aborted, even while waiting for the file', async () => {
    const controller = new AbortController();
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    // a pause of a minute between reads: only the abort can end the watch within the test's time
    const watching = watchStatusFile(join(dir, 'not-yet.json'), {
      intervalMs: 60_000,
      stream,
      signal: controller.signal,
    });
    while (!text.includes('waiting for')) await sleep(10);
    controller.abort();
    expect(await watching).toBe(0);
  });
});

describe('fitStatusLines', () => {
  const text = [
    'Ended: interrupted, exit 130 (interrupted; a rerun resumes): upload interrupted: stopped by signal',
    '',
    'Unfinished when the run stopped (2):',
    '   16.0%  400.0 MiB  /data/RMI25320/reels/R001/R001_a_rather_long_reel_name_from_the_front_camera.mp4',
    '    0.0%   49.4 KiB  /data/RMI25320/logs/camera.log',
  ].join('\n');

  it('cuts a file in flight in the middle of its path, keeping its name, and other lines at their end', () => {
    const lines = fitStatusLines(text, { columns: 61, rows: 24 });
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(60);
    expect(lines[0]).toMatch(/^Ended: interrupted, exit 130 .*…$/);
    expect(lines[3]).toMatch(/^ {3}16\.0% {2}400\.0 MiB {2}\/data\/RMI25320\S*…\S*front_camera\.mp4$/);
    expect(lines[4]).toBe('    0.0%   49.4 KiB  /data/RMI25320/logs/camera.log');
  });

  it('drops the rows past the screen', () => {
    expect(fitStatusLines(text, { columns: 200, rows: 3 })).toHaveLength(2);
  });
});
