/**
 * The status JSON schema (version 1): what the heartbeat writes and what watchers read.
 *
 * Field names follow the Python `StatusTracker` file exactly (snake_case, times in seconds since the
 * epoch as floats), so older watchers keep working; the fields after `last_update` are additions.
 * Two keys depend on the group key: the group map is stored under the group key itself
 * (`folder_types`, `reels`) and the current group under `current_<singular>` (`current_folder_type`,
 * `current_reel`).
 */

/** Where a run is. `completed`, `failed` and `interrupted` are final. */
export type Phase = 'planning' | 'verifying' | 'uploading' | 'completed' | 'failed' | 'interrupted';

/** The phases after which nothing changes any more. */
export const FINAL_PHASES: readonly Phase[] = ['completed', 'failed', 'interrupted'];

/** Run-wide counters. */
export interface TotalsStatus {
  files: number;
  uploaded: number;
  skipped: number;
  failed: number;
  /**
   * Content this run stored, each byte once: of files uploaded (but for what an earlier run stored of them) and of
   * files in flight as the server confirms it. A part sent again counts once; a file that fails or changes takes its
   * bytes back.
   */
  bytes_uploaded: number;
  /** Bytes sent on the wire, attempts that failed included: above `bytes_uploaded` on a flaky link. */
  bytes_sent: number;
  bytes_planned: number;
  /** Sizes of files uploaded or skipped: the progress that counts towards the ETA. */
  bytes_done: number;
  bytes_skipped: number;
  bytes_failed: number;
  /** Bytes of files in this run that an earlier run had already stored (resumed uploads): not sent again. */
  bytes_resumed: number;
  /** Requests that failed and were sent again (a flaky link shows here before any file fails). */
  retries: number;
}

/** Counters of one group (folder type or reel); times are seconds since the epoch. */
export interface GroupStatus {
  planned_files: number;
  planned_bytes: number;
  uploaded: number;
  skipped: number;
  failed: number;
  /** As in {@link TotalsStatus}. */
  bytes_uploaded: number;
  bytes_sent: number;
  bytes_done: number;
  bytes_skipped: number;
  bytes_failed: number;
  started_at: number;
  completed_at: number | null;
}

/**
 * A file being uploaded now; `bytes` counts its content sent or stored by an earlier run, each byte once (at most
 * `size`).
 */
export interface InFlightStatus {
  file: string;
  group: string;
  bytes: number;
  size: number;
  /**
   * Of `bytes`, those the server holds for the next run to resume: parts an earlier run stored and parts this run
   * had answered. The rest were in requests not yet answered. Absent from files older writers wrote.
   */
  bytes_stored?: number;
  /** The file's last failed request, while the file waits to send it again and until it sends a byte more. */
  retry?: RetryStatus;
}

/** A failed request about to be sent again; `resume_at` in seconds since the epoch. */
export interface RetryStatus {
  /** The attempt that failed, and how many are made before the file fails. */
  attempt: number;
  attempts: number;
  reason: string;
  resume_at: number;
}

/** One failed file, as kept in the bounded `errors` list. */
export interface ErrorStatus {
  file: string;
  key: string;
  error: string;
}

/** Why a run ended in `failed` or `interrupted`: the one-line message and the exit code it ends with. */
export interface RunErrorStatus {
  message: string;
  exit_code: number;
  meaning: string;
}

/** The fields whose names do not depend on the group key. */
export interface StatusSnapshotFields {
  started_at: number;
  phase: Phase;
  current_file: string | null;
  current_file_bytes: number;
  current_file_size: number;
  totals: TotalsStatus;
  last_update: number;
  /** Bytes per second over the last seconds while the run goes on; over its whole time once it has ended. */
  rate_bytes_per_sec: number;
  eta_seconds: number | null;
  in_flight: InFlightStatus[];
  errors: ErrorStatus[];
  /** What ended the run, when an error did (null while running and after a run that ended normally). */
  run_error: RunErrorStatus | null;
  /** Names the key that holds the group map, so readers need not guess it. */
  group_key: string;
  pid: number;
  version: 1;
}

/**
 * A full snapshot: the fixed fields plus `current_<singular>` (string or null) and `<group_key>`
 * (a map of {@link GroupStatus}). Read those two through {@link readGroups} and {@link readCurrentGroup}.
 */
export type StatusSnapshot = StatusSnapshotFields & Record<string, unknown>;

/** The fields of a snapshot whose names do not depend on the group key, but for the `current_` ones. */
const FIXED_FIELDS = new Set([
  'started_at',
  'phase',
  'totals',
  'last_update',
  'rate_bytes_per_sec',
  'eta_seconds',
  'in_flight',
  'errors',
  'run_error',
  'group_key',
  'pid',
  'version',
]);

/** True when a group map stored under `groupKey` would overwrite a fixed field or a `current_` one, or it is empty. */
export function isReservedGroupKey(groupKey: string): boolean {
  return groupKey === '' || FIXED_FIELDS.has(groupKey) || groupKey.startsWith('current_');
}

/**
 * Returns the name of the current-group field for a group key: the key without a trailing `s`,
 * prefixed with `current_` (`folder_types` → `current_folder_type`, `reels` → `current_reel`).
 */
export function currentGroupField(groupKey: string): string {
  return `current_${groupKey.replace(/s$/, '')}`;
}

/** Returns the group map of a snapshot, or an empty map when the snapshot has none. */
export function readGroups(snapshot: StatusSnapshot): Record<string, GroupStatus> {
  const groups = snapshot[snapshot.group_key];
  return isPlainObject(groups) ? (groups as Record<string, GroupStatus>) : {};
}

/** Returns the current group of a snapshot, or null when no group is current. */
export function readCurrentGroup(snapshot: StatusSnapshot): string | null {
  const current = snapshot[currentGroupField(snapshot.group_key)];
  return typeof current === 'string' ? current : null;
}

/** Returns run-wide counters at zero. */
export function createTotals(): TotalsStatus {
  return {
    files: 0,
    uploaded: 0,
    skipped: 0,
    failed: 0,
    bytes_uploaded: 0,
    bytes_sent: 0,
    bytes_planned: 0,
    bytes_done: 0,
    bytes_skipped: 0,
    bytes_failed: 0,
    bytes_resumed: 0,
    retries: 0,
  };
}

/** Returns the counters of a group started at `startedAtSeconds`, at zero and not completed. */
export function createGroupStatus(startedAtSeconds: number): GroupStatus {
  return {
    planned_files: 0,
    planned_bytes: 0,
    uploaded: 0,
    skipped: 0,
    failed: 0,
    bytes_uploaded: 0,
    bytes_sent: 0,
    bytes_done: 0,
    bytes_skipped: 0,
    bytes_failed: 0,
    started_at: startedAtSeconds,
    completed_at: null,
  };
}

/** True when nothing in the run will change any more. */
export function isFinalPhase(phase: Phase): boolean {
  return FINAL_PHASES.includes(phase);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
