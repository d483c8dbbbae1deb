import { isStopBySignal, SignalStop } from '../interrupt.js';
import { monotonicMs } from '../monotonic-clock.js';
import { formatBytes } from '../status/format.js';
import { RateWindow } from '../status/rate-window.js';
import type { TransferContext } from './transfer-context.js';

/**
 * One request body in flight (a part, or a file sent whole) as the run's stop sees it: its signal ends when the
 * run's hard signal does, or sooner when a stop gives it up to let others finish.
 */
export interface Flight {
  readonly signal: AbortSignal;
  /** Counts `bytes` of the body as gone out. */
  sent(bytes: number): void;
  /** The request ended (stored or failed): a stop no longer weighs it. */
  end(): void;
}

/** Opens the flights of a run and, at its first stop signal, chooses which of those open may finish. */
export interface StopTriage {
  start(lengthBytes: number): Flight;
}

/** The link's rate is read over the last few seconds: a stop follows what the link carries now. */
const RATE_WINDOW_MS = 5_000;
/** With less than a second of history the rate is a guess: every request in flight is let finish. */
const MIN_RATE_SPAN_MS = 1_000;
/** The window's buckets: fine enough for a window of a few seconds. */
const RATE_BUCKET_MS = 250;
/**
 * How long after the stop the requests in flight are weighed: the rate they get then, with nothing new started,
 * is the one they will have; a link stalled before the stop may run again.
 */
export const OBSERVE_MS = 500;
/**
 * The share of the grace period's bytes the kept requests may need: the link may slow down, and a request that
 * has sent its last byte still waits for the server's answer.
 */
const GRACE_SHARE = 0.6;

/**
 * Which of the requests in flight, by the bytes each has left, the link can carry within the grace period at
 * `bytesPerSecond`: those with the fewest left first, and always the one nearest its end (given the whole link,
 * it may finish where it could not before). All of them when the rate is unknown.
 */
export function chooseFlightsToKeep(
  remainingBytes: readonly number[],
  bytesPerSecond: number | undefined,
  graceMs: number,
): Set<number> {
  const order = remainingBytes.map((_, i) => i).sort((a, b) => remainingBytes[a]! - remainingBytes[b]!);
  if (bytesPerSecond === undefined) return new Set(order);
  const budget = bytesPerSecond * (graceMs / 1000) * GRACE_SHARE;
  const kept = new Set<number>();
  let needed = 0;
  for (const i of order) {
    needed += remainingBytes[i]!;
    if (kept.size > 0 && needed > budget) break;
    kept.add(i);
  }
  return kept;
}

interface OpenFlight {
  lengthBytes: number;
  sentBytes: number;
  controller: AbortController;
}

/**
 * Parts in flight share the link: on a slow one (a hotel's Wi-Fi, `--max-bandwidth`) sixteen of them each need
 * far longer than the grace period, none ends within it, and a stop loses every byte they sent. At the first stop
 * signal, when the link cannot carry all of them within the grace period, this gives up all but those it can (by
 * {@link chooseFlightsToKeep}, at the rate of the last seconds, the half second after the stop included: a link
 * stalled before it may run again), so that those get the whole link and are kept.
 * A stop for an error (`soft` aborted with no signal's reason) lets every request end, as it must.
 */
export function createStopTriage(options: {
  soft: AbortSignal;
  hard: AbortSignal;
  graceMs: number;
  debug?: (message: string) => void;
  now?: () => number;
  /** Runs the triage `ms` after the stop; a timer that keeps no process alive unless a test runs it itself. */
  schedule?: (run: () => void, ms: number) => void;
}): StopTriage {
  const now = options.now ?? monotonicMs;
  const schedule = options.schedule ?? ((run, ms) => setTimeout(run, ms).unref());
  const open = new Set<OpenFlight>();
  // from the first request on: the time before it (planning, hashing) is no time of the link's
  let window: RateWindow | undefined;
  const rate = (): number | undefined => {
    const reading = window?.read(now());
    return reading === undefined || reading.measuredMs < MIN_RATE_SPAN_MS
      ? undefined
      : reading.bytesPerSecond;
  };
  const triage = (stoppedAt: number) => {
    if (options.hard.aborted || open.size === 0) return;
    const at = now();
    const bytesPerSecond = rate();
    const flights = [...open];
    const remaining = flights.map((f) => Math.max(f.lengthBytes - f.sentBytes, 0));
    const graceLeftMs = options.graceMs - (at - stoppedAt);
    const all = remaining.reduce((sum, bytes) => sum + bytes, 0);
    // parts the link carries within the grace period all end: none is given up for a margin's sake
    if (bytesPerSecond === undefined || all <= (bytesPerSecond * graceLeftMs) / 1000) return;
    const kept = chooseFlightsToKeep(remaining, bytesPerSecond, graceLeftMs);
    const givenUp = new SignalStop(
      'given up at the stop: the link could not carry it within the grace period',
    );
    flights.forEach((flight, i) => kept.has(i) || flight.controller.abort(givenUp));
    const keptBytes = [...kept].reduce((sum, i) => sum + remaining[i]!, 0);
    options.debug?.(
      `stopping: ${kept.size} of ${flights.length} requests in flight may finish (${formatBytes(keptBytes)} left ` +
        `at ${formatBytes(bytesPerSecond)}/s); the others are given up now and sent again by the next run`,
    );
  };
  // one listener for all: a listener per request would cost each small file more than its flight does
  options.hard.addEventListener(
    'abort',
    () => {
      for (const flight of open) flight.controller.abort(options.hard.reason);
    },
    { once: true },
  );
  options.soft.addEventListener(
    'abort',
    () => {
      if (!isStopBySignal(options.soft.reason)) return;
      const stoppedAt = now();
      schedule(() => triage(stoppedAt), OBSERVE_MS);
    },
    { once: true },
  );
  return {
    start(lengthBytes) {
      const flight: OpenFlight = { lengthBytes, sentBytes: 0, controller: new AbortController() };
      const { signal } = flight.controller;
      if (options.hard.aborted) flight.controller.abort(options.hard.reason);
      open.add(flight);
      window ??= new RateWindow(now(), RATE_WINDOW_MS, RATE_BUCKET_MS);
      return {
        signal,
        sent(bytes) {
          flight.sentBytes += bytes;
          window!.record(bytes, now());
        },
        end() {
          open.delete(flight);
        },
      };
    },
  };
}

/**
 * Runs one request body's sending as a flight of the run's triage (when it has one): `send` gets a context whose
 * hard signal also ends when a stop gives the request up, and the flight to count its bytes on.
 */
export async function sendInFlight<T>(
  ctx: TransferContext,
  lengthBytes: number,
  send: (ctx: TransferContext, flight: Flight | undefined) => Promise<T>,
): Promise<T> {
  const flight = ctx.flights?.start(lengthBytes);
  if (!flight) return send(ctx, undefined);
  try {
    return await send({ ...ctx, hardSignal: flight.signal }, flight);
  } finally {
    flight.end();
  }
}
