import { hostname } from 'node:os';
import { replaceFile, replaceFileSync } from '../state/replace-file.js';
import type { StatusSnapshot, StatusTracker } from './status-tracker.js';

/**
 * What the heartbeat writes: the tracker's snapshot plus what a reader in another process needs to
 * judge staleness: the write interval, and the host the `pid` belongs to.
 */
export type HeartbeatFile = StatusSnapshot & {
  heartbeat_interval_ms: number;
  hostname: string;
} & Partial<RunIdentity>;

/**
 * What the run uploads and where: a reader who found the file in a state folder (`upload-to-s3 status` with no
 * path, a watcher of a scheduled task) learns which project it is about without knowing the run's flags.
 */
export interface RunIdentity {
  project_key: string;
  /** The project folder, as the run resolved it. */
  source: string;
  /** `s3://bucket/{prefix}{project_key}/`: every key of the run starts with it. */
  destination: string;
  /**
   * What to run to take the upload up where it stopped: a run that dies says nothing, and a `--timestamp` run is
   * resumed only with `--custom-timestamp` and its folder. Absent once the run has completed: nothing is left.
   */
  resume_advice?: string;
  /** The run's timestamp folder (`--timestamp`, `--custom-timestamp`); absent for a run without one. */
  timestamp_folder?: string;
}

export interface HeartbeatOptions {
  /** Where the status JSON goes. */
  path: string;
  /** Time between writes. */
  intervalMs: number;
  /** Receives write failures; the heartbeat itself never throws. */
  onError?: (error: unknown) => void;
  /** Written into every file, after the snapshot's fields. */
  identity?: RunIdentity | undefined;
}

/** A running heartbeat; `stop` is its only control. */
export interface Heartbeat {
  /**
   * Writes a snapshot now, beside the timer's: what a reader must learn before the next tick. Resolves once it is
   * written (a failure goes to `onError`).
   */
  writeNow(): Promise<void>;
  /** Stops the timer and writes a final snapshot; resolves even when that write fails. */
  stop(): Promise<void>;
  /**
   * Stops at once and writes a final snapshot synchronously, for a process about to exit (a second Ctrl+C).
   * `prepare` runs after the heartbeat stopped listening and before the write (e.g. to set the final phase),
   * so no asynchronous write starts that the exit would cut off. Never throws.
   */
  stopSync(prepare?: () => void): void;
}

/**
 * Starts writing `tracker.snapshot()` to `path` as pretty JSON: now, then once per `intervalMs`, on
 * every phase change, and a final time on `stop`. Each write is atomic (temp file, fsync, rename),
 * so readers see either the previous or the next file. Writes never overlap; a write requested while
 * one runs happens right after it. The timer is unref'd and does not keep the process alive.
 */
export function startHeartbeat(tracker: StatusTracker, options: HeartbeatOptions): Heartbeat {
  const { path, intervalMs, onError = () => undefined, identity } = options;
  const snapshotFile = (): HeartbeatFile => {
    const snapshot = tracker.snapshot();
    const { resume_advice: advice, ...rest } = identity ?? {};
    return {
      ...snapshot,
      heartbeat_interval_ms: intervalMs,
      hostname: hostname(),
      ...rest,
      ...(advice !== undefined && snapshot.phase !== 'completed' ? { resume_advice: advice } : {}),
    };
  };
  const write = serializeWrites(async () => writeStatus(path, snapshotFile()), onError);
  const timer = setInterval(() => void write(), intervalMs);
  timer.unref();
  const unsubscribe = tracker.onEvent((event) => {
    if (event.type === 'phase') void write();
  });
  void write();
  return {
    writeNow: write,
    async stop() {
      clearInterval(timer);
      unsubscribe();
      await write();
    },
    stopSync(prepare) {
      clearInterval(timer);
      unsubscribe();
      try {
        prepare?.();
        replaceFileSync(path, statusText(snapshotFile()));
      } catch (error) {
        reportSafely(onError, error);
      }
    },
  };
}

/**
 * Wraps `task` so calls never run it concurrently: a call during a run schedules exactly one more run
 * after it. The returned promise settles when a run that started after the call has finished.
 */
function serializeWrites(task: () => Promise<void>, onError: (error: unknown) => void): () => Promise<void> {
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  const runOnce = (): Promise<void> => task().catch((error: unknown) => reportSafely(onError, error));
  return () => {
    if (running === null) {
      running = runOnce().finally(() => (running = null));
      return running;
    }
    queued ??= running.then(() => {
      queued = null;
      // A call in the gap between the two callbacks may already have started the next run.
      running ??= runOnce().finally(() => (running = null));
      return running;
    });
    return queued;
  };
}

function reportSafely(onError: (error: unknown) => void, error: unknown): void {
  // A throwing error handler inside a timer would crash the upload it only reports on.
  try {
    onError(error);
  } catch {
    // Nothing left to report to.
  }
}

function statusText(file: HeartbeatFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Windows refuses to replace a file another process has open (a watcher reading it): replaceFile retries. */
async function writeStatus(path: string, file: HeartbeatFile): Promise<void> {
  await replaceFile(path, statusText(file));
}
