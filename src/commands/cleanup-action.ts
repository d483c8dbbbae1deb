import { endpointId } from '../remote/endpoint-id.js';
import { lockBucketIfAsked } from '../bucket-lock.js';
import { projectPrefixOf, type RunOptions } from '../config/run-options.js';
import { parseSeconds } from '../config/parse-values.js';
import { connectStore } from '../remote/connect.js';
import type { S3Store } from '../remote/s3-store.js';
import { acquireRunLock, lockScope } from '../run-lock.js';
import { JournalStore } from '../transfer/upload-journal.js';
import type { ConnectFlags } from './connect-flags.js';
import { resolveConnectOptions } from './connect-from-flags.js';
import { escapeControls } from '../status/control-escapes.js';
import { formatCount } from '../status/format.js';
import { staleUploads } from './stale-uploads.js';

export interface CleanupFlags extends ConnectFlags {
  olderThan: string;
  dryRun?: boolean;
  stateDir?: string;
  bucketLock?: boolean;
  json?: boolean;
}

/** Aborts the project's stale multipart uploads (lists them with --dry-run) under the project's lock. */
export async function cleanup(flags: CleanupFlags): Promise<void> {
  const { options, log } = await resolveConnectOptions(flags);
  // listing changes nothing and may run beside an upload
  const lock = flags.dryRun ? undefined : await acquireRunLock(options.stateDir, lockScope(options));
  try {
    const store = await connectStore(options, log, new AbortController().signal);
    try {
      await cleanupLocked(store, options, flags);
    } finally {
      store.destroy();
    }
  } finally {
    await lock?.release();
  }
}

async function cleanupLocked(store: S3Store, options: RunOptions, flags: CleanupFlags): Promise<void> {
  const bucketLock = flags.dryRun ? undefined : await lockBucketIfAsked(store.ownObjects, options);
  try {
    await abortStaleUploads(store, options, flags);
  } finally {
    await bucketLock?.release();
  }
}

async function abortStaleUploads(store: S3Store, options: RunOptions, flags: CleanupFlags): Promise<void> {
  const prefix = projectPrefixOf(options);
  const olderThanMs = parseSeconds(flags.olderThan, '--older-than') * 1000;
  const uploads = await store.uploads.listOpen(options.bucket, prefix);
  const stale = staleUploads(uploads, store.serverNow().getTime(), olderThanMs);
  const journals = new JournalStore(options.stateDir, endpointId(options.endpoint));
  const print = (record: CleanupRecord): void =>
    void process.stdout.write(
      `${flags.json ? JSON.stringify(record) : describeRecord(record, flags.dryRun ?? false, flags.olderThan)}\n`,
    );
  for (const upload of stale) {
    const started = new Date(upload.initiatedMs).toISOString();
    const type = flags.dryRun ? 'would-abort' : 'abort';
    print({ type, key: upload.key, upload_id: upload.uploadId, started });
    if (flags.dryRun) continue;
    await store.uploads.abort(options.bucket, upload.key, upload.uploadId);
    const journal = await journals.load(options.bucket, upload.key);
    if (journal?.uploadId === upload.uploadId) await journals.remove(options.bucket, upload.key);
  }
  const aborted = flags.dryRun ? 0 : stale.length;
  print({
    type: 'cleanup',
    bucket: options.bucket,
    prefix,
    open: uploads.length,
    stale: stale.length,
    aborted,
  });
}

/** What cleanup reports: one record per stale upload, then a summary; a text line each, or a JSON line with --json. */
type CleanupRecord =
  | { type: 'abort' | 'would-abort'; key: string; upload_id: string; started: string }
  | { type: 'cleanup'; bucket: string; prefix: string; open: number; stale: number; aborted: number };

function describeRecord(record: CleanupRecord, dryRun: boolean, olderThan: string): string {
  if (record.type === 'cleanup') {
    const done = dryRun ? `${record.stale} stale` : `${record.aborted} aborted`;
    // younger uploads may be a run's in progress or the next run's to resume: say why they stay, and how not
    const young = record.open - record.stale;
    const kept = young > 0 ? `; ${young} started within ${olderThan}, kept (--older-than 0 takes all)` : '';
    return `${formatCount(record.open, 'open upload')} under s3://${record.bucket}/${record.prefix}; ${done}${kept}`;
  }
  const verb = record.type === 'abort' ? 'aborting' : 'would abort';
  return `${verb} ${escapeControls(record.key)} (upload ${record.upload_id}, started ${record.started})`;
}
