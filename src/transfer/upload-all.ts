import type { UploadTask } from '../collector/plan-upload.js';
import {
  InterruptedError,
  LinkDownError,
  SettingNotAppliedError,
  StoredMismatchError,
  UploadError,
} from '../errors.js';
import { classifyS3Error } from '../remote/classify-error.js';
import type { CsvLog } from '../status/csv-log.js';
import type { FileResult, RetryNotice, StatusTracker } from '../status/status-tracker.js';

import { fixObjectSettings, withKept, type FixSettingsContext, type KeptSettings } from './fix-settings.js';
import type { ObjectSettings } from '../remote/object-settings.js';
import { forEachAtMost } from './for-each-at-most.js';
import { controlRetryNotice } from './send-body.js';
import { uploadFile, type TransferContext } from './upload-file.js';
import { monotonicMs } from '../monotonic-clock.js';

/** Skips logged between two awaited writes of the CSV log: bounds the rows queued, at a few writes per 10,000. */
const SKIP_BATCH = 1000;

/**
 * A planned file with what to do with it (and why: the reason goes to the CSV log) and the group it counts under.
 * `fix-settings`: the bytes are there, the object's storage class, encryption or tags are not as wanted.
 */
export interface DecidedTask {
  task: UploadTask;
  decision: { action: 'upload' | 'skip' | 'fix-settings'; reason: string };
  group: string;
}

/** Where results go, and how to stop the whole run on a fatal error. */
export interface UploadAllContext {
  /** How files are sent; absent for a run that only records skips (it never connected to the bucket). */
  transfer?: TransferContext | undefined;
  /** Stops the run: no new file starts once it fires. */
  signal: AbortSignal;
  tracker: StatusTracker;
  csvLog: CsvLog;
  /** How objects are given their wanted settings (with --fix-settings). */
  fixSettings?: FixSettingsContext | undefined;
  maxFilesInFlight: number;
  abortAll: (reason: unknown) => void;
  /** Stops new work and lets requests in flight end (see `Interrupts.stopStarting`). */
  stopStarting: (reason: unknown) => void;
}

/**
 * Records skips, then uploads the rest through the shared scheduler (and fixes the settings of objects that
 * need it), recording each outcome in the tracker and the CSV log. A run-fatal error (bad credentials, missing
 * bucket) stops every other file and is rethrown once, instead of failing each file with the same message.
 * @throws the first run-fatal error, or InterruptedError when stopped by a signal.
 */
export async function uploadAll(items: readonly DecidedTask[], ctx: UploadAllContext): Promise<void> {
  const remaining = countByGroup(items);
  const finish = (result: FileResult) => {
    ctx.csvLog.append(result);
    remaining.set(result.group, (remaining.get(result.group) ?? 1) - 1);
    if (remaining.get(result.group) === 0) ctx.tracker.completeGroup(result.group);
  };
  await recordSkips(items, ctx, finish);
  let fatal: unknown;
  let ended = 0;
  const work = items.filter((i) => i.decision.action !== 'skip');
  await forEachAtMost(work, ctx.maxFilesInFlight, async (item) => {
    if (fatal !== undefined || ctx.signal.aborted) return;
    const result =
      item.decision.action === 'fix-settings' ? await fixOne(item, ctx) : await uploadOne(item, ctx);
    if (result === 'fatal-or-stopped') return;
    if (result.outcome === 'failed' && isRunFatal(result.cause)) {
      fatal ??= result.cause;
      if (!(result.cause instanceof SettingNotAppliedError)) return void ctx.abortAll(result.cause);
      // an object stored without its settings is this file's failure, counted and logged with its ETag; the other
      // files in flight end alike, each to be counted
      ctx.stopStarting(result.cause);
    }
    ctx.tracker.fileDone(result.result);
    finish(result.result);
    ended += 1;
  });
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows the original error object
  if (fatal !== undefined) throw fatal;
  // a signal whose grace period saw every file end stopped nothing: the run is whole, and says so (exit 0)
  const stoppedSomething = ended < work.length || ctx.signal.reason instanceof UploadError;
  if (ctx.signal.aborted && stoppedSomething) throw stopReason(ctx.signal);
}

/**
 * Counts and logs every skip, SKIP_BATCH at a time with the log written between batches: rows queue while this
 * loop runs, so without the wait a rerun of 100,000 unchanged files would hold all their rows at once.
 */
async function recordSkips(
  items: readonly DecidedTask[],
  ctx: UploadAllContext,
  finish: (result: FileResult) => void,
): Promise<void> {
  let recorded = 0;
  for (const item of items) {
    if (item.decision.action !== 'skip') continue;
    const result = baseResult(item, 'skipped', 0);
    ctx.tracker.noteSkip(result);
    finish(result);
    if (++recorded % SKIP_BATCH === 0) await ctx.csvLog.flush();
  }
}

type UploadOneResult =
  'fatal-or-stopped' | { outcome: FileResult['outcome']; result: FileResult; cause?: unknown };

async function uploadOne(item: DecidedTask, ctx: UploadAllContext): Promise<UploadOneResult> {
  const started = monotonicMs();
  ctx.tracker.startFile(item.group, item.task.path, item.task.sizeBytes);
  const onBytes = ctx.tracker.fileProgressCallback(item.group, item.task.path);
  try {
    if (!ctx.transfer) throw new Error('upload decision without a transfer context');
    const progress = {
      onResumed: ctx.tracker.fileResumedCallback(item.group, item.task.path),
      onRestart: () => ctx.tracker.startFile(item.group, item.task.path, item.task.sizeBytes),
    };
    const onRetry = (retry: RetryNotice): void => ctx.tracker.fileRetried(item.group, item.task.path, retry);
    const unwatch = ctx.transfer.store.watchRetries(item.task.key, (retry) =>
      onRetry(controlRetryNotice(retry)),
    );
    const sent = await uploadFile(item.task, { ...ctx.transfer, onRetry }, onBytes, progress).finally(
      unwatch,
    );
    const result = baseResult(item, 'uploaded', seconds(started), `${item.decision.reason}; ${sent.detail}`);
    return {
      outcome: 'uploaded',
      result: { ...result, etag: sent.etag, ...(sent.sha256 ? { sha256: sent.sha256 } : {}) },
    };
  } catch (error) {
    return failure(item, started, error, ctx);
  }
}

function failure(item: DecidedTask, started: number, error: unknown, ctx: UploadAllContext): UploadOneResult {
  // Once the run is stopping, an unfinished file is not a failure: its journal lets the next run resume it. An
  // object stored without the settings asked for is there all the same, and the next run must not skip it.
  if (ctx.signal.aborted && !(error instanceof SettingNotAppliedError)) return 'fatal-or-stopped';
  const message = error instanceof UploadError ? error.message : String((error as Error)?.message ?? error);
  const result = {
    ...baseResult(item, 'failed', seconds(started), reasonOf(error)),
    error: message,
    // the object that failed its check, which the next run must not take for the file
    ...(error instanceof StoredMismatchError || error instanceof SettingNotAppliedError
      ? { etag: error.storedEtag }
      : {}),
  };
  return { outcome: 'failed', result, cause: error };
}

/**
 * An object whose bytes are there gets its wanted settings: it counts as skipped, its bytes were not sent. When a
 * copy cannot give them (the server ignores them on copies), the file is sent again with them.
 */
async function fixOne(item: DecidedTask, ctx: UploadAllContext): Promise<UploadOneResult> {
  const started = monotonicMs();
  try {
    if (!ctx.fixSettings) throw new Error('fix-settings decision without a fix-settings context');
    const fixed = await fixObjectSettings(item.task, ctx.fixSettings);
    if (fixed.unapplied) {
      const reason = `settings differ and a copy in the bucket did not change them (${fixed.unapplied.join('; ')})`;
      const keeping = fixed.kept ? keepingSettings(ctx, fixed.kept) : ctx;
      return await uploadOne({ ...item, decision: { action: 'upload', reason } }, keeping);
    }
    const reason = `settings fixed without sending the bytes: ${fixed.detail}`;
    return {
      outcome: 'skipped',
      result: { ...baseResult(item, 'skipped', seconds(started), reason), etag: fixed.etag },
    };
  } catch (error) {
    return failure(item, started, error, ctx);
  }
}

/** The context to send a file again in, so that its object keeps the metadata and tags a copy would have kept. */
function keepingSettings(ctx: UploadAllContext, kept: KeptSettings): UploadAllContext {
  if (!ctx.transfer) return ctx;
  const settingsFor = ctx.transfer.settingsFor;
  const keeping = (group: string | undefined): ObjectSettings => withKept(settingsFor?.(group), kept);
  return { ...ctx, transfer: { ...ctx.transfer, settingsFor: keeping } };
}

/** Why the run stopped: the error that stopped it (a lost lock, a log that cannot be written), else a signal. */
function stopReason(signal: AbortSignal): UploadError {
  const reason: unknown = signal.reason;
  return reason instanceof UploadError ? reason : new InterruptedError();
}

function isRunFatal(error: unknown): boolean {
  if (error instanceof LinkDownError) return true;
  if (error instanceof UploadError) return error.kind === 'auth' || error.kind === 'config';
  return classifyS3Error(error) === 'run-fatal';
}

function reasonOf(error: unknown): string {
  return error instanceof UploadError ? `${error.kind} error` : 'unexpected error';
}

function baseResult<O extends FileResult['outcome']>(
  item: DecidedTask,
  outcome: O,
  secondsTaken: number,
  reason = item.decision.reason,
): FileResult & { outcome: O } {
  const { task } = item;
  return {
    group: item.group,
    path: task.path,
    key: task.key,
    sizeBytes: task.sizeBytes,
    mtimeMs: task.mtimeMs,
    outcome,
    reason,
    seconds: secondsTaken,
  };
}

function seconds(startedMs: number): number {
  return Math.round(monotonicMs() - startedMs) / 1000;
}

function countByGroup(items: readonly DecidedTask[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.group, (counts.get(item.group) ?? 0) + 1);
  return counts;
}
