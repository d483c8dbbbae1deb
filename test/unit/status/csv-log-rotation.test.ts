/**
 * Rotation of the CSV log on real files: a log past the policy moves aside and a new one starts that makes
 * the next run decide exactly as the old one would have.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCsvLog, parseUploadedKeysFromLog, readCsvLog } from '../../../src/status/csv-log.js';
import { rotateCsvLogIfLarge } from '../../../src/status/csv-log-rotation.js';
import type { FileResult } from '../../../src/status/status-tracker.js';

const POLICY = { minRows: 10, factor: 3 };
const TARGET = { endpoint: 'aws', bucket: 'survey-a' };

let dir: string;
let logPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csv-log-rotation-'));
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

async function writeRows(results: FileResult[]): Promise<void> {
  const log = await openCsvLog(logPath, { target: TARGET, now: () => Date.UTC(2026, 10, 26) });
  for (const entry of results) log.append(entry);
  await log.close();
}

/** An upload of four files, then `reruns` reruns that skip them all, with a failure and a change among them. */
function history(reruns: number): FileResult[] {
  const keys = ['P/reels/a.mp4', 'P/logs/b, "quoted".log', 'P/config/c\nnewline.yaml', 'P/report/d.pdf'];
  const rows = keys.map((key) =>
    result(key, { outcome: 'uploaded', reason: 'new', sha256: `sha-${key.length}` }),
  );
  for (let run = 0; run < reruns; run++) rows.push(...keys.map((key) => result(key)));
  rows.push(result(keys[3]!, { outcome: 'failed', reason: 'changed', error: 'the file changed' }));
  rows.push(result(keys[0]!, { outcome: 'uploaded', reason: 'changed', sizeBytes: 200, etag: 'e-2' }));
  return rows;
}

describe('rotateCsvLogIfLarge', () => {
  it('leaves a log within the policy alone: too few rows, or few enough per key', async () => {
    await writeRows(history(1)); // 10 rows for 3 keys still present
    const before = await readFile(logPath, 'utf8');
    expect(await rotateCsvLogIfLarge(logPath, { minRows: 11, factor: 3 })).toBeUndefined();
    expect(await rotateCsvLogIfLarge(logPath, { minRows: 10, factor: 4 })).toBeUndefined();
    expect(await readFile(logPath, 'utf8')).toBe(before);
    expect(await rotateCsvLogIfLarge(logPath, { minRows: 10, factor: 3 })).toBeDefined();
  });

  it('moves a long log aside and starts one row per present key, deciding as the old log did', async () => {
    await writeRows(history(6));
    const before = await readFile(logPath, 'utf8');
    const decisionsBefore = await parseUploadedKeysFromLog(logPath, TARGET);

    const oldPath = await rotateCsvLogIfLarge(logPath, POLICY);

    expect(oldPath).toBe(join(dir, 'upload-log.old.csv'));
    expect(await readFile(oldPath!, 'utf8')).toBe(before);
    const rows = await readCsvLog(logPath);
    expect(rows.map((r) => r.key).sort()).toEqual([...decisionsBefore.keys()].sort());
    expect(await parseUploadedKeysFromLog(logPath, TARGET)).toEqual(decisionsBefore);
    // the failed key is gone, the changed one keeps its new size and no stale hash
    expect(decisionsBefore.has('P/report/d.pdf')).toBe(false);
    expect(decisionsBefore.get('P/reels/a.mp4')).toEqual({
      sizeBytes: 200,
      mtimeMs: 1_700_000_000_000,
      etag: 'e-2',
    });
  });

  it('leaves a new log that later runs append to and read', async () => {
    await writeRows(history(6));
    await rotateCsvLogIfLarge(logPath, POLICY);
    await writeRows([result('P/new/e.json', { outcome: 'uploaded', reason: 'new' })]);
    const text = await readFile(logPath, 'utf8');
    expect(text.split('\n').filter((line) => line.startsWith('\uFEFFtime,'))).toHaveLength(1);
    expect((await parseUploadedKeysFromLog(logPath, TARGET)).has('P/new/e.json')).toBe(true);
  });

  it('puts the rotation off, keeping the log whole, while another program holds it', async () => {
    await writeRows(history(6));
    const before = await readFile(logPath, 'utf8');
    const warnings: string[] = [];
    const held = async () => {
      throw Object.assign(new Error('EBUSY: injected'), { code: 'EBUSY' });
    };
    const oldPath = await rotateCsvLogIfLarge(logPath, POLICY, {
      onWarning: (message) => warnings.push(message),
      replace: { delaysMs: [1, 1], fs: { rename: held } },
    });
    expect(oldPath).toBeUndefined();
    expect(await readFile(logPath, 'utf8')).toBe(before);
    expect(warnings).toEqual([
      `upload log ${logPath} is held by another program (Excel?); not rotated now, a later run tries again`,
    ]);
    expect((await readdir(dir)).filter((name) => name.includes('.tmp') || name.endsWith('.lock'))).toEqual(
      [],
    );
  });

  it('does nothing when there is no log yet', async () => {
    expect(await rotateCsvLogIfLarge(logPath, POLICY)).toBeUndefined();
  });
});
