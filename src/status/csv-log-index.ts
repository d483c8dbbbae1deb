import { isRowOf, type CsvLogRow, type LogTarget } from './csv-log-rows.js';
import type { FileResult } from './status-tracker.js';

/** What the log says about an uploaded object, for resume decisions. */
export interface LoggedUpload {
  sizeBytes: number;
  mtimeMs: number;
  sha256?: string;
  etag?: string;
}

/** The file and reason of a key's latest row when that row is a bare skip: no hash, no error, no time taken. */
export interface LoggedSkip {
  file: string;
  reason: string;
}

/**
 * What one read of the log gives a run about its target: `uploads`, what each key holds (the latest row not
 * failed since; when read with hashes, with those an earlier row of the same file recorded: see
 * parseUploadedKeysFromLog), and `lastSkips`, for the keys whose latest row is a bare skip, that row's file
 * and reason; `mismatched`, for the keys whose latest row is a failure of the check after the upload, the ETag of
 * the object that failed it. `rows` and `objects` count the log file itself (not its sidecars), every target included: its
 * well-formed rows, and the objects they describe (what `latestRowPerKey` keeps), which decide a rotation.
 */
export interface UploadLogIndex {
  uploads: Map<string, LoggedUpload>;
  lastSkips: Map<string, LoggedSkip>;
  mismatched: Map<string, string>;
  rows: number;
  objects: number;
}

/**
 * True when `result` is a bare skip of a file the log shows as sent with the same size and mtime: a row for it
 * would only repeat what the key's latest row says about the object. Only bare skips are ever left out: an
 * upload, a failure or a row with a hash is always written.
 */
export function repeatsLoggedUpload(result: FileResult, logged: LoggedUpload | undefined): boolean {
  return (
    result.outcome === 'skipped' &&
    logged !== undefined &&
    isBareSkip(result) &&
    logged.sizeBytes === result.sizeBytes &&
    logged.mtimeMs === result.mtimeMs
  );
}

/** True when the key's latest row is a skip of the same file for the same reason as `result`. */
export function repeatsLatestSkip(result: FileResult, lastSkip: LoggedSkip | undefined): boolean {
  return lastSkip !== undefined && lastSkip.file === result.path && lastSkip.reason === result.reason;
}

function isBareSkip(row: Pick<FileResult, 'sha256' | 'etag' | 'error' | 'seconds'>): boolean {
  return row.sha256 === undefined && row.etag === undefined && row.error === undefined && row.seconds === 0;
}

/** Which hashes an index keeps of each key: all, the ETag alone (what a run compares a listing with), or none. */
export type KeptHashes = 'all' | 'etag' | 'none';

/**
 * What a key holds after `row`: its size and mtime, with the hashes `keep` names that an earlier row of the same
 * file recorded when it has none. The earlier entry itself when nothing changed, as in most rows of a rerun.
 */
function mergeRow(previous: LoggedUpload | undefined, row: CsvLogRow, keep: KeptHashes): LoggedUpload {
  const sameFile = previous?.sizeBytes === row.sizeBytes && previous.mtimeMs === row.mtimeMs;
  const sha256 = keep === 'all' ? row.sha256 : undefined;
  const etag = keep === 'none' ? undefined : row.etag;
  if (sameFile && sha256 === undefined && etag === undefined) return previous;
  const entry: LoggedUpload = { sizeBytes: row.sizeBytes, mtimeMs: row.mtimeMs };
  const keptSha256 = sha256 === undefined ? (sameFile ? previous.sha256 : undefined) : ownCopy(sha256);
  const keptEtag = etag === undefined ? (sameFile ? previous.etag : undefined) : ownCopy(etag);
  if (keptSha256) entry.sha256 = keptSha256;
  if (keptEtag) entry.etag = keptEtag;
  return entry;
}

/**
 * Builds an {@link UploadLogIndex} from the rows of a log and then of its sidecars, in order, one row at a time:
 * `add` each row (undefined for a record that is no row), `endOfLogFile` after the log's own rows.
 */
export class UploadLogIndexer {
  private readonly uploads = new Map<string, LoggedUpload>();
  private readonly lastSkips = new Map<string, LoggedSkip>();
  private readonly mismatched = new Map<string, string>();
  /** Objects of other targets (and rows without one), by endpoint, bucket and key: only counted. */
  private readonly others = new Set<string>();
  /** Objects of other targets whose latest failed rows keep the ETag of an object that failed its check. */
  private readonly othersMismatched = new Set<string>();
  private readonly reasons = new Map<string, string>();
  private rows = 0;
  private counted: { rows: number; objects: number } | undefined;

  /** `keepHashes`: which of each key's hashes `uploads` carries (see {@link KeptHashes}). */
  constructor(
    private readonly target: LogTarget,
    private readonly keepHashes: KeptHashes = 'all',
  ) {}

  add(row: CsvLogRow | undefined): void {
    if (row === undefined) return;
    this.rows += 1;
    if (isRowOf(row, this.target)) this.addOwn(row);
    else if (this.counted === undefined) this.addOther(row);
  }

  endOfLogFile(): void {
    this.counted ??= {
      rows: this.rows,
      objects: this.uploads.size + this.mismatched.size + this.others.size + this.othersMismatched.size,
    };
    this.others.clear();
    this.othersMismatched.clear();
  }

  index(): UploadLogIndex {
    this.endOfLogFile();
    return {
      uploads: this.uploads,
      lastSkips: this.lastSkips,
      mismatched: this.mismatched,
      ...this.counted!,
    };
  }

  private addOwn(row: CsvLogRow): void {
    if (row.outcome === 'failed') {
      this.uploads.delete(row.key);
      this.lastSkips.delete(row.key);
      // a failed row names an ETag only for an object that is not the file as asked: other bytes (the check after
      // an upload) or stored without the settings asked for; a later failure of another kind (a timeout) leaves it
      if (row.etag !== undefined) this.mismatched.set(ownCopy(row.key), ownCopy(row.etag));
      return;
    }
    this.mismatched.delete(row.key);
    const previous = this.uploads.get(row.key);
    // a key already in the map stays the string it was first stored as
    this.uploads.set(
      previous === undefined ? ownCopy(row.key) : row.key,
      mergeRow(previous, row, this.keepHashes),
    );
    if (row.outcome === 'skipped' && isBareSkip(row)) {
      const skip = this.lastSkips.get(row.key);
      const reason = this.intern(row.reason);
      if (skip === undefined) this.lastSkips.set(ownCopy(row.key), { file: ownCopy(row.file), reason });
      else if (skip.file !== row.file || skip.reason !== reason)
        this.lastSkips.set(row.key, { file: ownCopy(row.file), reason });
    } else {
      this.lastSkips.delete(row.key);
    }
  }

  /** Counts the objects of other targets as {@link latestRowPerKey} keeps them. */
  private addOther(row: CsvLogRow): void {
    const id = `${row.target?.endpoint ?? ''}\n${row.target?.bucket ?? ''}\n${row.key}`;
    if (row.outcome !== 'failed') {
      this.others.add(id);
      this.othersMismatched.delete(id);
    } else {
      this.others.delete(id);
      if (row.etag !== undefined) this.othersMismatched.add(id);
    }
  }

  /** A few reasons cover most rows: one string each, not one per row. */
  private intern(reason: string): string {
    const known = this.reasons.get(reason);
    if (known !== undefined) return known;
    const own = ownCopy(reason);
    this.reasons.set(own, own);
    return own;
  }
}

/**
 * `text` in memory of its own. A field the CSV reader cut from a chunk of the log is a view of that chunk (V8
 * slices strings), so keeping one field per row would keep the whole log text alive for the run. The round trip
 * through UTF-8 is lossless for text read from UTF-8 and gives a flat string, smaller than a slice of a copy.
 */
function ownCopy(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}
