import type { OpenUpload } from '../remote/remote-object.js';
import { SERVER_TIME_LEEWAY_MS } from '../remote/server-clock.js';
import { describeError } from './send-body.js';
import type { TransferContext } from './transfer-context.js';
import type { UploadJournal } from './upload-journal.js';

/**
 * How long before our upload's own start a CreateMultipartUpload retried after a lost answer may have started the
 * upload it orphaned: the retries of one request end within minutes.
 */
const LOST_ANSWER_WINDOW_MS = 10 * 60_000;

/** Uploads this old were left by a run that is over: no run still sending takes a day to start its parts. */
const STALE_MS = 24 * 3_600_000;

/**
 * The open uploads of `key` that may be orphans of our upload `uploadId` of it: those started while ours was being
 * started (a CreateMultipartUpload whose answer was lost, retried, left the first one open: it never gets a part),
 * and those started over a day ago (a run killed before it wrote its journal). Others may be another machine's
 * run, or a run with a state folder of its own, sending the key right now: `cleanup` judges them once they are old.
 */
export function orphanCandidates(
  open: readonly OpenUpload[],
  ours: { key: string; uploadId: string; startedMs: number },
  serverNowMs: number,
): { stale: OpenUpload[]; startedWithOurs: OpenUpload[] } {
  const others = open.filter((u) => u.key === ours.key && u.uploadId !== ours.uploadId);
  const isStale = (u: OpenUpload) => u.initiatedMs <= serverNowMs - STALE_MS;
  const startedWithOurs = (u: OpenUpload) =>
    u.initiatedMs >= ours.startedMs - LOST_ANSWER_WINDOW_MS &&
    u.initiatedMs <= ours.startedMs + SERVER_TIME_LEEWAY_MS;
  return {
    stale: others.filter(isStale),
    startedWithOurs: others.filter((u) => !isStale(u) && startedWithOurs(u)),
  };
}

/**
 * Aborts the orphans of the upload `journal` names ({@link orphanCandidates}; one started with ours only while it
 * holds no part), which no journal names, so nothing else would ever abort them, and they cost storage. Best
 * effort: a failure (e.g. no s3:ListBucketMultipartUploads permission) is only logged.
 */
export async function abortOrphanedUploads(journal: UploadJournal, ctx: TransferContext): Promise<void> {
  try {
    const open = await ctx.store.uploads.listOpen(journal.bucket, journal.key, ctx.hardSignal);
    const serverNowMs = ctx.store.serverNow().getTime();
    // the journal's time is this machine's clock: moved onto the server's by how far the two are apart now
    const startedMs = Date.parse(journal.createdAt) + (serverNowMs - Date.now());
    const ours = { key: journal.key, uploadId: journal.uploadId, startedMs };
    const { stale, startedWithOurs } = orphanCandidates(open, ours, serverNowMs);
    const partless = await filterAsync(startedWithOurs, async (upload) => {
      const parts = await ctx.store.uploads.listParts(
        journal.bucket,
        journal.key,
        upload.uploadId,
        ctx.hardSignal,
      );
      return Array.isArray(parts) && parts.length === 0;
    });
    for (const upload of [...stale, ...partless]) {
      ctx.debug(`${journal.key}: aborting orphaned upload ${upload.uploadId}`);
      await ctx.store.uploads.abort(journal.bucket, journal.key, upload.uploadId, ctx.hardSignal);
    }
  } catch (error) {
    ctx.debug(`${journal.key}: could not abort orphaned uploads (${describeError(error)})`);
  }
}

async function filterAsync<T>(items: readonly T[], keep: (item: T) => Promise<boolean>): Promise<T[]> {
  const kept: T[] = [];
  for (const item of items) if (await keep(item)) kept.push(item);
  return kept;
}
