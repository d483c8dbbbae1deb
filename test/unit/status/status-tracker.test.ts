import { describe, expect, it } from 'vitest';
import { readCurrentGroup, readGroups } from '../../../src/status/status-snapshot.js';
import { StatusTracker, type FileResult, type StatusEvent } from '../../../src/status/status-tracker.js';

const T0_MS = 1_730_182_741_120;
const MiB = 1024 * 1024;

function clock(startMs = T0_MS): { now: () => number; advance: (ms: number) => void } {
  let nowMs = startMs;
  return { now: () => nowMs, advance: (ms) => (nowMs += ms) };
}

function result(overrides: Partial<FileResult> = {}): FileResult {
  return {
    group: 'reels',
    path: 'reels/R001/a.mp4',
    key: 'P1/reels/R001/a.mp4',
    sizeBytes: 100,
    mtimeMs: 1_700_000_000_000,
    outcome: 'uploaded',
    reason: 'new',
    seconds: 1.5,
    ...overrides,
  };
}

function skipped(overrides: Partial<FileResult>): FileResult & { outcome: 'skipped' } {
  return { ...result(overrides), outcome: 'skipped' };
}

const FIXED_KEYS = [
  'started_at',
  'phase',
  'current_file',
  'current_file_bytes',
  'current_file_size',
  'totals',
  'last_update',
  'rate_bytes_per_sec',
  'eta_seconds',
  'in_flight',
  'errors',
  'run_error',
  'group_key',
  'pid',
  'version',
];

describe('StatusTracker snapshot schema', () => {
  it('names the group fields after the folder_types group key', () => {
    const tracker = new StatusTracker({ now: clock().now });
    expect(Object.keys(tracker.snapshot()).sort()).toEqual(
      [...FIXED_KEYS, 'current_folder_type', 'folder_types'].sort(),
    );
  });

  it('names the group fields after the reels group key', () => {
    const tracker = new StatusTracker({ groupKey: 'reels', now: clock().now });
    expect(Object.keys(tracker.snapshot()).sort()).toEqual([...FIXED_KEYS, 'current_reel', 'reels'].sort());
  });

  it('keeps the seed key sets of totals and groups, plus the documented additions', () => {
    const tracker = new StatusTracker({ groupKey: 'reels', now: clock().now });
    tracker.startGroup('R001', 2, 200);
    const snapshot = tracker.snapshot();
    expect(Object.keys(snapshot.totals).sort()).toEqual(
      [
        'files',
        'uploaded',
        'skipped',
        'failed',
        'bytes_uploaded',
        'bytes_sent',
        'bytes_planned',
        'bytes_done',
        'bytes_skipped',
        'bytes_failed',
        'bytes_resumed',
        'retries',
      ].sort(),
    );
    expect(Object.keys(readGroups(snapshot)['R001'] ?? {}).sort()).toEqual(
      [
        'planned_files',
        'planned_bytes',
        'uploaded',
        'skipped',
        'failed',
        'bytes_uploaded',
        'bytes_sent',
        'bytes_done',
        'bytes_skipped',
        'bytes_failed',
        'started_at',
        'completed_at',
      ].sort(),
    );
  });

  it('writes times as float seconds since the epoch, like time.time()', () => {
    const { now, advance } = clock();
    const tracker = new StatusTracker({ now });
    advance(2_500);
    const snapshot = tracker.snapshot();
    expect(snapshot.started_at).toBe(T0_MS / 1000);
    expect(snapshot.last_update).toBe((T0_MS + 2_500) / 1000);
    expect(snapshot.version).toBe(1);
    expect(snapshot.pid).toBe(process.pid);
  });

  it('refuses a group key that would overwrite a fixed field', () => {
    expect(() => new StatusTracker({ groupKey: 'totals' })).toThrow(/reserved/);
  });
});

describe('StatusTracker counters', () => {
  it('counts files and bytes per group and in total through a run', () => {
    const { now, advance } = clock();
    const tracker = new StatusTracker({ now });
    tracker.setTotals(3, 600);
    tracker.setPhase('uploading');
    tracker.startGroup('reels', 2, 400);
    tracker.noteSkip(skipped({ reason: 'unchanged', path: 's.mp4', sizeBytes: 150 }));
    tracker.startFile('reels', 'a.mp4', 250);
    const progress = tracker.fileProgressCallback('reels', 'a.mp4');
    progress(100);
    progress(100);
    progress(100); // a part sent again: 300 bytes sent for a 250-byte file
    tracker.fileDone(result({ path: 'a.mp4', sizeBytes: 250 }));
    advance(1_000);
    tracker.completeGroup('reels');
    tracker.startGroup('config', 1, 200);
    tracker.startFile('config', 'c.yaml', 200);
    tracker.fileProgressCallback('config', 'c.yaml')(50);
    tracker.fileDone(
      result({ group: 'config', path: 'c.yaml', sizeBytes: 200, outcome: 'failed', error: 'boom' }),
    );

    const snapshot = tracker.snapshot();
    expect(snapshot.totals).toEqual({
      files: 3,
      uploaded: 1,
      skipped: 1,
      failed: 1,
      bytes_uploaded: 250,
      bytes_sent: 350,
      bytes_planned: 600,
      bytes_done: 400,
      bytes_skipped: 150,
      bytes_failed: 200,
      bytes_resumed: 0,
      retries: 0,
    });
    const groups = readGroups(snapshot);
    expect(groups['reels']).toMatchObject({
      planned_files: 2,
      uploaded: 1,
      skipped: 1,
      failed: 0,
      bytes_uploaded: 250,
      bytes_sent: 300,
    });
    expect(groups['reels']?.completed_at).toBe((T0_MS + 1_000) / 1000);
    expect(groups['config']).toMatchObject({
      uploaded: 0,
      failed: 1,
      bytes_uploaded: 0,
      bytes_sent: 50,
      completed_at: null,
    });
    expect(snapshot.errors).toEqual([{ file: 'c.yaml', key: 'P1/reels/R001/a.mp4', error: 'boom' }]);
    expect(snapshot.in_flight).toEqual([]);
  });

  it('counts content uploaded once and only once the server confirmed it; resent bytes on the wire only', () => {
    const tracker = new StatusTracker({ now: clock().now });
    tracker.setTotals(3, 1_300);
    tracker.startFile('reels', 'reel.mp4', 1_000);
    tracker.startFile('logs', 'run.log', 200);
    const reel = tracker.fileProgressCallback('reels', 'reel.mp4');
    reel(400);
    reel(300, 'resent'); // an attempt that failed, sent again
    reel(100);
    const log = tracker.fileProgressCallback('logs', 'run.log');
    log(150);
    let snapshot = tracker.snapshot();
    // sent and not yet answered: on the wire, the files' progress, but nothing stored
    expect(snapshot.totals).toMatchObject({ bytes_uploaded: 0, bytes_sent: 950 });
    expect(snapshot.in_flight.map((entry) => entry.bytes)).toEqual([500, 150]);
    reel(400, 'stored');
    log(100, 'stored');
    expect(tracker.snapshot().totals).toMatchObject({ bytes_uploaded: 500, bytes_sent: 950 });

    // the log changed while it was read: its bytes are no content stored
    tracker.fileDone(
      result({ group: 'logs', path: 'run.log', sizeBytes: 200, outcome: 'failed', error: 'x' }),
    );
    snapshot = tracker.snapshot();
    expect(snapshot.totals).toMatchObject({ bytes_uploaded: 400, bytes_sent: 950 });
    expect(readGroups(snapshot)['logs']).toMatchObject({ bytes_uploaded: 0, bytes_sent: 150 });

    // a file started over sends every byte again: past its size that is no more content
    reel(900);
    expect(tracker.snapshot().in_flight[0]?.bytes).toBe(1_000);
    tracker.fileDone(result({ path: 'reel.mp4', sizeBytes: 1_000 }));
    tracker.fileDone(result({ group: 'config', path: 'c.yaml', sizeBytes: 100 }));
    snapshot = tracker.snapshot();
    expect(snapshot.totals).toMatchObject({ bytes_uploaded: 1_100, bytes_sent: 1_850, bytes_done: 1_100 });
    expect(readGroups(snapshot)['reels']).toMatchObject({ bytes_uploaded: 1_000, bytes_sent: 1_700 });
  });

  it('reports the largest file in flight as current_file, not a small one started after it', () => {
    const tracker = new StatusTracker({ groupKey: 'reels', now: clock().now });
    tracker.startGroup('R001', 4, 10_400);
    tracker.startFile('R001', 'one.mp4', 100);
    tracker.startFile('R001', 'reel.mp4', 10_000);
    tracker.fileProgressCallback('R001', 'reel.mp4')(4_000);
    tracker.startGroup('config', 2, 300);
    tracker.startFile('config', 'survey.yaml', 200);
    tracker.startFile('config', 'other.mp4', 10_000);
    let snapshot = tracker.snapshot();
    expect(snapshot.current_file).toBe('reel.mp4');
    expect(snapshot.current_file_bytes).toBe(4_000);
    expect(snapshot.current_file_size).toBe(10_000);
    expect(readCurrentGroup(snapshot)).toBe('R001');
    expect(snapshot.in_flight.map((entry) => entry.file)).toEqual([
      'one.mp4',
      'reel.mp4',
      'survey.yaml',
      'other.mp4',
    ]);

    // the one it names goes on until it is done: progress of another file changes nothing
    tracker.fileProgressCallback('config', 'other.mp4')(9_000);
    expect(tracker.snapshot().current_file).toBe('reel.mp4');
    tracker.fileDone(result({ group: 'R001', path: 'reel.mp4', sizeBytes: 10_000 }));
    snapshot = tracker.snapshot();
    expect(snapshot.current_file).toBe('other.mp4');
    expect(readCurrentGroup(snapshot)).toBe('config');
    for (const [group, path] of [
      ['config', 'other.mp4'],
      ['config', 'survey.yaml'],
      ['R001', 'one.mp4'],
    ] as const)
      tracker.fileDone(result({ group, path }));
    tracker.completeGroup('R001');
    tracker.completeGroup('config');
    snapshot = tracker.snapshot();
    expect(snapshot.current_file).toBeNull();
    expect(snapshot['current_reel']).toBeNull();
  });

  it('keeps only the last 100 errors', () => {
    const tracker = new StatusTracker({ now: clock().now });
    for (let i = 0; i < 105; i++) {
      tracker.fileDone(result({ path: `f${i}`, outcome: 'failed', error: `e${i}` }));
    }
    const snapshot = tracker.snapshot();
    expect(snapshot.errors).toHaveLength(100);
    expect(snapshot.errors[0]?.file).toBe('f5');
    expect(snapshot.totals.failed).toBe(105);
  });

  it('hands out snapshots that later calls do not change', () => {
    const tracker = new StatusTracker({ now: clock().now });
    tracker.startFile('reels', 'a.mp4', 10);
    const before = tracker.snapshot();
    tracker.fileProgressCallback('reels', 'a.mp4')(5);
    expect(before.in_flight[0]?.bytes).toBe(0);
    expect(before.totals.bytes_uploaded).toBe(0);
  });
});

describe('StatusTracker rate and ETA', () => {
  it('averages the rate over the time since the first file until the window fills', () => {
    const { now, advance } = clock();
    const tracker = new StatusTracker({ now });
    tracker.setTotals(1, 100 * MiB);
    tracker.setPhase('uploading');
    tracker.startFile('reels', 'big.mp4', 100 * MiB);
    const progress = tracker.fileProgressCallback('reels', 'big.mp4');
    for (let second = 0; second < 6; second++) {
      advance(1_000);
      progress(5 * MiB);
    }
    const snapshot = tracker.snapshot();
    expect(snapshot.rate_bytes_per_sec).toBeCloseTo((30 * MiB) / 6, 0);
    expect(snapshot.eta_seconds).toBeCloseTo(70 / 5, 5);
  });

  it('gives a run that has ended the rate of its whole time, not of its last seconds', () => {
    const { now, advance } = clock();
    const tracker = new StatusTracker({ now });
    tracker.setTotals(1, 40 * MiB);
    tracker.setPhase('uploading');
    tracker.startFile('reels', 'big.mp4', 40 * MiB);
    tracker.fileProgressCallback('reels', 'big.mp4')(40 * MiB); // all of it at once, then a long wait
    advance(40_000);
    tracker.fileDone(result({ path: 'big.mp4', sizeBytes: 40 * MiB }));
    tracker.setPhase('completed');
    advance(60_000); // a snapshot taken later (the last heartbeat) still gives the run's own time
    expect(tracker.snapshot().rate_bytes_per_sec).toBeCloseTo(MiB, 0);
  });

  it('forgets bytes older than the ten-second window', () => {
    const { now, advance } = clock();
    const tracker = new StatusTracker({ now });
    tracker.setTotals(1, 1_000 * MiB);
    tracker.startFile('reels', 'big.mp4', 1_000 * MiB);
    const progress = tracker.fileProgressCallback('reels', 'big.mp4');
    progress(500 * MiB); // a burst at the start
    for (let second = 0; second < 30; second++) {
      advance(1_000);
      progress(1 * MiB);
    }
    const rate = tracker.snapshot().rate_bytes_per_sec;
    expect(rate).toBeGreaterThan(0.8 * MiB);
    expect(rate).toBeLessThan(1.2 * MiB);
  });

  it('has no ETA before anything was sent, and zero once completed', () => {
    const { now, advance } = clock();
    const tracker = new StatusTracker({ now });
    tracker.setTotals(1, 100);
    expect(tracker.snapshot().eta_seconds).toBeNull();
    tracker.startFile('reels', 'a', 100);
    advance(1_000);
    expect(tracker.snapshot().eta_seconds).toBeNull();
    tracker.setPhase('completed');
    expect(tracker.snapshot().eta_seconds).toBe(0);
  });

  it('does not count skipped and failed bytes as remaining work', () => {
    const { now, advance } = clock();
    const tracker = new StatusTracker({ now });
    tracker.setTotals(4, 400);
    tracker.noteSkip(skipped({ path: 's', sizeBytes: 100 }));
    tracker.fileDone(result({ path: 'f', outcome: 'failed', sizeBytes: 100 }));
    tracker.startFile('reels', 'a', 100);
    tracker.startFile('reels', 'b', 100);
    advance(40_000);
    tracker.fileProgressCallback('reels', 'a')(60);
    tracker.fileProgressCallback('reels', 'b')(40);
    // 100 bytes left, at the rate of the last ten seconds
    const snapshot = tracker.snapshot();
    expect(snapshot.rate_bytes_per_sec).toBeGreaterThan(0);
    expect(snapshot.eta_seconds).toBeCloseTo(100 / snapshot.rate_bytes_per_sec, 5);
  });

  it('has no ETA while the rate measures only the first seconds or a few small files', () => {
    const { now, advance } = clock();
    const tracker = new StatusTracker({ now });
    tracker.setTotals(31, 30 * 1024 * MiB);
    tracker.setPhase('uploading');
    // small files answered one after another, then a reel that streams
    for (let i = 0; i < 30; i++) {
      tracker.startFile('logs', `log${i}`, 3_000);
      tracker.fileProgressCallback('logs', `log${i}`)(3_000);
      tracker.fileDone(result({ group: 'logs', path: `log${i}`, sizeBytes: 3_000 }));
      advance(200);
    }
    let snapshot = tracker.snapshot();
    expect(snapshot.rate_bytes_per_sec).toBeGreaterThan(0);
    expect(snapshot.eta_seconds).toBeNull();
    tracker.startFile('reels', 'reel.mp4', 30 * 1024 * MiB - 90_000);
    const reel = tracker.fileProgressCallback('reels', 'reel.mp4');
    reel(4 * MiB);
    advance(1_000);
    reel(4 * MiB);
    snapshot = tracker.snapshot();
    expect(snapshot.eta_seconds).toBeGreaterThan(0);
    expect(snapshot.eta_seconds).toBeLessThan(30 * 24 * 3600);
  });

  it('gives a slow link its ETA once its rate has been measured for half a minute', () => {
    const { now, advance } = clock();
    const tracker = new StatusTracker({ now });
    tracker.setTotals(1, 10 * MiB);
    tracker.setPhase('uploading');
    tracker.startFile('reels', 'a.mp4', 10 * MiB);
    const progress = tracker.fileProgressCallback('reels', 'a.mp4');
    for (let second = 1; second <= 30; second++) {
      advance(1_000);
      progress(20_000);
      if (second < 30) expect(tracker.snapshot().eta_seconds, `after ${second}s`).toBeNull();
    }
    const snapshot = tracker.snapshot();
    expect(snapshot.eta_seconds).toBeCloseTo((10 * MiB - 600_000) / snapshot.rate_bytes_per_sec, 5);
  });
});

describe('StatusTracker ETA with many small files left', () => {
  /**
   * A reel (100 MiB sent of `reelBytes`) streams at 10 MiB/s for ten seconds beside small files of 1,000 bytes, two started and finished a second, each taking
   * 0.5 s; a snapshot a second (the heartbeat) sees the reel and two small files in flight.
   */
  function reelBesideSmallFiles(
    smallFiles: number,
    reelBytes = 100 * MiB,
  ): { tracker: StatusTracker; smallDone: number } {
    const { now, advance } = clock();
    const tracker = new StatusTracker({ now });
    tracker.setTotals(1 + smallFiles, reelBytes + smallFiles * 1_000);
    tracker.setPhase('uploading');
    tracker.startFile('reels', 'reel.mp4', reelBytes);
    const reel = tracker.fileProgressCallback('reels', 'reel.mp4');
    let smallDone = 0;
    for (let second = 0; second < 10; second++) {
      const names = [`log${smallDone}`, `log${smallDone + 1}`];
      for (const name of names) tracker.startFile('logs', name, 1_000);
      tracker.snapshot();
      advance(1_000);
      reel(10 * MiB);
      for (const name of names) {
        tracker.fileProgressCallback('logs', name)(1_000);
        tracker.fileDone(result({ group: 'logs', path: name, sizeBytes: 1_000, seconds: 0.5 }));
        smallDone += 1;
      }
    }
    return { tracker, smallDone };
  }

  it('keeps counting the small files left once the bytes are nearly all sent', () => {
    const { tracker, smallDone } = reelBesideSmallFiles(200);
    const snapshot = tracker.snapshot();
    // the reel's bytes are sent and 180,000 bytes are left: a fraction of a second at 10 MiB/s
    expect(snapshot.totals.files - smallDone).toBe(181);
    // 181 files left (the reel still in flight), 3 at a time, 0.5 s a round
    expect(snapshot.eta_seconds).toBeCloseTo(61 * 0.5, 9);
  });

  it('lets the bytes decide when only the reel is left', () => {
    const { tracker } = reelBesideSmallFiles(20, 200 * MiB);
    const snapshot = tracker.snapshot();
    expect(snapshot.eta_seconds).toBeCloseTo((100 * MiB) / snapshot.rate_bytes_per_sec, 9);
    expect(snapshot.eta_seconds).toBeGreaterThan(9);
  });

  it('does not time skips, failures or big files', () => {
    const { now, advance } = clock();
    const tracker = new StatusTracker({ now });
    tracker.setTotals(5, 100 * MiB + 3_000);
    tracker.setPhase('uploading');
    tracker.noteSkip(skipped({ path: 'seen.log', sizeBytes: 1_000, seconds: 0 }));
    tracker.fileDone(result({ path: 'refused.log', outcome: 'failed', sizeBytes: 1_000, seconds: 60 }));
    tracker.startFile('reels', 'reel.mp4', 100 * MiB);
    tracker.startFile('logs', 'next.log', 1_000);
    for (let second = 0; second < 10; second++) {
      advance(1_000);
      tracker.fileProgressCallback('reels', 'reel.mp4')(10 * MiB);
    }
    tracker.fileProgressCallback('logs', 'next.log')(1_000);
    tracker.fileDone(result({ path: 'reel.mp4', sizeBytes: 100 * MiB, seconds: 10 }));
    // every byte is sent and one small file is in flight: nothing says how long its request takes
    expect(tracker.snapshot().eta_seconds).toBeNull();
  });
});

describe('StatusTracker events', () => {
  it('emits phase, group and file events in order, and not progress deltas', () => {
    const tracker = new StatusTracker({ now: clock().now });
    const events: StatusEvent[] = [];
    const unsubscribe = tracker.onEvent((event) => events.push(event));
    tracker.setPhase('uploading');
    tracker.setPhase('uploading');
    tracker.startGroup('reels', 1, 10);
    tracker.startFile('reels', 'a', 10);
    tracker.fileProgressCallback('reels', 'a')(10);
    tracker.fileDone(result({ path: 'a', sizeBytes: 10 }));
    tracker.completeGroup('reels');
    unsubscribe();
    tracker.setPhase('completed');
    expect(events.map((event) => event.type)).toEqual([
      'phase',
      'group-start',
      'file-start',
      'file-done',
      'group-done',
    ]);
  });

  it('keeps notifying other listeners when one throws', () => {
    const tracker = new StatusTracker({ now: clock().now });
    const seen: string[] = [];
    tracker.onEvent(() => {
      throw new Error('broken view');
    });
    tracker.onEvent((event) => seen.push(event.type));
    tracker.setPhase('verifying');
    expect(seen).toEqual(['phase']);
  });
});

describe('StatusTracker run_error', () => {
  it('is null until a run error is recorded, then carries its message and exit code', () => {
    const tracker = new StatusTracker({ now: clock().now });
    expect(tracker.snapshot().run_error).toBeNull();
    tracker.setRunError({ message: 'open bucket b: NoSuchBucket', exit_code: 2, meaning: 'usage' });
    expect(tracker.snapshot().run_error).toEqual({
      message: 'open bucket b: NoSuchBucket',
      exit_code: 2,
      meaning: 'usage',
    });
  });
});

describe('StatusTracker resumed files', () => {
  it('counts parts an earlier run stored as progress of the file, not as bytes this run sent', () => {
    const tracker = new StatusTracker({ now: clock().now });
    const events: string[] = [];
    tracker.onEvent((event) => events.push(event.type));
    tracker.setTotals(1, 900);
    tracker.startFile('reels', 'R001.mp4', 900);
    tracker.fileResumedCallback('reels', 'R001.mp4')({ bytes: 600, partsStored: 6, partCount: 9 });
    const onBytes = tracker.fileProgressCallback('reels', 'R001.mp4');
    onBytes(300);
    onBytes(300, 'stored');
    const snapshot = tracker.snapshot();
    expect(snapshot.totals.bytes_uploaded).toBe(300);
    expect(snapshot.totals.bytes_resumed).toBe(600);
    expect(snapshot.in_flight[0]?.bytes).toBe(900);
    expect(events).toContain('file-resumed');
    tracker.fileDone(result({ group: 'reels', path: 'R001.mp4', sizeBytes: 900 }));
    expect(tracker.snapshot().totals).toMatchObject({ bytes_uploaded: 300, bytes_resumed: 600 });
  });

  it('takes back what a file had resumed and sent when its upload starts again from the first byte', () => {
    const tracker = new StatusTracker({ now: clock().now });
    tracker.setTotals(1, 900);
    tracker.startFile('reels', 'R001.mp4', 900);
    tracker.fileResumedCallback('reels', 'R001.mp4')({ bytes: 600, partsStored: 6, partCount: 9 });
    const onBytes = tracker.fileProgressCallback('reels', 'R001.mp4');
    onBytes(200);
    onBytes(100, 'stored');
    // the journaled upload is gone: a new one sends the whole file
    tracker.startFile('reels', 'R001.mp4', 900);
    onBytes(500);
    onBytes(500, 'stored');
    let snapshot = tracker.snapshot();
    expect(snapshot.in_flight[0]?.bytes).toBe(500);
    expect(snapshot.totals).toMatchObject({ bytes_uploaded: 500, bytes_resumed: 0, bytes_sent: 700 });
    onBytes(400);
    tracker.fileDone(result({ group: 'reels', path: 'R001.mp4', sizeBytes: 900 }));
    snapshot = tracker.snapshot();
    expect(snapshot.totals).toMatchObject({ bytes_uploaded: 900, bytes_resumed: 0, bytes_sent: 1_100 });
  });

  it('gives back the bytes of a part cut off in flight, keeping them on the wire and what an earlier run stored', () => {
    const tracker = new StatusTracker({ now: clock().now });
    tracker.setTotals(1, 900);
    tracker.startFile('reels', 'R001.mp4', 900);
    tracker.fileResumedCallback('reels', 'R001.mp4')({ bytes: 300, partsStored: 3, partCount: 9 });
    const onBytes = tracker.fileProgressCallback('reels', 'R001.mp4');
    onBytes(200);
    onBytes(200, 'stored'); // two parts stored
    onBytes(80); // a part the stop cuts off
    expect(tracker.snapshot().totals.bytes_uploaded).toBe(200);
    onBytes(80, 'withdrawn');
    const snapshot = tracker.snapshot();
    expect(snapshot.in_flight[0]?.bytes).toBe(500);
    expect(snapshot.totals).toMatchObject({ bytes_uploaded: 200, bytes_resumed: 300, bytes_sent: 280 });
    expect(readGroups(snapshot)['reels']).toMatchObject({ bytes_uploaded: 200, bytes_sent: 280 });
    // never below what the server holds, this run's and an earlier run's
    onBytes(900, 'withdrawn');
    expect(tracker.snapshot().in_flight[0]?.bytes).toBe(500);
    expect(tracker.snapshot().totals.bytes_uploaded).toBe(200);
  });
});

describe('StatusTracker retries', () => {
  it('counts each retried request, shows it on the file until the file sends a byte after the wait, and tells listeners', () => {
    const time = clock();
    const tracker = new StatusTracker({ now: time.now });
    const events: StatusEvent[] = [];
    tracker.onEvent((event) => events.push(event));
    tracker.startFile('reels', 'reels/R001/a.mp4', 4 * MiB);
    const onBytes = tracker.fileProgressCallback('reels', 'reels/R001/a.mp4');
    const retry = {
      what: 'upload P1/reels/R001/a.mp4 part 2',
      attempt: 1,
      attempts: 10,
      delayMs: 2_000,
      reason: 'ECONNRESET',
    };
    tracker.fileRetried('reels', 'reels/R001/a.mp4', retry);

    const waiting = tracker.snapshot();
    expect(waiting.totals.retries).toBe(1);
    expect(waiting.in_flight[0]?.retry).toEqual({
      attempt: 1,
      attempts: 10,
      reason: 'ECONNRESET',
      resume_at: (T0_MS + 2_000) / 1000,
    });
    expect(events.at(-1)).toEqual({
      type: 'file-retry',
      group: 'reels',
      path: 'reels/R001/a.mp4',
      retry,
      timeMs: T0_MS,
    });

    // bytes of other parts sent during the wait do not hide it; the first after the wait does
    onBytes(1_000);
    expect(tracker.snapshot().in_flight[0]?.retry).toBeDefined();
    time.advance(2_000);
    onBytes(1_000);
    expect(tracker.snapshot().in_flight[0]?.retry).toBeUndefined();
    expect(tracker.snapshot().totals.retries).toBe(1);
  });

  it('counts a retry of a file no longer in flight without failing', () => {
    const tracker = new StatusTracker({ now: clock().now });
    tracker.fileRetried('logs', 'logs/a.log', {
      what: 'upload P1/logs/a.log',
      attempt: 3,
      attempts: 10,
      delayMs: 10,
      reason: 'SlowDown 503',
    });
    expect(tracker.snapshot().totals.retries).toBe(1);
    expect(tracker.snapshot().in_flight).toEqual([]);
  });
});
