import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHeartbeat } from '../../../src/status/heartbeat.js';
import { StatusTracker } from '../../../src/status/status-tracker.js';

let dir: string;
let statusPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'heartbeat-'));
  statusPath = join(dir, 'status.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readStatus(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(statusPath, 'utf8')) as Record<string, unknown>;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('startHeartbeat', () => {
  it('writes the snapshot as pretty JSON with its interval and host', async () => {
    const tracker = new StatusTracker({ groupKey: 'reels' });
    tracker.setTotals(7, 700);
    const heartbeat = startHeartbeat(tracker, { path: statusPath, intervalMs: 60_000 });
    await heartbeat.stop();
    const text = await readFile(statusPath, 'utf8');
    expect(text).toContain('\n  "phase": "planning"');
    const status = JSON.parse(text) as Record<string, unknown>;
    expect(status).toMatchObject({
      totals: { files: 7, bytes_planned: 700 },
      heartbeat_interval_ms: 60_000,
      reels: {},
    });
    expect(typeof status['hostname']).toBe('string');
  });

  it('writes again on each interval', async () => {
    const tracker = new StatusTracker();
    const heartbeat = startHeartbeat(tracker, { path: statusPath, intervalMs: 20 });
    try {
      await waitFor(async () => (await readStatus())['phase'] === 'planning');
      tracker.setTotals(3, 30); // not an event: only the timer can carry it to the file
      await waitFor(async () => ((await readStatus())['totals'] as { files: number }).files === 3);
    } finally {
      await heartbeat.stop();
    }
  });

  it('writes on a phase change without waiting for the interval', async () => {
    const tracker = new StatusTracker();
    const heartbeat = startHeartbeat(tracker, { path: statusPath, intervalMs: 60_000 });
    try {
      await waitFor(async () => (await readStatus())['phase'] === 'planning');
      tracker.setPhase('uploading');
      await waitFor(async () => (await readStatus())['phase'] === 'uploading', 1_000);
    } finally {
      await heartbeat.stop();
    }
  });

  it('makes a final write on stop with the latest state', async () => {
    const tracker = new StatusTracker();
    const heartbeat = startHeartbeat(tracker, { path: statusPath, intervalMs: 60_000 });
    tracker.setTotals(2, 20);
    tracker.fileDone({
      group: 'reels',
      path: 'a',
      key: 'k',
      sizeBytes: 10,
      mtimeMs: 0,
      outcome: 'uploaded',
      reason: 'new',
      seconds: 1,
    });
    tracker.setPhase('completed');
    await heartbeat.stop();
    const status = await readStatus();
    expect(status['phase']).toBe('completed');
    expect(status['totals']).toMatchObject({ uploaded: 1, bytes_done: 10 });
    expect(await readdir(dir)).toEqual(['status.json']); // no temp files left behind
  });

  it('names how to resume while the run may stop, and no longer once it has completed', async () => {
    const tracker = new StatusTracker();
    const identity = {
      project_key: 'RMI25320',
      source: '/survey/RMI25320',
      destination: 's3://b/RMI25320/',
      resume_advice: 'run it again with --custom-timestamp 20261207_1818 in place of --timestamp',
      timestamp_folder: '20261207_1818',
    };
    const heartbeat = startHeartbeat(tracker, { path: statusPath, intervalMs: 60_000, identity });
    tracker.setPhase('uploading');
    await heartbeat.writeNow();
    expect(await readStatus()).toMatchObject(identity);

    tracker.setPhase('completed');
    await heartbeat.stop();
    const done = await readStatus();
    expect(done).not.toHaveProperty('resume_advice');
    expect(done).toMatchObject({ project_key: 'RMI25320', timestamp_folder: '20261207_1818' });
  });

  it('on stopSync, sets the final phase through prepare and has the file written before it returns', async () => {
    const tracker = new StatusTracker();
    const heartbeat = startHeartbeat(tracker, { path: statusPath, intervalMs: 60_000 });
    tracker.setPhase('uploading');
    await waitFor(async () => (await readStatus())['phase'] === 'uploading');
    heartbeat.stopSync(() => tracker.setPhase('interrupted'));
    expect(JSON.parse(readFileSync(statusPath, 'utf8'))).toMatchObject({ phase: 'interrupted' });
    // the phase change made no asynchronous write of its own that an exit would cut off half-way
    await sleep(50);
    expect(await readdir(dir)).toEqual(['status.json']);
  });

  it('on stopSync, reports a failed write to onError instead of throwing', async () => {
    const tracker = new StatusTracker();
    const errors: unknown[] = [];
    const heartbeat = startHeartbeat(tracker, {
      path: join(dir, 'missing', 'status.json'),
      intervalMs: 60_000,
      onError: (error) => errors.push(error),
    });
    await sleep(20);
    const before = errors.length;
    expect(() => heartbeat.stopSync()).not.toThrow();
    expect(errors.length).toBe(before + 1);
  });

  it('reports write failures to onError and still stops cleanly', async () => {
    const tracker = new StatusTracker();
    const errors: unknown[] = [];
    const blocked = join(dir, 'is-a-directory');
    await mkdir(blocked);
    const heartbeat = startHeartbeat(tracker, {
      path: blocked,
      intervalMs: 10,
      onError: (error) => errors.push(error),
    });
    await sleep(50);
    await expect(heartbeat.stop()).resolves.toBeUndefined();
    expect(errors.length).toBeGreaterThan(0);
  });

  it('survives an onError that throws', async () => {
    const tracker = new StatusTracker();
    const heartbeat = startHeartbeat(tracker, {
      path: join(dir, 'missing', 'status.json'),
      intervalMs: 10,
      onError: () => {
        throw new Error('logger broke');
      },
    });
    await sleep(30);
    await expect(heartbeat.stop()).resolves.toBeUndefined();
  });
});
