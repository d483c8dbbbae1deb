import type { StatusSnapshot } from './status-snapshot.js';
import type { StatusEvent, StatusTracker } from './status-tracker.js';

export interface JsonViewOptions {
  stream: NodeJS.WritableStream;
  /** Time between `progress` events. */
  intervalMs: number;
}

/**
 * Starts the JSON view: one JSON object per line (NDJSON) for each tracker event (`phase`,
 * `group-start`, `group-done`, `file-start`, `file-retry`, `file-done`) and a `progress` object every `intervalMs`
 * and on `stop`. Every object has `type` and `time` (ISO 8601); field names are snake_case like the
 * status file.
 */
export function startJsonView(tracker: StatusTracker, options: JsonViewOptions): { stop(): void } {
  const { stream, intervalMs } = options;
  const emit = (object: Record<string, unknown>): void => void stream.write(`${JSON.stringify(object)}\n`);
  const unsubscribe = tracker.onEvent((event) => emit(eventObject(event)));
  const timer = setInterval(() => emit(progressObject(tracker.snapshot())), intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      unsubscribe();
      emit(progressObject(tracker.snapshot()));
    },
  };
}

function eventObject(event: StatusEvent): Record<string, unknown> {
  const head = { type: event.type, time: new Date(event.timeMs).toISOString() };
  switch (event.type) {
    case 'run-start': {
      const { folder, bucket, projectPrefix, timestampFolder } = event.destination;
      return {
        ...head,
        folder,
        bucket,
        project_prefix: projectPrefix,
        timestamp_folder: timestampFolder ?? null,
      };
    }
    case 'notice':
      return { ...head, message: event.message };
    case 'file-resumed':
      return {
        ...head,
        group: event.group,
        file: event.path,
        bytes_stored: event.bytes,
        parts_stored: event.partsStored,
        part_count: event.partCount,
      };
    case 'phase':
      return { ...head, phase: event.phase };
    case 'group-start':
      return {
        ...head,
        group: event.group,
        planned_files: event.plannedFiles,
        planned_bytes: event.plannedBytes,
      };
    case 'group-done':
      return { ...head, group: event.group };
    case 'file-start':
      return { ...head, group: event.group, file: event.path, size_bytes: event.sizeBytes };
    case 'file-retry': {
      const { what, attempt, attempts, delayMs, reason } = event.retry;
      return {
        ...head,
        group: event.group,
        file: event.path,
        request: what,
        attempt,
        attempts,
        retry_in_seconds: delayMs / 1000,
        reason,
      };
    }
    case 'file-done': {
      const { group, path, key, sizeBytes, outcome, reason, seconds, sha256, etag, error } = event.result;
      return {
        ...head,
        group,
        file: path,
        key,
        size_bytes: sizeBytes,
        outcome,
        reason,
        seconds,
        sha256,
        etag,
        error,
      };
    }
  }
}

function progressObject(snapshot: StatusSnapshot): Record<string, unknown> {
  return {
    type: 'progress',
    time: new Date(snapshot.last_update * 1000).toISOString(),
    phase: snapshot.phase,
    totals: snapshot.totals,
    rate_bytes_per_sec: snapshot.rate_bytes_per_sec,
    eta_seconds: snapshot.eta_seconds,
    in_flight: snapshot.in_flight.length,
  };
}
