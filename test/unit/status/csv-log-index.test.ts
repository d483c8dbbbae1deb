/**
 * One streamed read of the upload log gives what a run needs (the same answer as parsing it whole), and a rerun
 * that changes nothing adds no rows while the next run still decides exactly as it would have.
 */
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CSV_LOG_COLUMNS,
  latestRowPerKey,
  openCsvLog,
  parseUploadedKeysFromLog,
  readCsvLog,
  readUploadLog,
  type LogTarget,
} from '../../../src/status/csv-log.js';
import { rotateCsvLogIfLarge } from '../../../src/status/csv-log-rotation.js';
import type { FileResult } from '../../../src/status/status-tracker.js';

const TARGET = { endpoint: 'http://127.0.0.1:9000', bucket: 'survey-a' };
const OTHER = { endpoint: 'http://127.0.0.1:9000', bucket: 'survey-b' };
const SKIP_REASON = 'upload log: sent earlier with the same size and mtime';

let dir: string;
let logPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csv-log-index-'));
  logPath = join(dir, 'upload-log.csv');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function result(key: string, overrides: Partial<FileResult> = {}): FileResult {
  return {
    group: 'logs',
    path: `/data/P1/${key}`,
    key,
    sizeBytes: 64,
    mtimeMs: 1_700_000_000_123,
    outcome: 'skipped',
    reason: SKIP_REASON,
    seconds: 0,
    ...overrides,
  };
}

/** One run writing `results` to the log; with `known`, as a run that read the log first does. */
async function runWriting(target: LogTarget, results: FileResult[], known = false): Promise<void> {
  const index = known ? await readUploadLog(logPath, target) : undefined;
  const log = await openCsvLog(logPath, { target, known: index });
  for (const entry of results) log.append(entry);
  await log.close();
}

const KEYS = ['P1/logs/a.log', 'P1/logs/b, "quoted".log', 'P1/logs/c\nnewline.log', 'P1/logs/d.log'];

/** A UTF-8 byte that continues a character rather than starting one. */
function isContinuationByte(byte: number): boolean {
  return (byte & 0xc0) === 0x80;
}

function firstUpload(): FileResult[] {
  return KEYS.map((key) =>
    result(key, { outcome: 'uploaded', reason: 'new', sha256: `sha-${key.length}`, seconds: 0.5 }),
  );
}

describe('readUploadLog', () => {
  it('gives a run each key with its size and mtime only, the hashes left out', async () => {
    await runWriting(TARGET, firstUpload());
    await runWriting(TARGET, [result(KEYS[0]!, { sizeBytes: 65, sha256: 'changed', etag: 'e' })]);

    const index = await readUploadLog(logPath, TARGET);

    const withHashes = await parseUploadedKeysFromLog(logPath, TARGET);
    expect(withHashes.get(KEYS[0]!)).toMatchObject({ sha256: 'changed', etag: 'e' });
    expect([...index.uploads]).toEqual(
      [...withHashes].map(([key, { sizeBytes, mtimeMs }]) => [key, { sizeBytes, mtimeMs }]),
    );
  });

  it('gives a run each key with its ETag where asked, kept through the bare skips after it, and no SHA-256', async () => {
    await runWriting(TARGET, firstUpload());
    await runWriting(TARGET, [
      result(KEYS[0]!, { outcome: 'uploaded', sha256: 'changed', etag: 'e', seconds: 1 }),
    ]);
    await runWriting(TARGET, [result(KEYS[0]!), result(KEYS[1]!)]);

    const index = await readUploadLog(logPath, TARGET, { hashes: 'etag' });

    expect(index.uploads.get(KEYS[0]!)).toEqual({ sizeBytes: 64, mtimeMs: 1_700_000_000_123, etag: 'e' });
    expect(index.uploads.get(KEYS[1]!)).toEqual({ sizeBytes: 64, mtimeMs: 1_700_000_000_123 });
  });

  it('gives the answer of parseUploadedKeysFromLog and the counts of latestRowPerKey, reading the log once', async () => {
    await runWriting(TARGET, firstUpload());
    await runWriting(OTHER, [result('P1/logs/a.log', { outcome: 'uploaded', reason: 'new' })]);
    await runWriting(TARGET, [
      ...KEYS.map((key) => result(key)),
      result(KEYS[3]!, { outcome: 'failed', reason: 'source error', error: 'gone' }),
    ]);
    await runWriting(OTHER, [result('P1/logs/z.log', { outcome: 'failed', reason: 'x', error: 'y' })]);
    // an 11-column row of an older log: no target, counted as an object of its own
    await appendFile(logPath, '2026-01-01T00:00:00.000Z,f,P1/logs/old.log,1,2,uploaded,new,,,0,\n');

    const index = await readUploadLog(logPath, TARGET, { hashes: 'all' });

    const rows = await readCsvLog(logPath);
    expect(index.uploads).toEqual(await parseUploadedKeysFromLog(logPath, TARGET));
    expect([...index.uploads.keys()]).toEqual([...(await parseUploadedKeysFromLog(logPath, TARGET)).keys()]);
    expect({ rows: index.rows, objects: index.objects }).toEqual({
      rows: rows.length,
      objects: latestRowPerKey(rows).length,
    });
    expect([...index.lastSkips.keys()].sort()).toEqual(KEYS.slice(0, 3).sort());
    expect(index.lastSkips.get(KEYS[0]!)).toEqual({ file: `/data/P1/${KEYS[0]}`, reason: SKIP_REASON });
  });

  it('reads the rows a run left in a sidecar after the log, and counts only the log itself', async () => {
    await runWriting(TARGET, firstUpload());
    const header = `${CSV_LOG_COLUMNS.join(',')}\n`;
    const failed = `2026-01-01T00:00:00.000Z,/data/P1/x,${KEYS[0]},64,1,failed,source error,,,0,gone,${TARGET.endpoint},${TARGET.bucket}\n`;
    await writeFile(join(dir, 'upload-log.pending-123.csv'), header + failed);

    const index = await readUploadLog(logPath, TARGET);

    expect(index.uploads.has(KEYS[0]!)).toBe(false);
    expect(index.rows).toBe(KEYS.length);
  });

  it('reads a log longer than one read (1 MiB) in pieces to the same answer, with a character split between pieces', async () => {
    // the stream reads 1 MiB at a time: the first row's file path (ASCII) is padded so that byte 1 MiB is inside a
    // character of a key
    const rowsWith = (pad: number) =>
      Array.from({ length: 9000 }, (_, i) => {
        const key = `P1/logs/${'道'.repeat(30)}-${i}.log`;
        const path = `/data/${i === 0 ? 'a'.repeat(pad) : ''}P1/logs/${i}.log`;
        return result(key, { path, outcome: 'uploaded', reason: 'new', sha256: `${i}`.repeat(8) });
      });
    await runWriting(TARGET, rowsWith(0));
    const unpadded = await readFile(logPath);
    const pad = [...Array(1024).keys()].find((d) => isContinuationByte(unpadded[1024 * 1024 - d]!))!;
    await rm(logPath);
    await runWriting(TARGET, rowsWith(pad));
    expect(isContinuationByte((await readFile(logPath))[1024 * 1024]!)).toBe(true);

    const index = await readUploadLog(logPath, TARGET, { hashes: 'all' });

    const wholeRead = await readCsvLog(logPath);
    expect(wholeRead).toHaveLength(9000);
    expect([...index.uploads].map(([key, { sha256 }]) => [key, sha256])).toEqual(
      wholeRead.map((row) => [row.key, row.sha256]),
    );
  });

  it('keeps the rows before damage the parser cannot get past', async () => {
    await runWriting(TARGET, firstUpload());
    await appendFile(logPath, '"unterminated,\n');

    expect([...(await readUploadLog(logPath, TARGET)).uploads.keys()]).toEqual(KEYS);
  });

  it("names the object a key's latest failed check found, until a later row of the key, and a rotation keeps it", async () => {
    const failedCheck = (key: string, etag: string) =>
      result(key, {
        outcome: 'failed',
        reason: 'remote error',
        seconds: 1,
        error: 'verify: does not match',
        etag,
      });
    await runWriting(TARGET, [
      result(KEYS[0]!, { outcome: 'uploaded', seconds: 1, etag: 'e0' }),
      failedCheck(KEYS[0]!, 'bad0'),
      failedCheck(KEYS[1]!, 'bad1'),
      result(KEYS[1]!, { outcome: 'uploaded', seconds: 1, etag: 'e1' }),
      failedCheck(KEYS[2]!, 'bad2'),
      result(KEYS[2]!, { outcome: 'failed', reason: 'remote error', seconds: 1, error: 'timed out' }),
      failedCheck(KEYS[3]!, 'bad3'),
    ]);
    // a later failure of another kind (KEYS[2]: a timeout) leaves the object the check found named
    const expected = new Map([
      [KEYS[0]!, 'bad0'],
      [KEYS[2]!, 'bad2'],
      [KEYS[3]!, 'bad3'],
    ]);
    const index = await readUploadLog(logPath, TARGET);
    expect(index.mismatched).toEqual(expected);
    const kept = latestRowPerKey(await readCsvLog(logPath));
    expect(kept.map((row) => [row.key, row.outcome, row.etag])).toEqual([
      [KEYS[0]!, 'failed', 'bad0'],
      [KEYS[1]!, 'uploaded', 'e1'],
      [KEYS[2]!, 'failed', 'bad2'],
      [KEYS[3]!, 'failed', 'bad3'],
    ]);
    // the objects a rotation keeps are the objects the index counts
    expect(index.objects).toBe(kept.length);
    // a bare skip after the failure carries no hash of the object that failed
    await runWriting(TARGET, [result(KEYS[0]!)]);
    expect(
      latestRowPerKey(await readCsvLog(logPath)).find((row) => row.key === KEYS[0])?.etag,
    ).toBeUndefined();
    expect((await readUploadLog(logPath, TARGET)).mismatched).toEqual(
      new Map([
        [KEYS[2]!, 'bad2'],
        [KEYS[3]!, 'bad3'],
      ]),
    );
  });

  it('returns an empty index when there is no log yet', async () => {
    const index = await readUploadLog(join(dir, 'nope.csv'), TARGET);
    expect({ uploads: index.uploads.size, rows: index.rows, objects: index.objects }).toEqual({
      uploads: 0,
      rows: 0,
      objects: 0,
    });
  });
});

describe('a rerun that changes nothing', () => {
  it('adds no rows once each file has one skip row, and the next run reads the same log', async () => {
    await runWriting(TARGET, firstUpload());
    await runWriting(
      TARGET,
      KEYS.map((key) => result(key)),
      true,
    );
    const afterFirstRerun = await readFile(logPath, 'utf8');
    const before = await parseUploadedKeysFromLog(logPath, TARGET);

    await runWriting(
      TARGET,
      KEYS.map((key) => result(key)),
      true,
    );
    await runWriting(
      TARGET,
      KEYS.map((key) => result(key)),
      true,
    );

    expect(await readFile(logPath, 'utf8')).toBe(afterFirstRerun);
    expect((await readCsvLog(logPath)).length).toBe(2 * KEYS.length);
    expect(await parseUploadedKeysFromLog(logPath, TARGET)).toEqual(before);
  });

  it('still writes a skip that differs in file, size, mtime or reason, and every upload and failure', async () => {
    await runWriting(TARGET, firstUpload());
    await runWriting(
      TARGET,
      KEYS.map((key) => result(key)),
      true,
    );
    const rerun = [
      result(KEYS[0]!, { path: '/elsewhere/P1/a.log' }),
      result(KEYS[1]!, { mtimeMs: 1_700_000_999_000 }),
      result(KEYS[2]!, { reason: 'content matches (MD5 = ETag)' }),
      result(KEYS[3]!, { outcome: 'uploaded', reason: 'forced (--force)', seconds: 0 }),
    ];

    await runWriting(TARGET, rerun, true);

    const rows = await readCsvLog(logPath);
    expect(rows.slice(2 * KEYS.length).map((row) => row.key)).toEqual(KEYS);
  });

  it('leaves the next run the decisions it would have had with every row written', async () => {
    const reruns = [
      KEYS.map((key) => result(key)),
      [
        result(KEYS[0]!, { sizeBytes: 65, outcome: 'uploaded', reason: 'changed', seconds: 0.1 }),
        ...KEYS.slice(1).map((key) => result(key)),
      ],
      KEYS.map((key, i) => result(key, i === 0 ? { sizeBytes: 65 } : {})),
    ];
    const full = join(dir, 'full.csv');
    for (const [path, known] of [
      [logPath, true],
      [full, false],
    ] as const) {
      logPath = path;
      await runWriting(TARGET, firstUpload());
      for (const rows of reruns) await runWriting(TARGET, rows, known);
    }

    expect(await parseUploadedKeysFromLog(join(dir, 'upload-log.csv'), TARGET)).toEqual(
      await parseUploadedKeysFromLog(full, TARGET),
    );
    expect((await readCsvLog(join(dir, 'upload-log.csv'))).length).toBeLessThan(
      (await readCsvLog(full)).length,
    );
  });
});

describe('a rerun that counts what the log already shows', () => {
  const SCOPE = { folder: '/data/P1', keyPrefix: 'P1/' };

  async function rerunCounting(results: FileResult[]): Promise<void> {
    const known = await readUploadLog(logPath, TARGET);
    const log = await openCsvLog(logPath, {
      target: TARGET,
      known,
      unchanged: { reason: SKIP_REASON, scope: SCOPE },
    });
    for (const entry of results) log.append(entry);
    await log.close();
  }

  async function linesAdded(run: () => Promise<void>): Promise<string[]> {
    const before = (await readFile(logPath, 'utf8')).length;
    await run();
    return (await readFile(logPath, 'utf8')).slice(before).split('\n').filter(Boolean);
  }

  it('writes one unchanged row for all the files the log settled, which readers pass over', async () => {
    await runWriting(TARGET, firstUpload());
    const decisions = await parseUploadedKeysFromLog(logPath, TARGET);
    const rowsBefore = (await readCsvLog(logPath)).length;

    for (let rerun = 0; rerun < 2; rerun++) {
      const added = await linesAdded(() => rerunCounting(KEYS.map((key) => result(key))));
      expect(added).toHaveLength(1);
      const fields = added[0]!.split(',');
      expect(fields.slice(1, 7)).toEqual([
        '/data/P1',
        'P1/',
        String(64 * KEYS.length),
        '0',
        'unchanged',
        '4 files unchanged since this log recorded them; not listed again',
      ]);
      expect(fields.slice(-2)).toEqual([TARGET.endpoint, TARGET.bucket]);
    }

    expect(await readCsvLog(logPath)).toHaveLength(rowsBefore);
    expect(await parseUploadedKeysFromLog(logPath, TARGET)).toEqual(decisions);
  });

  it('still writes each skip the log did not settle, and no unchanged row when none was', async () => {
    await runWriting(TARGET, firstUpload());
    const added = await linesAdded(() =>
      rerunCounting([
        result(KEYS[0]!, { reason: 'content matches (MD5 = ETag)' }),
        result(KEYS[1]!, { mtimeMs: 1_700_000_999_000 }),
        result(KEYS[2]!, { sizeBytes: 65 }),
        result(KEYS[3]!, { outcome: 'uploaded', reason: 'forced (--force)', seconds: 0.5 }),
      ]),
    );
    expect(added.some((line) => line.includes(',unchanged,'))).toBe(false);
    expect((await readCsvLog(logPath)).slice(KEYS.length).map((row) => row.key)).toEqual(KEYS);
  });
});

describe('rotation from the counts of one read', () => {
  it('rotates exactly when a full read would, and keeps what each key holds', async () => {
    const policy = { minRows: 8, factor: 1.5 };
    await runWriting(TARGET, firstUpload());
    await runWriting(
      TARGET,
      KEYS.map((key) => result(key)),
    );
    const small = await readUploadLog(logPath, TARGET);
    expect(
      await rotateCsvLogIfLarge(logPath, { minRows: 9, factor: 1.5 }, { counts: small }),
    ).toBeUndefined();

    await runWriting(
      TARGET,
      KEYS.map((key) => result(key)),
    );
    const before = await parseUploadedKeysFromLog(logPath, TARGET);
    const counts = await readUploadLog(logPath, TARGET);

    expect(await rotateCsvLogIfLarge(logPath, policy, { counts })).toBe(join(dir, 'upload-log.old.csv'));
    expect(await parseUploadedKeysFromLog(logPath, TARGET)).toEqual(before);
    expect(await readCsvLog(logPath)).toHaveLength(KEYS.length);
  });
});
