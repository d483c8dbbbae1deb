import type { RetryNotice, SentBytesKind } from './status-events.js';
import type { InFlightStatus } from './status-snapshot.js';

/** The files in flight, as a snapshot shows them. */
export interface InFlightView {
  /** Copies, in the order the files were started (a restarted file counts as started last). */
  entries: InFlightStatus[];
  /** The one `current_file` shows (see {@link FilesInFlight.view}). */
  current: InFlightStatus | undefined;
  /** The bytes of all of them that are sent or were stored by an earlier run, each byte once. */
  bytes: number;
}

/** A file in flight: what the status file shows of it, and how many of its bytes an earlier run stored. */
interface Flight {
  status: InFlightStatus;
  resumedBytes: number;
}

/**
 * The files a run is uploading now. A file's `bytes` count its content once, at most its size: what this run sent of
 * it, a part sent again counting once, and what an earlier run stored (resumed). What of that is this run's own
 * content the server confirmed (`bytes_stored - resumedBytes`) is what a tracker counts in `bytes_uploaded` while the
 * file is in flight, and takes back or settles when the file leaves. Files are told apart by group and path.
 */
export class FilesInFlight {
  private readonly flights = new Map<string, Flight>();

  /**
   * Puts a file in flight with no bytes sent. Returns what it had counted when it was in flight already (a file
   * started over, whose earlier bytes and resumed parts are no longer its progress), for the caller to take back;
   * zeros for a file not in flight.
   */
  start(group: string, path: string, sizeBytes: number): { countedBytes: number; resumedBytes: number } {
    const key = flightKey(group, path);
    const earlier = this.flights.get(key);
    // Re-inserting moves the file to the end: a restarted file is the latest started.
    this.flights.delete(key);
    this.flights.set(key, {
      status: { file: path, group, bytes: 0, size: sizeBytes, bytes_stored: 0 },
      resumedBytes: 0,
    });
    return { countedBytes: countedOf(earlier), resumedBytes: earlier?.resumedBytes ?? 0 };
  }

  /**
   * Returns the function that adds each chunk sent of the file to its bytes (`new` bytes up to the file's size; a
   * transfer that starts a file over sends its bytes again) and returns how many bytes the server newly confirmed
   * it stored: `stored` bytes, up to what was sent; none for other kinds or a file not in flight. `withdrawn` bytes,
   * sent and never confirmed, are taken back from the file's bytes, down to what the server holds. A chunk past a
   * pending retry's time clears the retry. It runs once per chunk: a lookup and a few sums.
   */
  sentCallback(
    group: string,
    path: string,
  ): (deltaBytes: number, kind: SentBytesKind, nowMs: number) => number {
    const key = flightKey(group, path);
    return (deltaBytes, kind, nowMs) => {
      // looked up per chunk: a file started over is a new entry
      const flight = this.flights.get(key);
      if (flight === undefined) return 0;
      const entry = flight.status;
      if (kind === 'stored') {
        const before = entry.bytes_stored ?? 0;
        entry.bytes_stored = Math.min(before + deltaBytes, entry.bytes);
        return entry.bytes_stored - before;
      }
      if (kind === 'withdrawn') {
        const back = Math.max(Math.min(deltaBytes, entry.bytes - (entry.bytes_stored ?? 0)), 0);
        entry.bytes -= back;
        return 0;
      }
      if (kind === 'new') entry.bytes += Math.max(Math.min(deltaBytes, entry.size - entry.bytes), 0);
      if (entry.retry !== undefined && nowMs >= entry.retry.resume_at * 1000) delete entry.retry;
      return 0;
    };
  }

  /** Counts `bytes` an earlier run stored of the file as its progress; nothing for a file not in flight. */
  addResumed(group: string, path: string, bytes: number): void {
    const flight = this.flights.get(flightKey(group, path));
    if (flight === undefined) return;
    flight.status.bytes += bytes;
    flight.status.bytes_stored = (flight.status.bytes_stored ?? 0) + bytes;
    flight.resumedBytes += bytes;
  }

  /**
   * Shows a failed request of the file, told at `nowMs`, that is sent again after its delay, until the file sends a
   * byte after that; nothing for a file not in flight.
   */
  setRetry(group: string, path: string, retry: RetryNotice, nowMs: number): void {
    const entry = this.flights.get(flightKey(group, path))?.status;
    if (entry === undefined) return;
    const { attempt, attempts, reason } = retry;
    entry.retry = { attempt, attempts, reason, resume_at: (nowMs + retry.delayMs) / 1000 };
  }

  /**
   * Takes the file out of flight. Returns what an earlier run stored of it and what of this run's it had counted, or
   * undefined for a file not in flight (a skip, say).
   */
  finish(group: string, path: string): { resumedBytes: number; countedBytes: number } | undefined {
    const key = flightKey(group, path);
    const flight = this.flights.get(key);
    if (flight === undefined) return undefined;
    this.flights.delete(key);
    return { resumedBytes: flight.resumedBytes, countedBytes: countedOf(flight) };
  }

  /**
   * The files in flight, copied, in one pass. `current` is the one that says most about the run's progress: the
   * largest (the reel, not the sidecar started after it), the earliest started of equal ones; it stays the same
   * until it is done.
   */
  view(): InFlightView {
    const entries: InFlightStatus[] = [];
    let current: InFlightStatus | undefined;
    let bytes = 0;
    for (const { status } of this.flights.values()) {
      const entry = copyInFlight(status);
      entries.push(entry);
      if (current === undefined || entry.size > current.size) current = entry;
      bytes += entry.bytes;
    }
    return { entries, current, bytes };
  }
}

function countedOf(flight: Flight | undefined): number {
  return flight === undefined ? 0 : (flight.status.bytes_stored ?? 0) - flight.resumedBytes;
}

function flightKey(group: string, path: string): string {
  return `${group}\u0000${path}`;
}

function copyInFlight(entry: InFlightStatus): InFlightStatus {
  return entry.retry === undefined ? { ...entry } : { ...entry, retry: { ...entry.retry } };
}
