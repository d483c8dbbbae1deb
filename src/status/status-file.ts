import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, describeFsError } from '../errors.js';
import { isProcessAlive } from '../process-alive.js';
import type { HeartbeatFile, RunIdentity } from './heartbeat.js';
import {
  createGroupStatus,
  createTotals,
  currentGroupField,
  isReservedGroupKey,
  type ErrorStatus,
  type GroupStatus,
  type InFlightStatus,
  type RetryStatus,
  type Phase,
  type RunErrorStatus,
  type StatusSnapshot,
} from './status-snapshot.js';

/** A status file as read back; the heartbeat's own fields are absent in files from older writers. */
export type StatusFileContent = StatusSnapshot &
  Partial<Pick<HeartbeatFile, 'heartbeat_interval_ms' | 'hostname' | keyof RunIdentity>>;

const IDENTITY_FIELDS = [
  'project_key',
  'source',
  'destination',
  'resume_advice',
  'timestamp_folder',
] as const satisfies ReadonlyArray<keyof RunIdentity>;

const REREAD_DELAY_MS = 100;
const IN_FLIGHT_TEMPLATE: InFlightStatus = { file: '', group: '', bytes: 0, size: 0 };
const RETRY_TEMPLATE: RetryStatus = { attempt: 0, attempts: 0, reason: '', resume_at: 0 };
const ERROR_TEMPLATE: ErrorStatus = { file: '', key: '', error: '' };

/**
 * Reads the status JSON another process writes. A read that fails (but for a file that is not there) or does not
 * parse is retried once, because on Windows the writer's rename can briefly hold the file. Missing fields get
 * defaults (zero counters, no files in flight), so files from the Python tracker, which lack the version 1
 * additions, still read.
 * @throws ConfigError when the file cannot be read or is not a status file, twice in a row.
 */
export async function readStatusFile(path: string): Promise<StatusFileContent> {
  try {
    return await readOnce(path);
  } catch (error) {
    // a rename replaces the file whole: one that is not there was not being written
    if (((error as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw error;
    await sleep(REREAD_DELAY_MS);
  }
  return readOnce(path);
}

async function readOnce(path: string): Promise<StatusFileContent> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`read status file ${path}: ${describeReadFailure(error)}`, { cause: error });
  }
  return normalize(raw, path);
}

function describeReadFailure(error: unknown): string {
  if (error instanceof SyntaxError) return `not JSON (${error.message}); pass the path of a status JSON file`;
  if ((error as NodeJS.ErrnoException).code === 'ENOENT')
    return 'file not found; is an upload running with this status path?';
  return `${describeFsError(error)}; check that the file is readable`;
}

function normalize(raw: unknown, path: string): StatusFileContent {
  if (!isObject(raw) || !isObject(raw['totals'])) {
    throw new ConfigError(
      `read status file ${path}: no "totals" object; pass the path of a status JSON file`,
    );
  }
  const groupKey = typeof raw['group_key'] === 'string' ? raw['group_key'] : guessGroupKey(raw);
  const current = raw[currentGroupField(groupKey)];
  return {
    ...raw,
    started_at: numberOr(raw['started_at'], 0),
    phase: (typeof raw['phase'] === 'string' ? raw['phase'] : 'uploading') as Phase,
    [currentGroupField(groupKey)]: typeof current === 'string' ? current : null,
    current_file: typeof raw['current_file'] === 'string' ? raw['current_file'] : null,
    current_file_bytes: numberOr(raw['current_file_bytes'], 0),
    current_file_size: numberOr(raw['current_file_size'], 0),
    totals: normalizeCounters(raw['totals'], createTotals()),
    [groupKey]: normalizeGroups(raw[groupKey]),
    last_update: numberOr(raw['last_update'], 0),
    rate_bytes_per_sec: numberOr(raw['rate_bytes_per_sec'], 0),
    eta_seconds: typeof raw['eta_seconds'] === 'number' ? raw['eta_seconds'] : null,
    in_flight: normalizeInFlight(raw['in_flight']),
    errors: normalizeList(raw['errors'], ERROR_TEMPLATE),
    run_error: normalizeRunError(raw['run_error']),
    group_key: groupKey,
    pid: numberOr(raw['pid'], 0),
    version: 1,
    ...(typeof raw['heartbeat_interval_ms'] === 'number'
      ? { heartbeat_interval_ms: raw['heartbeat_interval_ms'] }
      : {}),
    ...(typeof raw['hostname'] === 'string' ? { hostname: raw['hostname'] } : {}),
    ...Object.fromEntries(IDENTITY_FIELDS.flatMap((name) => stringField(raw, name))),
  };
}

function normalizeRunError(raw: unknown): RunErrorStatus | null {
  if (!isObject(raw) || typeof raw['message'] !== 'string') return null;
  const exitCode = numberOr(raw['exit_code'], 1);
  return {
    message: raw['message'],
    exit_code: exitCode,
    meaning: typeof raw['meaning'] === 'string' ? raw['meaning'] : '',
  };
}

/** Older files have no `group_key`: the group map is the one object besides those of fixed names (`totals`). */
function guessGroupKey(raw: Record<string, unknown>): string {
  const key = Object.keys(raw).find((name) => !isReservedGroupKey(name) && isObject(raw[name]));
  return key ?? 'folder_types';
}

/** Takes each field of `template` from `raw` when it is a number there, else keeps the template's value. */
function normalizeCounters<T extends object>(raw: unknown, template: T): T {
  const source = isObject(raw) ? raw : {};
  const fields = Object.entries(template as Record<string, unknown>).map(([name, fallback]) => [
    name,
    numberOr(source[name], fallback),
  ]);
  return Object.fromEntries(fields) as T;
}

/** Keeps the objects of a list, each with the fields of `template`, taken from it when of the same type. */
function normalizeList<T extends object>(raw: unknown, template: T): T[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(isObject).map((item) => {
    const fields = Object.entries(template as Record<string, unknown>).map(([name, fallback]) => [
      name,
      typeof item[name] === typeof fallback ? item[name] : fallback,
    ]);
    return Object.fromEntries(fields) as T;
  });
}

/** Files in flight, each with its pending retry when it has one. */
function normalizeInFlight(raw: unknown): InFlightStatus[] {
  const objects = Array.isArray(raw) ? raw.filter(isObject) : [];
  return normalizeList(objects, IN_FLIGHT_TEMPLATE).map((entry, index) => {
    const retry = objects[index]?.['retry'];
    // optional: a file older writers wrote does not say what of a file's bytes the server held
    const stored = objects[index]?.['bytes_stored'];
    const withStored = typeof stored === 'number' ? { ...entry, bytes_stored: stored } : entry;
    return isObject(retry)
      ? { ...withStored, retry: normalizeList([retry], RETRY_TEMPLATE)[0]! }
      : withStored;
  });
}

function normalizeGroups(raw: unknown): Record<string, GroupStatus> {
  if (!isObject(raw)) return {};
  const groups = Object.entries(raw).map(([name, group]) => [
    name,
    normalizeCounters(group, createGroupStatus(0)),
  ]);
  return Object.fromEntries(groups) as Record<string, GroupStatus>;
}

function numberOr<F>(value: unknown, fallback: F): number | F {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(raw: Record<string, unknown>, name: string): Array<[string, string]> {
  const value = raw[name];
  return typeof value === 'string' ? [[name, value]] : [];
}

/**
 * Whether the process that wrote `file` has ended on this machine without writing a final phase (a crash, a kill).
 * A pid means something only on the machine that wrote it; the file may sit on a network share.
 */
export function isWriterGone(
  file: Pick<StatusFileContent, 'pid' | 'hostname'>,
  isAlive: (pid: number) => boolean = isProcessAlive,
): boolean {
  return file.pid > 0 && file.hostname === hostname() && !isAlive(file.pid);
}
