import { ConfigError } from '../errors.js';
import { FilesInFlight } from './files-in-flight.js';
import { estimateEtaSeconds } from './eta.js';
import { RateWindow } from './rate-window.js';
import { SmallFileTime } from './small-file-time.js';
import {
  createGroupStatus,
  createTotals,
  currentGroupField,
  isFinalPhase,
  isReservedGroupKey,
  type ErrorStatus,
  type GroupStatus,
  type Phase,
  type RunErrorStatus,
  type StatusSnapshot,
  type TotalsStatus,
} from './status-snapshot.js';
import type { FileResult, OnBytesSent, RetryNotice, RunDestination, StatusEvent } from './status-events.js';

export type { Phase, StatusSnapshot } from './status-snapshot.js';
export type {
  FileOutcome,
  FileResult,
  OnBytesSent,
  RetryNotice,
  RunDestination,
  StatusEvent,
} from './status-events.js';

export interface StatusTrackerOptions {
  /** Names the grouping in the status JSON: `folder_types` (default) or `reels`. */
  groupKey?: string;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
}

type OutcomeCounters = Pick<
  TotalsStatus,
  'uploaded' | 'skipped' | 'failed' | 'bytes_done' | 'bytes_skipped' | 'bytes_failed'
>;

const MAX_ERRORS = 100;

/**
 * Counts what a run does, per group and in total, and produces {@link StatusSnapshot}s on demand.
 *
 * Byte counters: `bytes_uploaded` counts content this run stored, each byte once: of files uploaded, and of files in
 * flight as the server confirms their parts (bytes sent and not yet answered are not stored: a stop or a dead link
 * loses them; a file that fails takes its confirmed bytes back, so at the end it is what the uploaded files hold
 * beyond what an earlier run stored of them). `bytes_sent` counts what went on
 * the wire, attempts that failed included: it is what the rate measures. `bytes_done` counts the sizes of files
 * uploaded or skipped, which is the work done and, with `bytes_failed`, what the ETA subtracts from `bytes_planned`.
 * Methods never throw for unknown groups: a group used before {@link startGroup} is created with nothing planned.
 */
export class StatusTracker {
  readonly groupKey: string;
  private readonly now: () => number;
  private readonly startedAtMs: number;
  /** When the run reached its final phase; the rate of an ended run is over its whole time, up to then. */
  private endedAtMs: number | undefined;
  private phase: Phase = 'planning';
  private currentGroup: string | null = null;
  private readonly totals: TotalsStatus = createTotals();
  private readonly groups = new Map<string, GroupStatus>();
  private readonly inFlight = new FilesInFlight();
  private readonly errors: ErrorStatus[] = [];
  private runError: RunErrorStatus | null = null;
  private readonly listeners = new Set<(event: StatusEvent) => void>();
  private rate: RateWindow | null = null;
  private readonly smallFileTime = new SmallFileTime();
  /** The most files a snapshot saw in flight: how many the pool runs side by side, for the ETA. */
  private mostInFlight = 0;

  /** @throws ConfigError when `groupKey` is empty or collides with a fixed field of the schema. */
  constructor({ groupKey = 'folder_types', now = () => Date.now() }: StatusTrackerOptions = {}) {
    if (isReservedGroupKey(groupKey)) {
      throw new ConfigError(
        `create status tracker: group key "${groupKey}" is reserved; use folder_types or reels`,
      );
    }
    this.groupKey = groupKey;
    this.now = now;
    this.startedAtMs = now();
  }

  /** Sets the planned number of files and bytes of the whole run. */
  setTotals(files: number, bytes: number): void {
    this.totals.files = files;
    this.totals.bytes_planned = bytes;
  }

  /** Announces where the run's files go; views print it once, before any file line. */
  startRun(destination: RunDestination): void {
    this.emit({ type: 'run-start', destination: { ...destination }, timeMs: this.now() });
  }

  /**
   * Tells the views something the user must see now (the run is stopping, the bandwidth limit changed); the status
   * file does not keep it. `stopAgain`, for a stopping run, says how to stop it at once, for the views that show it
   * while it drains.
   */
  notice(message: string, stopAgain?: string): void {
    this.emit({ type: 'notice', message, timeMs: this.now(), ...(stopAgain ? { stopAgain } : {}) });
  }

  /**
   * Records what ends the run (shown in the status JSON as `run_error`), or null for a run that ended without one;
   * the message must be redacted already.
   */
  setRunError(error: RunErrorStatus | null): void {
    this.runError = error === null ? null : { ...error };
  }

  /** Moves the run to `phase`; emits a `phase` event when the phase changes. */
  setPhase(phase: Phase): void {
    if (phase === this.phase) return;
    this.phase = phase;
    const nowMs = this.now();
    if (isFinalPhase(phase)) this.endedAtMs = nowMs;
    this.emit({ type: 'phase', phase, timeMs: nowMs });
  }

  /** Starts (or restarts) a group with its planned counts; it becomes the current group. */
  startGroup(name: string, plannedFiles: number, plannedBytes: number): void {
    const group = this.group(name);
    group.planned_files = plannedFiles;
    group.planned_bytes = plannedBytes;
    group.started_at = toSeconds(this.now());
    group.completed_at = null;
    this.currentGroup = name;
    this.emit({ type: 'group-start', group: name, plannedFiles, plannedBytes, timeMs: this.now() });
  }

  /** Marks a group complete, stamping `completed_at`. */
  completeGroup(name: string): void {
    this.group(name).completed_at = toSeconds(this.now());
    if (this.currentGroup === name) this.currentGroup = null;
    this.emit({ type: 'group-done', group: name, timeMs: this.now() });
  }

  /**
   * Puts a file in flight with no bytes sent; starting a file already in flight restarts it (an upload started over
   * from its first byte), taking back its bytes and what it had counted as resumed.
   */
  startFile(group: string, path: string, sizeBytes: number): void {
    const earlier = this.inFlight.start(group, path, sizeBytes);
    this.addUploaded(group, -earlier.countedBytes);
    this.totals.bytes_resumed -= earlier.resumedBytes;
    this.rate ??= new RateWindow(this.now());
    this.emit({ type: 'file-start', group, path, sizeBytes, timeMs: this.now() });
  }

  /**
   * Returns the callback the transfer calls with each chunk of bytes sent for this file. Every byte adds to
   * `bytes_sent` (group and total) and the rate window; `new` bytes, up to the file's size, also to the file's
   * in-flight bytes; `stored` bytes, which the server confirmed, to `bytes_uploaded`. `withdrawn` bytes, sent and
   * never confirmed, are taken back from the file's bytes only. Nothing else, because it runs once per chunk.
   */
  fileProgressCallback(group: string, path: string): OnBytesSent {
    const addSent = this.inFlight.sentCallback(group, path);
    const counters = this.group(group);
    return (deltaBytes, kind = 'new') => {
      const now = this.now();
      const confirmed = addSent(deltaBytes, kind, now);
      // no array or object per chunk: the counters are added to one by one
      counters.bytes_uploaded += confirmed;
      this.totals.bytes_uploaded += confirmed;
      if (kind === 'withdrawn' || kind === 'stored') return;
      counters.bytes_sent += deltaBytes;
      this.totals.bytes_sent += deltaBytes;
      this.rate ??= new RateWindow(now);
      this.rate.record(deltaBytes, now);
    };
  }

  /**
   * Returns the callback an upload calls when an earlier run already stored part of the file: those bytes count as
   * progress of the file (the bar, the ETA) but not as bytes sent by this run (`bytes_uploaded`, the rate).
   */
  fileResumedCallback(
    group: string,
    path: string,
  ): (stored: { bytes: number; partsStored: number; partCount: number }) => void {
    return ({ bytes, partsStored, partCount }) => {
      this.inFlight.addResumed(group, path, bytes);
      this.totals.bytes_resumed += bytes;
      this.emit({ type: 'file-resumed', group, path, bytes, partsStored, partCount, timeMs: this.now() });
    };
  }

  /** Counts a failed request of a file in flight that is sent again, and shows it on the file until it goes on. */
  fileRetried(group: string, path: string, retry: RetryNotice): void {
    this.totals.retries += 1;
    const nowMs = this.now();
    this.inFlight.setRetry(group, path, retry, nowMs);
    this.emit({ type: 'file-retry', group, path, retry: { ...retry }, timeMs: nowMs });
  }

  /**
   * Takes a file out of flight and counts its outcome; a failure is kept in `errors` (last 100). An uploaded file
   * counts in `bytes_uploaded` with all its bytes but those an earlier run stored, any other with none. The time of
   * a file that did not fail counts towards the ETA's time per file (see SmallFileTime).
   */
  fileDone(result: FileResult): void {
    // a failed file's time is how long it retried, or how soon it was refused: not how long a file takes
    if (result.outcome !== 'failed') this.smallFileTime.record(result.sizeBytes, result.seconds);
    this.settle(result);
  }

  /**
   * Counts a file skipped without being started; emits `file-done` like {@link fileDone}. Its time is no file's
   * upload time: a skip is decided before the uploads start, many at once.
   */
  noteSkip(result: FileResult & { outcome: 'skipped' }): void {
    this.settle(result);
  }

  /** Subscribes to events; returns the function that unsubscribes. Listeners must not throw. */
  onEvent(listener: (event: StatusEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Returns a fresh, JSON-ready copy of the state; `last_update` is the time of this call. Notes how many files are
   * in flight, the most of which the ETA takes to go side by side.
   */
  snapshot(): StatusSnapshot {
    const nowMs = this.now();
    const inFlight = this.inFlight.view();
    const { current } = inFlight;
    const rate = this.rate?.read(nowMs);
    this.mostInFlight = Math.max(this.mostInFlight, inFlight.entries.length);
    return {
      started_at: toSeconds(this.startedAtMs),
      phase: this.phase,
      [currentGroupField(this.groupKey)]: current?.group ?? this.currentGroup,
      current_file: current?.file ?? null,
      current_file_bytes: current?.bytes ?? 0,
      current_file_size: current?.size ?? 0,
      totals: { ...this.totals },
      [this.groupKey]: this.copyGroups(),
      last_update: toSeconds(nowMs),
      rate_bytes_per_sec:
        this.endedAtMs === undefined
          ? (rate?.bytesPerSecond ?? 0)
          : averageRate(this.totals.bytes_uploaded, this.endedAtMs - this.startedAtMs),
      eta_seconds: estimateEtaSeconds({
        phase: this.phase,
        totals: this.totals,
        inFlightBytes: inFlight.bytes,
        rate,
        smallFileSeconds: this.smallFileTime.read(),
        filesSideBySide: this.mostInFlight,
      }),
      in_flight: inFlight.entries,
      errors: this.errors.map((entry) => ({ ...entry })),
      run_error: this.runError === null ? null : { ...this.runError },
      group_key: this.groupKey,
      pid: process.pid,
      version: 1,
    };
  }

  /** Takes a file out of flight, counts its outcome and emits `file-done`. */
  private settle(result: FileResult): void {
    const flight = this.inFlight.finish(result.group, result.path);
    // what the file counts in the end, instead of what it sent
    const stored = result.outcome === 'uploaded' ? result.sizeBytes - (flight?.resumedBytes ?? 0) : 0;
    this.addUploaded(result.group, stored - (flight?.countedBytes ?? 0));
    addOutcome(this.group(result.group), result);
    addOutcome(this.totals, result);
    if (result.outcome === 'failed') this.keepError(result);
    this.emit({ type: 'file-done', result, timeMs: this.now() });
  }

  private group(name: string): GroupStatus {
    let group = this.groups.get(name);
    if (group === undefined) {
      group = createGroupStatus(toSeconds(this.now()));
      this.groups.set(name, group);
    }
    return group;
  }

  private copyGroups(): Record<string, GroupStatus> {
    return Object.fromEntries([...this.groups].map(([name, group]) => [name, { ...group }]));
  }

  /** Adds `deltaBytes` (negative to take them back) to the group's and the run's `bytes_uploaded`. */
  private addUploaded(group: string, deltaBytes: number): void {
    this.group(group).bytes_uploaded += deltaBytes;
    this.totals.bytes_uploaded += deltaBytes;
  }

  private keepError(result: FileResult): void {
    this.errors.push({ file: result.path, key: result.key, error: result.error ?? result.reason });
    if (this.errors.length > MAX_ERRORS) this.errors.shift();
  }

  private emit(event: StatusEvent): void {
    for (const listener of this.listeners) {
      // A broken view must not stop the upload it is watching.
      try {
        listener(event);
      } catch (error) {
        process.emitWarning(`status listener failed on ${event.type}: ${String(error)}`);
      }
    }
  }
}

function addOutcome(counters: OutcomeCounters, result: FileResult): void {
  counters[result.outcome] += 1;
  if (result.outcome === 'failed') counters.bytes_failed += result.sizeBytes;
  else counters.bytes_done += result.sizeBytes;
  if (result.outcome === 'skipped') counters.bytes_skipped += result.sizeBytes;
}

function toSeconds(ms: number): number {
  return ms / 1000;
}

/** What a run that has ended sent per second over its whole time: its last few seconds say nothing of it. */
function averageRate(bytes: number, elapsedMs: number): number {
  return elapsedMs > 0 ? bytes / (elapsedMs / 1000) : 0;
}
