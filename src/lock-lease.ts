/** What one refresh of a held lock found: still ours, or taken by someone else (or removed). */
export type RefreshOutcome = 'held' | 'lost';

/** A running refresh timer. */
export interface LeaseKeeper {
  /** Stops the timer and waits for a refresh in progress, so nothing rewrites the lock after release. */
  stop(): Promise<void>;
}

/**
 * Calls `refresh` every `refreshMs` on an unref'd timer (a held lock never keeps the process alive). The
 * first 'lost' stops the timer and calls `onLost` once. A refresh that throws (a busy disk, a network
 * hiccup) is tried again at the next tick: the lease is ten ticks long.
 */
export function keepLease(options: {
  refreshMs: number;
  refresh: () => Promise<RefreshOutcome>;
  onLost: () => void;
}): LeaseKeeper {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = async () => {
    const outcome = await options.refresh().catch(() => 'held' as const);
    if (outcome === 'lost' && !stopped) {
      stopped = true;
      clearInterval(timer);
      options.onLost();
    }
  };
  const timer = setInterval(() => {
    // a refresh slower than the period is not stacked on another
    if (running || stopped) return;
    running = tick().finally(() => (running = undefined));
  }, options.refreshMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
