/**
 * What a run tells its tracker and the tracker tells the views: file results, retries, the destination and the
 * events views subscribe to. The transfer reports bytes through {@link OnBytesSent}.
 */
import type { Phase } from './status-snapshot.js';

/** How one file ended. */
export type FileOutcome = 'uploaded' | 'skipped' | 'failed';

/** The result of one file, as the tracker counts it and the CSV log records it. */
export interface FileResult {
  group: string;
  /** The local path, as shown to the user. */
  path: string;
  key: string;
  sizeBytes: number;
  mtimeMs: number;
  outcome: FileOutcome;
  /** Why the file was uploaded, skipped or failed (a decision reason or an error class). */
  reason: string;
  sha256?: string;
  etag?: string;
  seconds: number;
  error?: string;
}

/** Where a run sends its files: shown once at its start, and the base that result lines show keys under. */
export interface RunDestination {
  folder: string;
  bucket: string;
  /** `{prefix}{project_key}/`: every key of the run starts with it. */
  projectPrefix: string;
  /** The timestamp folder of --timestamp / --custom-timestamp, if any. */
  timestampFolder?: string | undefined;
}

/** What the tracker tells subscribers. Progress deltas are not events: views poll the tracker's snapshot. */
export type StatusEvent =
  | { type: 'run-start'; destination: RunDestination; timeMs: number }
  | { type: 'notice'; message: string; timeMs: number; stopAgain?: string }
  | { type: 'phase'; phase: Phase; timeMs: number }
  | { type: 'group-start'; group: string; plannedFiles: number; plannedBytes: number; timeMs: number }
  | { type: 'group-done'; group: string; timeMs: number }
  | { type: 'file-start'; group: string; path: string; sizeBytes: number; timeMs: number }
  | {
      type: 'file-resumed';
      group: string;
      path: string;
      bytes: number;
      partsStored: number;
      partCount: number;
      timeMs: number;
    }
  | { type: 'file-retry'; group: string; path: string; retry: RetryNotice; timeMs: number }
  | { type: 'file-done'; result: FileResult; timeMs: number };

/**
 * What bytes the transfer reports carry: content of the file not sent before in this run (`new`), bytes of an
 * attempt that failed sent again (`resent`), which count as sent on the wire but not as content uploaded, or `new`
 * bytes of a request given up before the server stored them (`withdrawn`: a part cut off when the run stops), which
 * the file's progress and the content uploaded give back; they stay sent on the wire. `stored` repeats the count of
 * a range the server answered for and the journal holds: bytes a killed run's status file can vouch for.
 */
export type SentBytesKind = 'new' | 'resent' | 'withdrawn' | 'stored';

/** Receives each chunk of a file's bytes as it is sent; bytes are `new` unless said otherwise. */
export type OnBytesSent = (deltaBytes: number, kind?: SentBytesKind) => void;

/** A request of a file's that failed and is sent again after `delayMs` (see withRetry). */
export interface RetryNotice {
  /** What failed: `upload <key>` or `upload <key> part 3`. */
  what: string;
  attempt: number;
  attempts: number;
  delayMs: number;
  reason: string;
}
