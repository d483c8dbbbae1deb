import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CSV_LOG_COLUMNS,
  openCsvLog,
  parseUploadedKeysFromLog,
  readCsvLog,
  type LogTarget,
} from '../../../src/status/csv-log.js';
import type { FileResult } from '../../../src/status/status-tracker.js';

const HEADER = CSV_LOG_COLUMNS.join(',');
const FIXED_TIME_MS = Date.UTC(2026, 10, 25, 22, 40, 1);
const TARGET = { endpoint: 'http://127.0.0.1:9000', bucket: 'survey-a' };

let dir: string;
let logPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csv-log-'));
  logPath = join(dir, 'upload-log.csv');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function result(overrides: Partial<FileResult> = {}): FileResult {
  return {
    group: 'reels',
    path: 'reels/R001/a.mp4',
    key: 'P1/reels/R001/a.mp4',
    sizeBytes: 1234,
    mtimeMs: 1_700_000_000_123,
    outcome: 'uploaded',
    reason: 'new',
    seconds: 1.25,
    ...overrides,
  };
}

async function writeRows(...results: FileResult[]): Promise<void> {
  await writeRowsOf(TARGET, ...results);
}

async function writeRowsOf(target: LogTarget, ...results: FileResult[]): Promise<void> {
  const log = await openCsvLog(logPath, { target, now: () => FIXED_TIME_MS });
  for (const entry of results) log.append(entry);
  await log.close();
}

/** Waits until the log holds exactly these keys; fails if it never does. */
async function waitForKeys(keys: string[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (JSON.stringify((await readCsvLog(logPath)).map((row) => row.key)) !== JSON.stringify(keys)) {
    if (Date.now() > deadline) throw new Error(`the log never held ${keys.join(', ')}`);
    await sleep(10);
  }
}

describe('CSV log writing', () => {
  it('writes the header once, then one line per row', async () => {
    await writeRows(result());
    await writeRows(result({ key: 'P1/b' }));
    const lines = (await readFile(logPath, 'utf8')).split('\n');
    expect(lines[0]).toBe(`\uFEFF${HEADER}`);
    expect(lines.filter((line) => line.endsWith(HEADER))).toHaveLength(1);
    expect(lines[1]).toBe(
      '2026-11-25T22:40:01.000Z,reels/R001/a.mp4,P1/reels/R001/a.mp4,1234,1700000000123,uploaded,new,,,1.25,,' +
        'http://127.0.0.1:9000,survey-a',
    );
    expect(lines).toHaveLength(4); // header, two rows, and the empty string after the final newline
  });

  it('round-trips file names with commas, quotes, newlines and non-ASCII characters', async () => {
    const nasty = [
      'reels/R001/take 1, final.mp4',
      'reels/R001/the "best" take.mp4',
      'reels/R001/line\nbreak.mp4',
      'reels/R001/carriage\r\nreturn.mp4',
      'reels/Ründe/河流 ✓.mp4',
    ];
    await writeRows(
      ...nasty.map((path, i) =>
        result({
          path,
          key: `P1/${path}`,
          sha256: `sha${i}`,
          etag: `"etag-${i}"`,
          error: i === 1 ? 'x, "y"' : '',
        }),
      ),
    );
    const rows = await readCsvLog(logPath);
    expect(rows.map((row) => row.file)).toEqual(nasty);
    expect(rows.map((row) => row.key)).toEqual(nasty.map((path) => `P1/${path}`));
    expect(rows[1]).toMatchObject({ etag: '"etag-1"', error: 'x, "y"', sha256: 'sha1' });
    expect(rows[0]).toEqual({
      time: '2026-11-25T22:40:01.000Z',
      file: nasty[0],
      key: `P1/${nasty[0]}`,
      sizeBytes: 1234,
      mtimeMs: 1_700_000_000_123,
      outcome: 'uploaded',
      reason: 'new',
      sha256: 'sha0',
      etag: '"etag-0"',
      seconds: 1.25,
      target: TARGET,
    });
  });

  it('writes a batch once enough rows are queued, without waiting for close', async () => {
    const log = await openCsvLog(logPath, { target: TARGET, flushIntervalMs: 3_600_000, flushRows: 2 });
    log.append(result({ key: 'k/1' }));
    log.append(result({ key: 'k/2' }));
    await waitForKeys(['k/1', 'k/2']);
    await log.close();
  });

  it('writes queued rows on its interval, without waiting for close', async () => {
    const log = await openCsvLog(logPath, { target: TARGET, flushIntervalMs: 20, flushRows: 1_000 });
    log.append(result({ key: 'k/1' }));
    await waitForKeys(['k/1']);
    await log.close();
  });

  it('refuses to append after close', async () => {
    const log = await openCsvLog(logPath, { target: TARGET });
    await log.close();
    expect(() => log.append(result())).toThrow(/closed/);
  });

  it('reports a log path it cannot open as a config error', async () => {
    await expect(openCsvLog(join(dir, 'missing-dir', 'log.csv'), { target: TARGET })).rejects.toMatchObject({
      kind: 'config',
    });
  });
});

describe('CSV log after a crash', () => {
  it('starts a new line after a torn last row and skips the torn row when reading', async () => {
    await writeRows(result({ key: 'P1/first' }));
    await appendFile(logPath, '2026-11-25T22:41:00.000Z,reels/R001/torn.mp4,P1/tor');
    await writeRows(result({ key: 'P1/after' }));
    const rows = await readCsvLog(logPath);
    expect(rows.map((row) => row.key)).toEqual(['P1/first', 'P1/after']);
  });

  it('closes a quoted field the crash left open, so later rows survive', async () => {
    await writeRows(result({ key: 'P1/first' }));
    await appendFile(logPath, '2026-11-25T22:41:00.000Z,"reels/R001/a, b');
    await writeRows(
      result({ key: 'P1/after', path: 'reels/"quoted", name.mp4' }),
      result({ key: 'P1/last' }),
    );
    const rows = await readCsvLog(logPath);
    expect(rows.map((row) => row.key)).toEqual(['P1/first', 'P1/after', 'P1/last']);
  });

  it('reads a log whose last row is torn inside quotes without throwing', async () => {
    await writeRows(result({ key: 'P1/first' }));
    await appendFile(logPath, '2026-11-25T22:41:00.000Z,"reels/R001/a, b');
    const rows = await readCsvLog(logPath);
    expect(rows.map((row) => row.key)).toEqual(['P1/first']);
  });

  it('skips rows with the wrong column count or bad numbers', async () => {
    const good = '2026-11-25T22:40:01.000Z,f,P1/good,10,20,uploaded,new,,,1,';
    const text = [
      HEADER,
      'a,b,c',
      '2026-11-25T22:40:01.000Z,f,P1/badsize,ten,20,uploaded,new,,,1,',
      '2026-11-25T22:40:01.000Z,f,P1/badoutcome,10,20,maybe,new,,,1,',
      '2026-11-25T22:40:01.000Z,f,P1/extra,10,20,uploaded,new,,,1,,x',
      good,
      '',
    ].join('\n');
    await writeFile(logPath, text);
    const rows = await readCsvLog(logPath);
    expect(rows.map((row) => row.key)).toEqual(['P1/good']);
  });

  it('returns no rows for a missing log', async () => {
    expect(await readCsvLog(join(dir, 'nope.csv'))).toEqual([]);
  });
});

describe('parseUploadedKeysFromLog', () => {
  it('keeps the latest uploaded or skipped row per key and drops keys that failed afterwards', async () => {
    await writeRows(
      result({ key: 'k/a', sizeBytes: 1, sha256: 'old' }),
      result({ key: 'k/a', sizeBytes: 2, sha256: 'new', etag: '"e2"' }),
      result({ key: 'k/b', sizeBytes: 3 }),
      result({ key: 'k/b', outcome: 'failed', error: 'timeout' }),
      result({ key: 'k/c', outcome: 'failed', error: 'timeout' }),
      result({ key: 'k/c', sizeBytes: 4, mtimeMs: 44 }),
      result({ key: 'k/d', outcome: 'skipped', reason: 'same-size', sizeBytes: 5, mtimeMs: 55 }),
      result({ key: 'k/e', outcome: 'skipped', reason: 'same-size' }),
      result({ key: 'k/e', outcome: 'failed', error: 'changed while read' }),
    );
    const present = await parseUploadedKeysFromLog(logPath, TARGET);
    expect([...present.keys()].sort()).toEqual(['k/a', 'k/c', 'k/d']);
    expect(present.get('k/a')).toEqual({
      sizeBytes: 2,
      mtimeMs: 1_700_000_000_123,
      sha256: 'new',
      etag: '"e2"',
    });
    expect(present.get('k/c')).toEqual({ sizeBytes: 4, mtimeMs: 44 });
    expect(present.get('k/d')).toEqual({ sizeBytes: 5, mtimeMs: 55 });
  });

  it('keeps the hashes of an earlier row when a later row of the same file has none', async () => {
    await writeRows(
      result({ key: 'k/a', sizeBytes: 2, sha256: 'abc', etag: '"e"' }),
      result({ key: 'k/a', sizeBytes: 2, outcome: 'skipped', reason: 'unchanged' }),
      result({ key: 'k/b', sizeBytes: 2, sha256: 'abc' }),
      result({ key: 'k/b', sizeBytes: 3, outcome: 'skipped', reason: 'same-size' }),
    );
    const present = await parseUploadedKeysFromLog(logPath, TARGET);
    expect(present.get('k/a')).toEqual({
      sizeBytes: 2,
      mtimeMs: 1_700_000_000_123,
      sha256: 'abc',
      etag: '"e"',
    });
    expect(present.get('k/b')).toEqual({ sizeBytes: 3, mtimeMs: 1_700_000_000_123 });
  });

  it('returns an empty map when there is no log yet', async () => {
    expect((await parseUploadedKeysFromLog(join(dir, 'nope.csv'), TARGET)).size).toBe(0);
  });
});

describe('upload log targets', () => {
  const OTHER_BUCKET = { ...TARGET, bucket: 'survey-b' };
  const OTHER_ENDPOINT = { ...TARGET, endpoint: 'https://s3.example.net' };

  it('never lets rows of one bucket skip a file for another bucket', async () => {
    await writeRows(result({ key: 'k/a' }), result({ key: 'k/b', outcome: 'skipped', reason: 'same' }));
    expect([...(await parseUploadedKeysFromLog(logPath, TARGET)).keys()]).toEqual(['k/a', 'k/b']);
    expect((await parseUploadedKeysFromLog(logPath, OTHER_BUCKET)).size).toBe(0);
  });

  it('keeps stores with the same bucket name apart by endpoint', async () => {
    await writeRowsOf(TARGET, result({ key: 'k/a' }));
    await writeRowsOf(OTHER_ENDPOINT, result({ key: 'k/b' }));
    expect([...(await parseUploadedKeysFromLog(logPath, TARGET)).keys()]).toEqual(['k/a']);
    expect([...(await parseUploadedKeysFromLog(logPath, OTHER_ENDPOINT)).keys()]).toEqual(['k/b']);
  });

  it('lets a failure in one bucket leave the same key of another bucket in place', async () => {
    await writeRowsOf(TARGET, result({ key: 'k/a', sha256: 'abc' }));
    await writeRowsOf(OTHER_BUCKET, result({ key: 'k/a' }));
    await writeRowsOf(OTHER_BUCKET, result({ key: 'k/a', outcome: 'failed', error: 'timeout' }));
    expect((await parseUploadedKeysFromLog(logPath, TARGET)).get('k/a')).toMatchObject({ sha256: 'abc' });
    expect((await parseUploadedKeysFromLog(logPath, OTHER_BUCKET)).size).toBe(0);
  });

  it('reads the 11-column rows of an older log, which belong to no target and never skip a file', async () => {
    const oldHeader = CSV_LOG_COLUMNS.slice(0, 11).join(',');
    await writeFile(logPath, `${oldHeader}\n2026-01-01T00:00:00.000Z,f,k/old,10,20,uploaded,new,,,1,\n`);
    await writeRows(result({ key: 'k/new' }));
    const rows = await readCsvLog(logPath);
    expect(rows.map((row) => [row.key, row.target])).toEqual([
      ['k/old', undefined],
      ['k/new', TARGET],
    ]);
    expect([...(await parseUploadedKeysFromLog(logPath, TARGET)).keys()]).toEqual(['k/new']);
    expect((await parseUploadedKeysFromLog(logPath, { endpoint: '', bucket: '' })).size).toBe(0);
  });
});
