import { randomUUID } from 'node:crypto';

/** A holder whose start time cannot be checked is live while it refreshes within this lease. */
export const LOCK_LEASE_MS = 10 * 60 * 1000;
/** How often a held lock is refreshed: well inside the lease, so a busy machine never lets it lapse. */
export const LOCK_REFRESH_MS = 60 * 1000;
/**
 * Start times this close count as one: `/proc/stat` derives `btime` from the wall clock, which moves it by a
 * second now and then, while a reused pid belongs to a process started at another moment.
 */
const START_TIME_TOLERANCE_MS = 1000;

/** Who holds a lock, as recorded in the lock file or lock object. Times are ms since the epoch. */
export interface LockHolder {
  host: string;
  pid: number;
  /** When the holding process started, where the OS says so cheaply (Linux); undefined elsewhere. */
  processStartMs?: number | undefined;
  /** Random per acquisition: only the process holding this token may refresh or remove the lock. */
  token: string;
  acquiredAt: number;
  refreshedAt: number;
  /** Where the holding run writes its status file: `status` finds a running upload's wherever `--status-json` put it. */
  statusFile?: string | undefined;
}

/** What this machine says, now, about the process a lock names. */
export interface HolderObservation {
  host: string;
  nowMs: number;
  leaseMs: number;
  /** The pid exists (EPERM counts: another user's process exists). Only asked when the host is ours. */
  isAlive: boolean;
  /** The start time of the process that has the pid now, if known. */
  processStartMs: number | undefined;
}

export type LockVerdict = { state: 'live' | 'stale'; reason: string };

/** A new holder record for this process, with a fresh token. */
export function newLockHolder(
  identity: { host: string; pid: number; processStartMs: number | undefined },
  nowMs: number,
): LockHolder {
  return { ...identity, token: randomUUID(), acquiredAt: nowMs, refreshedAt: nowMs };
}

/**
 * Judges a holder by what the OS says, never by age alone. On the same host: a pid that is gone is stale; a
 * pid alive with a known, different start time is stale (reused); a pid alive with an equal start time is
 * live whatever its age (a suspended laptop). Otherwise (start time unknown, or another host sharing the
 * folder) the holder is live while it refreshed within the lease.
 */
export function judgeLockHolder(holder: LockHolder, seen: HolderObservation): LockVerdict {
  if (holder.host === seen.host) {
    if (!seen.isAlive) return { state: 'stale', reason: `process ${holder.pid} is gone` };
    if (holder.processStartMs !== undefined && seen.processStartMs !== undefined) {
      return Math.abs(holder.processStartMs - seen.processStartMs) <= START_TIME_TOLERANCE_MS
        ? { state: 'live', reason: `process ${holder.pid} is running` }
        : { state: 'stale', reason: `pid ${holder.pid} now belongs to another process` };
    }
  }
  return judgeLease(holder, seen.nowMs, seen.leaseMs);
}

/** Live while `refreshedAt` is within `leaseMs` of `nowMs`; the only rule for a holder on another machine. */
export function judgeLease(holder: LockHolder, nowMs: number, leaseMs: number): LockVerdict {
  const silentMs = nowMs - holder.refreshedAt;
  return silentMs <= leaseMs
    ? { state: 'live', reason: 'refreshed within the lease' }
    : { state: 'stale', reason: `not refreshed for ${Math.round(silentMs / 60_000)} min` };
}

/** `host H, pid P, since <ISO>` for messages. */
export function describeHolder(holder: LockHolder): string {
  return `host ${holder.host}, pid ${holder.pid}, since ${new Date(holder.acquiredAt).toISOString()}`;
}

/** The JSON of a lock file; times as ISO strings so a person reading it knows what they see. */
export function formatLockHolder(holder: LockHolder, fields: 'file' | 'object' = 'file'): string {
  return JSON.stringify({
    host: holder.host,
    pid: holder.pid,
    ...(fields === 'file' && holder.processStartMs !== undefined
      ? { processStartedAt: new Date(holder.processStartMs).toISOString() }
      : {}),
    token: holder.token,
    acquiredAt: new Date(holder.acquiredAt).toISOString(),
    refreshedAt: new Date(holder.refreshedAt).toISOString(),
    ...(fields === 'file' && holder.statusFile !== undefined ? { statusFile: holder.statusFile } : {}),
  });
}

/**
 * Reads a lock's JSON, or undefined when it is not one. A lock written by an earlier version
 * (`{pid, startedAt, hostname?}`) reads as a holder on `localHost` with no token, refreshed when it started.
 */
export function parseLockHolder(text: string, localHost: string): LockHolder | undefined {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || !isPid(raw.pid)) return undefined;
  if (typeof raw.token !== 'string') return parseEarlierLock(raw, raw.pid, localHost);
  const acquiredAt = toMs(raw.acquiredAt);
  const refreshedAt = toMs(raw.refreshedAt);
  if (typeof raw.host !== 'string' || acquiredAt === undefined || refreshedAt === undefined) return undefined;
  return {
    host: raw.host,
    pid: raw.pid,
    processStartMs: toMs(raw.processStartedAt),
    token: raw.token,
    acquiredAt,
    refreshedAt,
    ...(typeof raw.statusFile === 'string' ? { statusFile: raw.statusFile } : {}),
  };
}

function parseEarlierLock(
  raw: Record<string, unknown>,
  pid: number,
  localHost: string,
): LockHolder | undefined {
  if (typeof raw.startedAt !== 'number') return undefined;
  const host = typeof raw.hostname === 'string' ? raw.hostname : localHost;
  return { host, pid, token: '', acquiredAt: raw.startedAt, refreshedAt: raw.startedAt };
}

function isPid(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function toMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
