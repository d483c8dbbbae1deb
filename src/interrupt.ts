import { setMaxListeners } from 'node:events';

/** The two stop signals of a run and how it was stopped. */
export interface Interrupts {
  /** Aborted on the first Ctrl+C or SIGTERM: nothing new starts. */
  readonly soft: AbortSignal;
  /** Aborted after the grace period, on a second Ctrl+C, or on a run-fatal error: in-flight requests stop. */
  readonly hard: AbortSignal;
  /** True once a signal (not a fatal error) stopped the run. */
  readonly interrupted: boolean;
  /** Stops everything now, as for a fatal error. */
  abortAll(reason: unknown): void;
  /** Registers a synchronous last step (the final status write) for a second signal, which exits at once. */
  onForcedExit(hook: () => void): void;
  /** Registers what to tell the user when the first signal arrives (the run is stopping, and how to stop it now). */
  onStopping(hook: () => void): void;
  /** Removes the signal handlers. */
  dispose(): void;
}

/**
 * Wires SIGINT/SIGTERM (and SIGBREAK on Windows) to a graceful stop: the first lets in-flight parts
 * finish for `graceMs` so their journal entries are kept, the second stops at once and calls `onForce`.
 * SIGHUP (the terminal went away; on Windows, the console window was closed, and Windows ends the process
 * about 10 s later) stops in-flight requests at once, so the run still unwinds: final status, lock released.
 */
export function watchInterrupts(options: {
  graceMs: number;
  onFirst?: () => void;
  onForce?: () => void;
}): Interrupts {
  const soft = new AbortController();
  const hard = new AbortController();
  // every request in flight listens to these (the SDK adds one listener per request): no leak warning at 11
  setMaxListeners(0, soft.signal, hard.signal);
  let interrupted = false;
  let graceTimer: NodeJS.Timeout | undefined;
  const lastSteps: Array<() => void> = [];
  const stoppingSteps: Array<() => void> = [];
  const onHangUp = () => {
    onSignal();
    hard.abort(new Error('stopped by hang-up'));
  };
  const onSignal = () => {
    if (interrupted) {
      hard.abort(new Error('stopped at once by a second signal'));
      for (const step of lastSteps.splice(0)) step();
      options.onForce?.();
      return;
    }
    interrupted = true;
    soft.abort(new Error('stopped by signal'));
    if (stoppingSteps.length > 0) for (const step of stoppingSteps) step();
    else options.onFirst?.();
    graceTimer = setTimeout(() => hard.abort(new Error('grace period over')), options.graceMs);
    graceTimer.unref();
  };
  const signals: NodeJS.Signals[] =
    process.platform === 'win32' ? ['SIGINT', 'SIGTERM', 'SIGBREAK'] : ['SIGINT', 'SIGTERM'];
  for (const name of signals) process.on(name, onSignal);
  process.on('SIGHUP', onHangUp);
  return {
    soft: soft.signal,
    hard: hard.signal,
    get interrupted() {
      return interrupted;
    },
    abortAll(reason) {
      soft.abort(reason);
      hard.abort(reason);
    },
    onForcedExit(hook) {
      lastSteps.push(hook);
    },
    onStopping(hook) {
      stoppingSteps.push(hook);
    },
    dispose() {
      if (graceTimer) clearTimeout(graceTimer);
      for (const name of signals) process.off(name, onSignal);
      process.off('SIGHUP', onHangUp);
    },
  };
}
