import { ConfigError } from '../errors.js';
import { describeAnswer } from '../remote/classify-error.js';
import { escapeControls } from '../status/control-escapes.js';
import { formatCount } from '../status/format.js';
import { REMOVED_ON_THE_SERVER_ONLY } from '../transfer/leftover-uploads.js';
import type { UploadsSource } from './open-uploads.js';

/** What cleanup reports: one record per stale upload, then a summary; a text line each, or a JSON line with --json. */
export type CleanupRecord =
  | { type: 'abort' | 'would-abort'; key: string; upload_id: string; started: string }
  | {
      type: 'cleanup';
      bucket: string;
      prefix: string;
      /** Where the open uploads were found: the server's listing, or this machine's journals. */
      source: UploadsSource;
      open: number;
      stale: number;
      aborted: number;
    };

/** A record as one line of text, for a run with or without --dry-run and the --older-than it was given. */
export function describeRecord(record: CleanupRecord, dryRun: boolean, olderThan: string): string {
  if (record.type === 'cleanup') {
    const done = dryRun ? `${record.stale} stale` : `${record.aborted} aborted`;
    // younger uploads may be a run's in progress or the next run's to resume: say why they stay, and how not
    const young = record.open - record.stale;
    const kept = young > 0 ? `; ${young} started within ${olderThan}, kept (--older-than 0 takes all)` : '';
    const named = record.source === 'journals' ? " this machine's journals name" : '';
    const where = `s3://${record.bucket}/${record.prefix}`;
    return `${formatCount(record.open, 'open upload')}${named} under ${where}; ${done}${kept}`;
  }
  const verb = record.type === 'abort' ? 'aborting' : 'would abort';
  return `${verb} ${escapeControls(record.key)} (upload ${record.upload_id}, started ${record.started})`;
}

/** Where cleanup ran: the endpoint (undefined: Amazon S3), the bucket and the project's prefix. */
export interface CleanupScope {
  endpoint: string | undefined;
  bucket: string;
  prefix: string;
}

/** The server's answers to the requests it refused: ListMultipartUploads, AbortMultipartUpload (501 or 405). */
export interface CleanupRefusals {
  listing?: unknown;
  abort?: unknown;
}

/**
 * The error that ends a cleanup whose server refused to list the open uploads (then the uploads this machine's
 * journals name were judged instead) or to abort one (then cleanup stopped there: every abort would be refused
 * alike, and the uploads not aborted keep their journals for the next run to resume). `stale` uploads were found
 * stale and `aborted` of them aborted, or with --dry-run none.
 */
export function refusedCleanupError(
  refused: CleanupRefusals,
  scope: CleanupScope,
  outcome: { dryRun: boolean; stale: number; aborted: number },
): ConfigError {
  const where = `cleanup s3://${scope.bucket}/${scope.prefix}`;
  return new ConfigError(
    `${where}: ${describeRefusals(refused, scope)}; ${describeOutcome(refused, outcome)}`,
    { cause: refused.abort ?? refused.listing },
  );
}

/** What cleanup did before it stopped, and what is left to the server. */
function describeOutcome(
  refused: CleanupRefusals,
  outcome: { dryRun: boolean; stale: number; aborted: number },
): string {
  const named = refused.listing === undefined ? '' : " this machine's journals name";
  const stale = formatCount(outcome.stale, 'stale upload');
  if (refused.abort !== undefined)
    return `aborted ${outcome.aborted} of ${stale}${named}; the others ${REMOVED_ON_THE_SERVER_ONLY}`;
  // the listing alone was refused: the journals' uploads were judged, and others may be open unseen
  const done =
    outcome.stale === 0
      ? "this machine's journals name no stale upload there"
      : outcome.dryRun
        ? `would abort ${stale}${named} (listed above)`
        : `aborted ${formatCount(outcome.aborted, 'stale upload')}${named}`;
  return `${done}; others, started on another machine or with another state folder, ${REMOVED_ON_THE_SERVER_ONLY}`;
}

/** `the server at URL cannot list multipart uploads (NotImplemented, HTTP 501) nor abort them (...)`. */
function describeRefusals(refused: CleanupRefusals, scope: CleanupScope): string {
  const server = scope.endpoint ? `the server at ${scope.endpoint}` : 'Amazon S3';
  const list =
    refused.listing === undefined ? undefined : `list multipart uploads (${describeAnswer(refused.listing)})`;
  const abort = refused.abort === undefined ? undefined : `(${describeAnswer(refused.abort)})`;
  if (list && abort) return `${server} cannot ${list} nor abort them ${abort}`;
  return list ? `${server} cannot ${list}` : `${server} cannot abort multipart uploads ${abort ?? ''}`;
}
