import { setMaxListeners } from 'node:events';

/** The signals that stop a run gracefully. */
export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGBREAK';

/** The two stop signals of a run and how it was stopped. */
export interface Interrupts {
  /** Aborted on the first Ctrl+C or SIGTERM: nothing new starts. */
  readonly soft: AbortSignal;
  /** Aborted after the grace period, on a second signal, or on a run-fatal error: in-flight requests stop. */
  readonly hard: AbortSignal;
  /** True once a signal (not a fatal error) stopped the run. */
  readonly interrupted: boolean;
  /** True once a second signal stopped the run at once: it has told the user, and says nothing more. */
  readonly stoppedAtOnce: boolean;
  /** Stops everything now, as for a fatal error. */
  abortAll(reason: unknown): void;
  /**
   * Stops as for a fatal error, but lets requests in flight end: a server that stored one object without a
   * setting stores the others in flight alike, and each must be known to be counted and logged.
   */
  stopStarting(reason: unknown): void;
  /**
   * Registers a synchronous step for a second signal (tell the user, write the final status). The run then
   * unwinds as after the grace period: its locks are released and its journals keep every part confirmed.
   */
  onStopNow(hook: () => void): void;
  /**
   * Registers a synchronous last step for a run that has not unwound within the exit deadline of a second
   * signal (release the run lock): the process exits right after it.
   */
  onForcedExit(hook: () => void): void;
  /** Registers what to tell the user when the first signal arrives (the run is stopping, and how to stop it now). */
  onStopping(hook: (signal: StopSignal) => void): void;
  /** Removes the signal handlers; a pending forced exit no longer keeps the process alive. */
  dispose(): void;
}

/**
 * Why a signal stopped the run: the reason its abort signals carry. A run stopped so keeps every upload its
 * journals name for the next run to resume; one stopped by its own error (`abortAll`) carries that error instead.
 */
export class SignalStop extends Error {}

/** Whether an abort signal's reason is a signal's stop, not a run-fatal error's. */
export function isStopBySignal(reason: unknown): boolean {
  return reason instanceof SignalStop;
}

/**
 * Parts in flight get this long to finish after the first signal. Shorter than the shortest kill window a run
 * commonly meets after its first signal (GitHub Actions sends SIGTERM 7.5 s after SIGINT, Docker kills 10 s
 * after SIGTERM), so that the run still unwinds on its own, its locks released, before it is killed.
 */
export const GRACE_MS = 6_000;

/**
 * How long a run has to unwind after a second signal before it exits without unwinding. Within the 2.5 s
 * GitHub Actions leaves between its SIGTERM and its SIGKILL.
 */
export const EXIT_DEADLINE_MS = 1_500;

/** What the first signal prints: the run is stopping, and how to stop it at once with the same kind of signal. */
export function describeStopping(signal: StopSignal): string {
  const named = signal === 'SIGTERM' ? 'SIGTERM; ' : '';
  const grace = `${GRACE_MS / 1000}s`;
  return `Stopping: letting parts in flight finish, up to ${grace} (${named}${stopAgain(signal, 'at once')})...`;
}

/** How the drain line of a stopping run says to stop it at once: with the same kind of signal as the first. */
export function describeStopAgain(signal: StopSignal): string {
  return stopAgain(signal, 'now');
}

function stopAgain(signal: StopSignal, when: string): string {
  switch (signal) {
    case 'SIGINT':
      return `Ctrl+C again to stop ${when}`;
    case 'SIGBREAK':
      return `Ctrl+Break again to stop ${when}`;
    case 'SIGTERM':
      return `a second signal stops ${when}`;
  }
}

/**
 * Wires SIGINT/SIGTERM (and SIGBREAK on Windows) to a graceful stop: the first lets in-flight parts
 * finish for `graceMs` so their journal entries are kept; the second stops in-flight requests at once, so the
 * run unwinds (locks released, journals saved), and if it has not within `exitDeadlineMs`, runs the forced-exit
 * steps and calls `onForce`. SIGHUP (the terminal went away; on Windows, the console window was closed, and
 * Windows ends the process about 10 s later) stops in-flight requests at once, so the run still unwinds.
 */
export function watchInterrupts(options: {
  graceMs: number;
  exitDeadlineMs?: number;
  onFirst?: (signal: StopSignal) => void;
  onForce?: () => void;
}): Interrupts {
  const soft = new AbortController();
  const hard = new AbortController();
  // every request in flight listens to these (the SDK adds one listener per request): no leak warning at 11
  setMaxListeners(0, soft.signal, hard.signal);
  let interrupted = false;
  let stoppedAtOnce = false;
  let graceTimer: NodeJS.Timeout | undefined;
  let exitTimer: NodeJS.Timeout | undefined;
  const stopNowSteps: Array<() => void> = [];
  const lastSteps: Array<() => void> = [];
  const stoppingSteps: Array<(signal: StopSignal) => void> = [];
  const forceExit = () => {
    for (const step of lastSteps.splice(0)) runSafely(step);
    options.onForce?.();
  };
  const stopNow = () => {
    stoppedAtOnce = true;
    hard.abort(new SignalStop('stopped at once by a second signal'));
    for (const step of stopNowSteps.splice(0)) runSafely(step);
    // ref'd until the run has unwound (dispose): something that ignores the abort must not keep the run alive
    exitTimer = setTimeout(forceExit, options.exitDeadlineMs ?? EXIT_DEADLINE_MS);
  };
  const onSignal = (signal: StopSignal) => {
    if (stoppedAtOnce) return;
    if (interrupted) return stopNow();
    interrupted = true;
    soft.abort(new SignalStop('stopped by signal'));
    if (stoppingSteps.length > 0) for (const step of stoppingSteps) step(signal);
    else options.onFirst?.(signal);
    graceTimer = setTimeout(() => hard.abort(new SignalStop('grace period over')), options.graceMs);
    graceTimer.unref();
  };
  const onHangUp = () => {
    onSignal('SIGTERM');
    hard.abort(new SignalStop('stopped by hang-up'));
  };
  const signals: StopSignal[] =
    process.platform === 'win32' ? ['SIGINT', 'SIGTERM', 'SIGBREAK'] : ['SIGINT', 'SIGTERM'];
  for (const name of signals) process.on(name, onSignal);
  process.on('SIGHUP', onHangUp);
  return {
    soft: soft.signal,
    hard: hard.signal,
    get interrupted() {
      return interrupted;
    },
    get stoppedAtOnce() {
      return stoppedAtOnce;
    },
    abortAll(reason) {
      soft.abort(reason);
      hard.abort(reason);
    },
    stopStarting(reason) {
      soft.abort(reason);
    },
    onStopNow(hook) {
      stopNowSteps.push(hook);
    },
    onForcedExit(hook) {
      lastSteps.push(hook);
    },
    onStopping(hook) {
      stoppingSteps.push(hook);
    },
    dispose() {
      if (graceTimer) clearTimeout(graceTimer);
      exitTimer?.unref();
      for (const name of signals) process.off(name, onSignal);
      process.off('SIGHUP', onHangUp);
    },
  };
}

/** A failing last step must not keep the ones after it, or the exit, from running. */
function runSafely(step: () => void): void {
  try {
    step();
  } catch {
    // nothing left to report to: the process is stopping
  }
}
