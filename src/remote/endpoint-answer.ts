import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../errors.js';
import { formatCount } from '../status/format.js';
import { describeNoAnswer, proxyNoAnswerAdvice } from './classify-error.js';

/** How long and how often to ask an endpoint that has not answered yet. */
export interface AnswerWait {
  /** Named in every message: the endpoint URL as configured. */
  endpointName: string;
  /** Give up once this much time has passed without any HTTP answer. */
  budgetMs: number;
  maxAttempts: number;
  /** Waits between attempts; the last one repeats. */
  delaysMs: readonly number[];
  /** What to check, ending the message; by default the endpoint's address, the server and the network. */
  advice?: string | undefined;
  /**
   * Told before each retry, in the words of the other retries:
   * `retrying connect to endpoint http://127.0.0.1:1 in 0.5s: attempt 1 of 12 failed: connection refused`.
   */
  onRetry: (message: string) => void;
  signal: AbortSignal;
}

/** How the first exchange with an endpoint went: it said yes, or it answered something (an HTTP error, say). */
export type FirstAnswer = 'ok' | 'answered';

/**
 * Sends `probe` (one request without retries of its own) until the endpoint answers at all, for at most
 * `budgetMs`. An endpoint that never answers (connection refused, unknown host, unreachable, connect timeouts)
 * is a configuration problem, not a passing fault: it is reported after seconds, not after the minute that the
 * retries meant for a server that answered once would take. Any other failure (an HTTP error, a reset
 * connection) ends the wait as `answered`: the normal requests and their retries take over.
 * @throws ConfigError naming the endpoint when nothing answered within the budget; the probe's own error when
 * `signal` aborts.
 */
export async function waitForFirstAnswer(
  probe: (signal: AbortSignal) => Promise<void>,
  wait: AnswerWait,
): Promise<FirstAnswer> {
  const startedMs = Date.now();
  let reason = 'no answer';
  let proxyAdvice: string | undefined;
  let attempt = 1;
  for (; attempt <= wait.maxAttempts; attempt++) {
    const remainingMs = wait.budgetMs - (Date.now() - startedMs);
    if (remainingMs <= 0) break;
    const outcome = await tryOnce(probe, remainingMs, wait.signal);
    if (outcome.answer !== undefined) return outcome.answer;
    ({ reason, proxyAdvice } = outcome);
    if (attempt === wait.maxAttempts || Date.now() - startedMs >= wait.budgetMs) break;
    const delayMs = wait.delaysMs[Math.min(attempt - 1, wait.delaysMs.length - 1)] ?? 0;
    wait.onRetry(
      `retrying connect to endpoint ${wait.endpointName} in ${(delayMs / 1000).toFixed(1)}s: ` +
        `attempt ${attempt} of ${wait.maxAttempts} failed: ${reason}`,
    );
    await sleep(delayMs, undefined, { signal: wait.signal });
  }
  const seconds = ((Date.now() - startedMs) / 1000).toFixed(1);
  const attempts = Math.min(attempt, wait.maxAttempts);
  throw new ConfigError(
    `connect to endpoint ${wait.endpointName}: ${reason}, no answer to ${formatCount(attempts, 'attempt')} in ${seconds} s; ` +
      (proxyAdvice ?? wait.advice ?? ENDPOINT_ADVICE),
  );
}

const ENDPOINT_ADVICE =
  'check endpoint_url / --endpoint (scheme, host and port), that the server runs, and the network';

/**
 * The advice for an endpoint that never answered when requests go to the bucket's own host name under it
 * (`force_path_style: false`): most S3-compatible servers serve buckets only as a path.
 */
export function virtualHostAdvice(endpoint: string, bucket: string): string {
  const url = new URL(endpoint);
  return (
    `requests go to the bucket's own host ${bucket}.${url.host} (force_path_style: false): set ` +
    `force_path_style: true for a server that serves buckets as paths (Ceph RGW, MinIO, Swift), or ${ENDPOINT_ADVICE}`
  );
}

async function tryOnce(
  probe: (signal: AbortSignal) => Promise<void>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<
  | { answer: FirstAnswer; reason?: undefined }
  | { answer?: undefined; reason: string; proxyAdvice?: string | undefined }
> {
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    await probe(AbortSignal.any([signal, deadline]));
    return { answer: 'ok' };
  } catch (error) {
    // the probe itself found the setting wrong (an HTTPS port behind http://): no answer will come
    if (signal.aborted || error instanceof ConfigError) throw error;
    if (deadline.aborted) return { reason: `no answer within ${Math.ceil(timeoutMs / 1000)} s` };
    const reason = describeNoAnswer(error);
    return reason === undefined
      ? { answer: 'answered' }
      : { reason, proxyAdvice: proxyNoAnswerAdvice(error) };
  }
}
