import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../errors.js';
import type { HeartbeatFile } from './heartbeat.js';
import {
  currentGroupField,
  type GroupStatus,
  type Phase,
  type StatusSnapshot,
  type TotalsStatus,
} from './status-snapshot.js';

/** A status file as read back; the heartbeat's own fields are absent in files from older writers. */
export type StatusFileContent = StatusSnapshot &
  Partial<Pick<HeartbeatFile, 'heartbeat_interval_ms' | 'hostname'>>;

const REREAD_DELAY_MS = 100;

/**
 * Reads the status JSON another process writes. A read that fails or does not parse is retried once,
 * because on Windows the writer's rename can briefly hold the file. Missing fields get defaults
 * (zero counters, no files in flight), so files from the Python tracker, which lack the version 1
 * additions, still read.
 * @throws ConfigError when the file cannot be read or is not a status file, twice in a row.
 */
export async function readStatusFile(path: string): Promise<StatusFileContent> {
  try {
    return await readOnce(path);
  } catch {
    await sleep(REREAD_DELAY_MS);
  }
  return readOnce(path);
}

async function readOnce(path: string): Promise<StatusFileContent> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      `read status file ${path}: ${String(error)}; is an upload running with this status path?`,
      {
        cause: error,
      },
    );
  }
  return normalize(raw, path);
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
    totals: normalizeTotals(raw['totals']),
    [groupKey]: normalizeGroups(raw[groupKey]),
    last_update: numberOr(raw['last_update'], 0),
    rate_bytes_per_sec: numberOr(raw['rate_bytes_per_sec'], 0),
    eta_seconds: typeof raw['eta_seconds'] === 'number' ? raw['eta_seconds'] : null,
    in_flight: Array.isArray(raw['in_flight']) ? raw['in_flight'] : [],
    errors: Array.isArray(raw['errors']) ? raw['errors'] : [],
    group_key: groupKey,
    pid: numberOr(raw['pid'], 0),
    version: 1,
    ...(typeof raw['heartbeat_interval_ms'] === 'number'
      ? { heartbeat_interval_ms: raw['heartbeat_interval_ms'] }
      : {}),
    ...(typeof raw['hostname'] === 'string' ? { hostname: raw['hostname'] } : {}),
  };
}

/** Older files have no `group_key`: the group map is the one object besides `totals`. */
function guessGroupKey(raw: Record<string, unknown>): string {
  const key = Object.keys(raw).find((name) => name !== 'totals' && isObject(raw[name]));
  return key ?? 'folder_types';
}

function normalizeTotals(raw: unknown): TotalsStatus {
  const totals = isObject(raw) ? raw : {};
  return {
    files: numberOr(totals['files'], 0),
    uploaded: numberOr(totals['uploaded'], 0),
    skipped: numberOr(totals['skipped'], 0),
    failed: numberOr(totals['failed'], 0),
    bytes_uploaded: numberOr(totals['bytes_uploaded'], 0),
    bytes_planned: numberOr(totals['bytes_planned'], 0),
    bytes_done: numberOr(totals['bytes_done'], 0),
    bytes_skipped: numberOr(totals['bytes_skipped'], 0),
    bytes_failed: numberOr(totals['bytes_failed'], 0),
  };
}

function normalizeGroups(raw: unknown): Record<string, GroupStatus> {
  if (!isObject(raw)) return {};
  return Object.fromEntries(Object.entries(raw).map(([name, group]) => [name, normalizeGroup(group)]));
}

function normalizeGroup(raw: unknown): GroupStatus {
  const group = isObject(raw) ? raw : {};
  const totals = normalizeTotals(group);
  return {
    planned_files: numberOr(group['planned_files'], 0),
    planned_bytes: numberOr(group['planned_bytes'], 0),
    uploaded: totals.uploaded,
    skipped: totals.skipped,
    failed: totals.failed,
    bytes_uploaded: totals.bytes_uploaded,
    bytes_done: totals.bytes_done,
    bytes_skipped: totals.bytes_skipped,
    bytes_failed: totals.bytes_failed,
    started_at: numberOr(group['started_at'], 0),
    completed_at: typeof group['completed_at'] === 'number' ? group['completed_at'] : null,
  };
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
