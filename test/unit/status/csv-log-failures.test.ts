/**
 * What the CSV log does when it cannot write, on real temp files with errors injected into the open of each
 * append: a log another program holds (Excel on Windows) keeps its rows and writes them later or beside it;
 * a full disk stops the run at once.
 */
import { mkdtemp, open, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCsvLog, parseUploadedKeysFromLog, readCsvLog } from '../../../src/status/csv-log.js';
import type { SourceError } from '../../../src/errors.js';
import type { FileResult } from '../../../src/status/status-tracker.js';

const TARGET = { endpoint: 'aws', bucket: 'survey-a' };
const NO_WAIT = [1, 1];
// no timer flush during a test: every write happens at an explicit flush or close
const MANUAL = { flushIntervalMs: 3_600_000, flushRows: 1_000 };

let dir: string;
let logPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csv-log-failures-'));
  logPath = join(dir, 'upload-log.csv');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function result(key: string): FileResult {
  return {
    group: 'reels',
    path: `project/${key}`,
    key,
    sizeBytes: 100,
    mtimeMs: 1_700_000_000_000,
    outcome: 'uploaded',
    reason: 'new',
    seconds: 1,
  };
}

/** An open that fails with `code` while `failing` is set, the way the OS refuses a file another program holds. */
function switchableOpen(code: string) {
  const control = { failing: false, attempts: 0 };
  const openFile = async (path: string, flags: string | number) => {
    control.attempts += 1;
    if (control.failing) throw Object.assign(new Error(`${code}: injected, open '${path}'`), { code });
    return open(path, flags);
  };
  return { control, openFile };
}

async function loggedKeys(): Promise<string[]> {
  return (await readCsvLog(logPath)).map((row) => row.key);
}

describe('a CSV log held by another program', () => {
  it('keeps the rows, warns once, and writes them at the next flush after it is free', async () => {
    const { control, openFile } = switchableOpen('EBUSY');
    const warnings: string[] = [];
    const log = await openCsvLog(logPath, {
      target: TARGET,
      ...MANUAL,
      openFile,
      onWarning: (m) => warnings.push(m),
    });
    log.append(result('k/1'));
    control.failing = true;
    await log.flush();
    log.append(result('k/2'));
    await log.flush();
    expect(control.attempts).toBe(3); // the open at start, then both flushes tried
    expect(await loggedKeys()).toEqual([]);
    expect(warnings).toEqual([
      `upload log ${logPath} is held by another program (Excel?); rows kept and written when it is free`,
    ]);

    control.failing = false;
    await log.flush();
    expect(await loggedKeys()).toEqual(['k/1', 'k/2']);
    await log.close();
    expect(warnings).toHaveLength(1);
  });

  it('opens without failing the run when the log is held at the start', async () => {
    const { control, openFile } = switchableOpen('EBUSY');
    control.failing = true;
    const warnings: string[] = [];
    const log = await openCsvLog(logPath, {
      target: TARGET,
      ...MANUAL,
      openFile,
      onWarning: (m) => warnings.push(m),
    });
    log.append(result('k/1'));
    control.failing = false;
    await log.close();
    expect(warnings).toHaveLength(1);
    const text = await readFile(logPath, 'utf8');
    expect(text.startsWith('\uFEFFtime,file,key,')).toBe(true);
    expect(await loggedKeys()).toEqual(['k/1']);
  });

  it('leaves the rows in a sidecar at close, which reads count and the next writer folds in', async () => {
    const { control, openFile } = switchableOpen('EBUSY');
    const warnings: string[] = [];
    const held = await openCsvLog(logPath, {
      target: TARGET,
      ...MANUAL,
      openFile,
      onWarning: (m) => warnings.push(m),
      closeRetryDelaysMs: NO_WAIT,
    });
    held.append(result('k/1'));
    held.append(result('k/2'));
    control.failing = true;
    await held.close();

    const sidecar = join(dir, `upload-log.pending-${process.pid}.csv`);
    expect((await readdir(dir)).sort()).toEqual([basename(logPath), basename(sidecar)].sort());
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toContain(`2 rows written to ${sidecar}`);
    expect([...(await parseUploadedKeysFromLog(logPath, TARGET)).keys()]).toEqual(['k/1', 'k/2']);

    const next = await openCsvLog(logPath, { target: TARGET, ...MANUAL });
    next.append(result('k/3'));
    await next.close();
    expect(await readdir(dir)).toEqual([basename(logPath)]);
    expect(await loggedKeys()).toEqual(['k/1', 'k/2', 'k/3']);
  });
});

describe('a CSV log that cannot be written', () => {
  it('reports a full disk at once as fatal, drops later rows, and rejects close with the same error', async () => {
    const { control, openFile } = switchableOpen('ENOSPC');
    const fatal: SourceError[] = [];
    const warnings: string[] = [];
    const log = await openCsvLog(logPath, {
      target: TARGET,
      ...MANUAL,
      openFile,
      onFatal: (error) => fatal.push(error),
      onWarning: (m) => warnings.push(m),
    });
    control.failing = true;
    log.append(result('k/1'));
    await log.flush();
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ kind: 'source' });
    expect(fatal[0]!.message).toMatch(
      new RegExp(`^write CSV log .*upload-log\\.csv: ENOSPC: .*; free disk space`),
    );

    control.failing = false;
    log.append(result('k/2'));
    await expect(log.close()).rejects.toBe(fatal[0]);
    expect(fatal).toHaveLength(1);
    expect(warnings).toEqual([]);
    expect(await loggedKeys()).toEqual([]);
  });

  it('treats a permission error outside Windows as fatal, not as a program holding the file', async () => {
    if (process.platform === 'win32') return;
    const { control, openFile } = switchableOpen('EACCES');
    const fatal: SourceError[] = [];
    const log = await openCsvLog(logPath, {
      target: TARGET,
      ...MANUAL,
      openFile,
      onFatal: (e) => fatal.push(e),
    });
    control.failing = true;
    log.append(result('k/1'));
    await expect(log.close()).rejects.toMatchObject({ kind: 'source' });
    expect(fatal).toHaveLength(1);
  });
});

// Windows has no O_NOFOLLOW, and creating a symbolic link there takes a privilege ordinary accounts lack
describe.skipIf(process.platform === 'win32')('a CSV log whose name is a symbolic link', () => {
  it('is not appended through, so a link another account put there cannot aim a root run at a file', async () => {
    const target = join(dir, 'root-only.txt');
    await writeFile(target, 'secret\n');
    await symlink(target, logPath);
    await expect(openCsvLog(logPath, { target: TARGET, ...MANUAL })).rejects.toThrow(/ELOOP/);
    expect(await readFile(target, 'utf8')).toBe('secret\n');
  });
});
