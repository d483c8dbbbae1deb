import { isStopBySignal } from '../interrupt.js';
import { describeError } from './send-body.js';
import type { TransferContext } from './transfer-context.js';
import type { UploadJournal } from './upload-journal.js';

/**
 * How long a CreateMultipartUpload under way when the run stops may still be answered, and how long the abort of
 * an upload the stopped run will not use may take: within the 1.5 s a second Ctrl+C leaves the run to unwind.
 */
export const AFTER_STOP_MS = 1_000;

/**
 * Sends `request` (a CreateMultipartUpload) with a signal that aborts {@link AFTER_STOP_MS} after `stop` does.
 * Cut at the stop, its answer would be lost while the server may already hold the upload it started, which then
 * no journal names and nothing aborts.
 */
export async function outlastStop<T>(
  stop: AbortSignal,
  request: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const late = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onStop = () => {
    timer = setTimeout(() => late.abort(stop.reason), AFTER_STOP_MS);
    // the request itself keeps the process alive while it waits; the timer must not after it
    timer.unref();
  };
  if (stop.aborted) onStop();
  else stop.addEventListener('abort', onStop, { once: true });
  try {
    return await request(late.signal);
  } finally {
    stop.removeEventListener('abort', onStop);
    clearTimeout(timer);
  }
}

/**
 * The signal for a request that ends an upload the run will not use: {@link AFTER_STOP_MS} once the run has
 * stopped (its own signals are aborted by then), as long as the request's retries take otherwise.
 */
export function cleanupSignal(stop: AbortSignal): AbortSignal | undefined {
  return stop.aborted ? AbortSignal.timeout(AFTER_STOP_MS) : undefined;
}

/**
 * Aborts the upload `journal` names when the run stopped for an error (a setting the server refuses, lost
 * credentials, a lost lock) before any of its parts was stored: no run would gain anything from it, and a
 * journal that names no part saves the next run nothing but one request. An upload stopped by a signal, or one
 * holding parts, keeps its journal for the next run to resume. The journal is removed only once the server
 * answered the abort, so an upload it could not abort in time is still found by the next run and by `cleanup`.
 */
export async function abortIfUnused(journal: UploadJournal, ctx: TransferContext): Promise<void> {
  if (!ctx.signal.aborted || isStopBySignal(ctx.signal.reason) || journal.parts.length > 0) return;
  try {
    const signal = AbortSignal.timeout(AFTER_STOP_MS);
    await ctx.store.uploads.abort(journal.bucket, journal.key, journal.uploadId, signal);
    await ctx.journals.remove(journal.bucket, journal.key);
    ctx.debug(`${journal.key}: aborted upload ${journal.uploadId}, which holds no part, as the run stops`);
  } catch (error) {
    ctx.debug(`${journal.key}: could not abort upload ${journal.uploadId} (${describeError(error)})`);
  }
}
