/**
 * One CSV log shared by the runs of two projects, one of which rotates it, on real temp files. The writers run
 * in this process and the interleaving is spelled out step by step, so each test shows one order of events.
 */
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireFileLock } from '../../../src/state/file-lock.js';
import { rotateCsvLogIfLarge } from '../../../src/status/csv-log-rotation.js';
import {
  CSV_LOG_COLUMNS,
  openCsvLog,
  parseUploadedKeysFromLog,
  readCsvLog,
  type CsvLog,
  type LogTarget,
} from '../../../src/status/csv-log.js';
import type { FileResult } from '../../../src/status/status-tracker.js';

const BUCKET_A = { endpoint: 'http://127.0.0.1:7481', bucket: 'survey-a' };
const BUCKET_B = { endpoint: 'http://127.0.0.1:7481', bucket: 'survey-b' };
const POLICY = { minRows: 10, factor: 2 };
// no timer flush during a test: every write happens at an explicit flush or close
const MANUAL = { flushIntervalMs: 3_600_000, flushRows: 1_000 };

let dir: string;
let logPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csv-log-sharing-'));
  logPath = join(dir, 'upload-log.csv');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function result(key: string, overrides: Partial<FileResult> = {}): FileResult {
  return {
    group: 'reels',
    path: `project/${key}`,
    key,
    sizeBytes: 100,
    mtimeMs: 1_700_000_000_000,
    outcome: 'skipped',
    reason: 'in upload log',
    seconds: 0,
    ...overrides,
  };
}

function openWriter(target: LogTarget): Promise<CsvLog> {
  return openCsvLog(logPath, { target, ...MANUAL });
}

/** Both projects uploaded, then rerun `reruns` times, each run writing through its own log writer. */
async function writeHistory(reruns: number): Promise<void> {
  for (const [target, project] of [
    [BUCKET_A, 'P1'],
    [BUCKET_B, 'P2'],
  ] as const) {
    const log = await openWriter(target);
    for (let run = 0; run <= reruns; run++) {
      log.append(
        result(`${project}/a.mp4`, run === 0 ? { outcome: 'uploaded', sha256: `sha-${project}` } : {}),
      );
      log.append(result(`${project}/b.log`));
    }
    await log.close();
  }
}

function keysOf(map: Map<string, unknown>): string[] {
  return [...map.keys()].sort();
}

describe('a CSV log shared by two projects', () => {
  it('loses no row when one run rotates the log between the other run’s batches', async () => {
    await writeHistory(4);
    const runA = await openWriter(BUCKET_A);
    const runB = await openWriter(BUCKET_B);
    runA.append(result('P1/c.pdf', { outcome: 'uploaded' }));
    runB.append(result('P2/c.pdf', { outcome: 'uploaded' }));
    await runA.flush();
    runB.append(result('P2/d.pdf', { outcome: 'uploaded' }));

    const oldPath = await rotateCsvLogIfLarge(logPath, POLICY);
    expect(oldPath).toBe(join(dir, 'upload-log.old.csv'));

    await runB.flush(); // its rows queued before the rotation land in the new log
    runA.append(result('P1/d.pdf', { outcome: 'uploaded' }));
    await runA.close();
    await runB.close();

    expect(keysOf(await parseUploadedKeysFromLog(logPath, BUCKET_A))).toEqual([
      'P1/a.mp4',
      'P1/b.log',
      'P1/c.pdf',
      'P1/d.pdf',
    ]);
    expect(keysOf(await parseUploadedKeysFromLog(logPath, BUCKET_B))).toEqual([
      'P2/a.mp4',
      'P2/b.log',
      'P2/c.pdf',
      'P2/d.pdf',
    ]);
    expect((await parseUploadedKeysFromLog(logPath, BUCKET_A)).get('P1/a.mp4')).toMatchObject({
      sha256: 'sha-P1',
    });
    const text = await readFile(logPath, 'utf8');
    expect(text.split('\n').filter((line) => line === `\uFEFF${CSV_LOG_COLUMNS.join(',')}`)).toHaveLength(1);
  });

  it('makes a batch wait while the log lock is held, so it lands in the log that replaced the old one', async () => {
    await writeHistory(0);
    const runB = await openWriter(BUCKET_B);
    runB.append(result('P2/late.pdf', { outcome: 'uploaded' }));

    const release = await acquireFileLock(`${logPath}.lock`);
    const flushed = runB.flush();
    // a writer that ignored the lock would append to the file about to move aside; a correct one waits
    await sleep(100);
    const oldPath = join(dir, 'upload-log.old.csv');
    await rename(logPath, oldPath);
    await writeFile(logPath, `${CSV_LOG_COLUMNS.join(',')}\n`);
    await release();
    await flushed;
    await runB.close();

    expect((await readCsvLog(logPath)).map((row) => row.key)).toEqual(['P2/late.pdf']);
    expect(await readFile(oldPath, 'utf8')).not.toContain('P2/late.pdf');
  });

  it('keeps the rows of a batch written while a rotation runs, whichever goes first', async () => {
    await writeHistory(4);
    const runA = await openWriter(BUCKET_A);
    runA.append(result('P1/e.pdf', { outcome: 'uploaded' }));
    await Promise.all([runA.flush(), rotateCsvLogIfLarge(logPath, POLICY)]);
    await runA.close();
    expect((await parseUploadedKeysFromLog(logPath, BUCKET_A)).has('P1/e.pdf')).toBe(true);
  });

  it('rotates to the latest row of each key of every bucket, deciding for each as before', async () => {
    await writeHistory(4);
    const log = await openWriter(BUCKET_B);
    log.append(result('P1/a.mp4')); // the same key in the other bucket
    log.append(result('P2/b.log', { outcome: 'failed', error: 'timeout' }));
    await log.close();
    const before = {
      a: await parseUploadedKeysFromLog(logPath, BUCKET_A),
      b: await parseUploadedKeysFromLog(logPath, BUCKET_B),
    };

    expect(await rotateCsvLogIfLarge(logPath, POLICY)).toBeDefined();

    expect(await parseUploadedKeysFromLog(logPath, BUCKET_A)).toEqual(before.a);
    expect(await parseUploadedKeysFromLog(logPath, BUCKET_B)).toEqual(before.b);
    expect(keysOf(before.a)).toEqual(['P1/a.mp4', 'P1/b.log']);
    expect(keysOf(before.b)).toEqual(['P1/a.mp4', 'P2/a.mp4']);
    expect(await readCsvLog(logPath)).toHaveLength(4);
  });
});
