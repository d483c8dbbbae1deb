import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, SourceError } from '../errors.js';
import { withFileLock, type FileLockOptions } from '../state/file-lock.js';
import { isSharingViolation, replaceFile } from '../state/replace-file.js';
import { appendToLog, type LogTail, type OpenFile } from './csv-log-append.js';
import { listSidecars, logLockPath, readCsvLogFile, sidecarPath } from './csv-log-read.js';
import {
  formatRows,
  logFileLines,
  toRow,
  unchangedRow,
  type CsvLogRow,
  type LogTarget,
} from './csv-log-rows.js';
import { repeatsLatestSkip, repeatsLoggedUpload, type UploadLogIndex } from './csv-log-index.js';
import type { FileResult } from './status-tracker.js';
import { formatCount } from './format.js';

export { CSV_LOG_COLUMNS, latestRowPerKey, toCsvRecord } from './csv-log-rows.js';
export type { CsvLogRow, LogTarget } from './csv-log-rows.js';
export { parseUploadedKeysFromLog, readCsvLog, readUploadLog, type LoggedUpload } from './csv-log-read.js';
export type { LoggedSkip, UploadLogIndex } from './csv-log-index.js';

/** An open CSV log. Started by {@link openCsvLog}; `close` is its stop function. */
export interface CsvLog {
  /**
   * Queues one row; it reaches the file with the next flush. Never throws for a write problem: those go to
   * `onWarning` or `onFatal`. After a fatal error rows are dropped (the run is stopping).
   * @throws Error after `close`.
   */
  append(result: FileResult): void;
  /** Writes the queued rows now (see {@link openCsvLog} for what happens when it cannot). */
  flush(): Promise<void>;
  /**
   * Writes the last rows and stops. While another program holds the log it retries for a few seconds, then
   * leaves the rows in a sidecar `<name>.pending-<pid>.csv` beside the log and reports that through
   * `onWarning`. Calling it again returns the first call's promise.
   * @throws SourceError when a write failed fatally during the run (the error `onFatal` received).
   */
  close(): Promise<void>;
}

/** Where rows go and who hears about problems writing them. */
export interface CsvLogOptions {
  /** The store every row of this log is about. */
  target: LogTarget;
  /**
   * What the log held for `target` when the run read it (readUploadLog). A skip that repeats the latest row of
   * its key in everything but the time is then not written: a rerun that changes nothing adds nothing, and every
   * key's latest row still says what the next run needs.
   */
  known?: Pick<UploadLogIndex, 'uploads' | 'lastSkips'> | undefined;
  /**
   * The reason of a skip decided by `known` alone (same size and mtime as the key's latest row). Such skips, and
   * those that repeat the key's latest skip row, get no row each: one `unchanged` row under `scope` counts them
   * at close, so a rerun of 100,000 files the log already shows adds one line, not 100,000.
   */
  unchanged?: { reason: string; scope: { folder: string; keyPrefix: string } } | undefined;
  now?: () => number;
  /** Queued rows are written at least this often. */
  flushIntervalMs?: number;
  /** A flush starts as soon as this many rows are queued. */
  flushRows?: number;
  /** Hears, once per spell, that another program holds the log, and where rows went at close. */
  onWarning?: (message: string) => void;
  /** Hears, at once, of a write error that waiting does not fix (disk full, read-only, I/O error). */
  onFatal?: (error: SourceError) => void;
  /** Waits between the attempts `close` makes while the log is held. */
  closeRetryDelaysMs?: readonly number[];
  lock?: FileLockOptions;
  /** Replaces the file open of every append; for tests. */
  openFile?: OpenFile;
}

type FlushOutcome = 'written' | 'held' | 'failed';

const FLUSH_INTERVAL_MS = 1000;
const FLUSH_ROWS = 200;
const CLOSE_RETRY_DELAYS_MS = [200, 400, 800, 1200, 1600];

/**
 * Opens the CSV log at `path` for the rows of one run, all about `options.target`. Creates the file with a
 * header when new, and repairs a tail a crash tore (see {@link appendToLog}).
 *
 * Rows are queued and written in batches: every `flushIntervalMs`, when `flushRows` are queued, and at close.
 * A crash loses at most the last batch, which only makes the next run ask the bucket about those files.
 * Each batch, and a rotation, runs under the log lock `<path>.lock`, and each batch opens, appends and closes
 * the file, so several runs (of different projects) can share one log, and one of them may rotate it.
 *
 * When another program holds the log (a sharing violation: Excel on Windows), the rows stay queued, `onWarning`
 * hears it once, and the next flush tries again. Any other write error is fatal: `onFatal` hears it at once,
 * so the run can stop starting uploads, and `close` rejects with it. A flush also folds in the rows that
 * earlier runs left in sidecars.
 * @throws ConfigError when the log or its lock cannot be created (no such folder, no permission).
 */
export async function openCsvLog(path: string, options: CsvLogOptions): Promise<CsvLog> {
  const writer = new LogWriter(path, options);
  await writer.prepare();
  return writer.start();
}

class LogWriter {
  private queued: CsvLogRow[] = [];
  private tail: LogTail | undefined;
  private warnedHeld = false;
  private fatal: SourceError | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private flushRequested = false;
  private unchanged = { files: 0, bytes: 0 };

  constructor(
    private readonly path: string,
    private readonly options: CsvLogOptions,
  ) {}

  async prepare(): Promise<void> {
    try {
      await this.underLock(async () => {
        this.tail = await appendToLog(this.path, '', this.tail, this.options.openFile);
      });
    } catch (error) {
      if (isSharingViolation(error)) return this.warnHeld();
      const message = `open CSV log ${this.path}: ${String(error)}; check the log path and its permissions`;
      throw new ConfigError(message, { cause: error });
    }
  }

  start(): CsvLog {
    const timer = setInterval(() => this.requestFlush(), this.options.flushIntervalMs ?? FLUSH_INTERVAL_MS);
    timer.unref();
    let closing: Promise<void> | undefined;
    return {
      append: (result) => {
        if (closing) throw new Error(`append to CSV log ${this.path}: the log is already closed`);
        this.append(result);
      },
      flush: async () => void (await this.flush()),
      close: () => {
        clearInterval(timer);
        closing ??= this.finish();
        return closing;
      },
    };
  }

  private append(result: FileResult): void {
    if (this.fatal) return;
    if (this.repeatsLog(result)) {
      this.unchanged.files += 1;
      this.unchanged.bytes += result.sizeBytes;
      return;
    }
    this.queued.push(toRow(result, this.options.target, this.now()));
    if (this.queued.length >= (this.options.flushRows ?? FLUSH_ROWS)) this.requestFlush();
  }

  /**
   * A skip the log already says all of: of a file it shows as sent unchanged, decided by the log itself or for
   * the same reason as the key's latest skip row.
   */
  private repeatsLog(result: FileResult): boolean {
    const { known, unchanged } = this.options;
    if (known === undefined) return false;
    const key = result.key;
    if (!repeatsLoggedUpload(result, known.uploads.get(key))) return false;
    return result.reason === unchanged?.reason || repeatsLatestSkip(result, known.lastSkips.get(key));
  }

  /** Queues the one row that counts the skips {@link repeatsLog} kept out, if there were any. */
  private queueUnchanged(): void {
    const { files, bytes } = this.unchanged;
    const scope = this.options.unchanged?.scope;
    if (files === 0 || scope === undefined) return;
    this.unchanged = { files: 0, bytes: 0 };
    this.queued.push(unchangedRow(scope, files, bytes, this.options.target, this.now()));
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** While a requested flush waits or runs, rows queued meanwhile go with the next, so flushes never pile up. */
  private requestFlush(): void {
    if (this.flushRequested || this.queued.length === 0) return;
    this.flushRequested = true;
    void this.flush().finally(() => (this.flushRequested = false));
  }

  private flush(): Promise<FlushOutcome> {
    const run = this.chain.then(() => this.flushOnce());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async flushOnce(): Promise<FlushOutcome> {
    if (this.fatal) return 'failed';
    if (this.queued.length === 0) return 'written';
    const rows = this.queued.splice(0);
    try {
      await this.underLock(() => this.writeWithSidecars(rows));
      this.warnedHeld = false;
      return 'written';
    } catch (error) {
      this.queued.unshift(...rows);
      if (isSharingViolation(error)) {
        this.warnHeld();
        return 'held';
      }
      this.fail(error);
      return 'failed';
    }
  }

  /** Appends the rows of earlier runs' sidecars, then `rows`, and removes the sidecars once they are in. */
  private async writeWithSidecars(rows: CsvLogRow[]): Promise<void> {
    const sidecars = await readSidecars(this.path);
    const text = formatRows([...sidecars.flatMap((sidecar) => sidecar.rows), ...rows]);
    this.tail = await appendToLog(this.path, text, this.tail, this.options.openFile);
    // a sidecar left behind is read again and folded in twice: a duplicate row, not a wrong decision
    const removals = sidecars.map((sidecar) => rm(sidecar.file, { force: true }));
    await Promise.all(removals).catch(() => undefined);
  }

  private async finish(): Promise<void> {
    if (!this.fatal) this.queueUnchanged();
    let outcome = await this.flush();
    for (const delayMs of this.options.closeRetryDelaysMs ?? CLOSE_RETRY_DELAYS_MS) {
      if (outcome !== 'held') break;
      await sleep(delayMs);
      outcome = await this.flush();
    }
    if (this.fatal) throw this.fatal;
    if (outcome === 'held') await this.leaveInSidecar();
  }

  private async leaveInSidecar(): Promise<void> {
    const rows = this.queued.splice(0);
    try {
      const file = await this.underLock(() => writeSidecar(this.path, rows));
      this.warn(
        `upload log ${this.path} is still held by another program (Excel?); ${formatCount(rows.length, 'row')} written to ${file}, ` +
          'which the next run adds to the log',
      );
    } catch (error) {
      this.warn(
        `upload log ${this.path} is still held by another program (Excel?), and its rows could not be kept ` +
          `beside it (${String(error)}); the next run checks those ${formatCount(rows.length, 'file')} against the bucket`,
      );
    }
  }

  private underLock<T>(task: () => Promise<T>): Promise<T> {
    return withFileLock(logLockPath(this.path), task, this.options.lock);
  }

  private warnHeld(): void {
    if (this.warnedHeld) return;
    this.warnedHeld = true;
    this.warn(
      `upload log ${this.path} is held by another program (Excel?); rows kept and written when it is free`,
    );
  }

  private fail(error: unknown): void {
    this.fatal = new SourceError(
      `write CSV log ${this.path}: ${(error as Error).message ?? String(error)}; ` +
        'free disk space or fix the log folder, then run again',
      { cause: error },
    );
    this.queued = [];
    report(this.options.onFatal, this.fatal);
  }

  private warn(message: string): void {
    report(this.options.onWarning, message);
  }
}

/** The sidecars of the log at `logPath` with their rows; one that cannot be read now waits for a later flush. */
async function readSidecars(logPath: string): Promise<{ file: string; rows: CsvLogRow[] }[]> {
  const sidecars: { file: string; rows: CsvLogRow[] }[] = [];
  for (const file of await listSidecars(logPath)) {
    const rows = await readCsvLogFile(file).catch(() => undefined);
    if (rows) sidecars.push({ file, rows });
  }
  return sidecars;
}

/** Writes `rows` to this process's sidecar of the log at `logPath`, after any rows already there. */
async function writeSidecar(logPath: string, rows: readonly CsvLogRow[]): Promise<string> {
  const file = sidecarPath(logPath);
  const earlier = await readCsvLogFile(file); // left by an earlier process with the same pid
  await replaceFile(file, logFileLines([...earlier, ...rows]));
  return file;
}

/** A throwing listener inside a timer would crash the run it only hears about. */
function report<T>(listener: ((value: T) => void) | undefined, value: T): void {
  try {
    listener?.(value);
  } catch {
    // nothing left to report to
  }
}
