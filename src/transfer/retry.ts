import { setTimeout as sleep } from 'node:timers/promises';
import { classifyS3Error, type ErrorClass } from '../remote/classify-error.js';

/** How often and how patiently a request is retried. */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 10, baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * Runs `attempt` until it succeeds, the error is not retryable by {@link classifyS3Error},
 * attempts run out, or `signal` aborts (an abort during a wait rejects with the AbortError at once).
 * Backoff is exponential with jitter, see {@link backoffMs}.
 * `onRetry` sees each retried error (for --debug and the status file); `giveUp` may end the retries early.
 */
export async function withRetry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: {
    policy?: RetryPolicy;
    signal: AbortSignal;
    classify?: (error: unknown) => ErrorClass;
    onRetry?: (error: unknown, attemptNumber: number, delayMs: number) => void;
    /** Told of each attempt that succeeded. */
    onSuccess?: () => void;
    /** Asked before each retry: an error to throw instead of retrying (the link is gone), or undefined. */
    giveUp?: (error: unknown) => Error | undefined;
    random?: () => number;
  },
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  const classify = options.classify ?? classifyS3Error;
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      const result = await attempt(attemptNumber);
      options.onSuccess?.();
      return result;
    } catch (error) {
      if (options.signal.aborted || attemptNumber >= policy.attempts || classify(error) !== 'retryable')
        throw error;
      const stop = options.giveUp?.(error);
      if (stop) throw stop;
      const delayMs = backoffMs(attemptNumber, policy, options.random ?? Math.random);
      options.onRetry?.(error, attemptNumber, delayMs);
      await sleep(delayMs, undefined, { signal: options.signal });
    }
  }
}

/**
 * Exponential backoff with "equal" jitter: uniform in [c/2, c] for c = min(max, base·2^(n-1)), so waits spread
 * out without ever collapsing to an immediate retry of a throttled request.
 */
export function backoffMs(attemptNumber: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attemptNumber - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}
