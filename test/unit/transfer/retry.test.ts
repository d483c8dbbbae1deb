import { describe, expect, it, vi } from 'vitest';
import { SourceError } from '../../../src/errors.js';
import { backoffMs, DEFAULT_RETRY, withRetry, type RetryPolicy } from '../../../src/transfer/retry.js';

/** An error shaped like the SDK's: `name` is the S3 error code, `$metadata` carries the HTTP status. */
function s3Error(code: string, status?: number): Error {
  return Object.assign(new Error(code), {
    name: code,
    ...(status ? { $metadata: { httpStatusCode: status } } : {}),
  });
}

function networkError(code: string): Error {
  return Object.assign(new Error(`socket: ${code}`), { code });
}

const FAST: RetryPolicy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 };

/** An attempt function that fails with `errors` in turn, then returns 'done'. */
function failing(...errors: unknown[]) {
  return vi.fn(async (attemptNumber: number) => {
    const error = errors[attemptNumber - 1];
    if (error !== undefined) throw error;
    return 'done';
  });
}

describe('backoffMs', () => {
  const policy: RetryPolicy = { attempts: 10, baseDelayMs: 500, maxDelayMs: 30_000 };

  it('doubles the ceiling with each attempt and never waits less than half of it', () => {
    for (let n = 1; n <= 6; n++) {
      const ceiling = 500 * 2 ** (n - 1);
      expect(backoffMs(n, policy, () => 0)).toBe(ceiling / 2);
      expect(backoffMs(n, policy, () => 0.999_999)).toBeLessThanOrEqual(ceiling);
      expect(backoffMs(n, policy, () => 0.999_999)).toBeGreaterThan(ceiling * 0.99);
    }
  });

  it('caps the wait at maxDelayMs however many attempts came before', () => {
    for (const n of [7, 10, 50, 1000]) {
      expect(backoffMs(n, policy, () => 0.999_999)).toBeLessThanOrEqual(30_000);
      expect(backoffMs(n, policy, () => 0)).toBe(15_000);
    }
  });

  it('spreads waits over the whole jitter range', () => {
    const waits = new Set(Array.from({ length: 50 }, (_, i) => backoffMs(3, policy, () => i / 50)));
    expect(waits.size).toBe(50);
    for (const wait of waits) {
      expect(wait).toBeGreaterThanOrEqual(1000);
      expect(wait).toBeLessThanOrEqual(2000);
    }
  });

  it('keeps the default policy within a minute per wait', () => {
    expect(backoffMs(DEFAULT_RETRY.attempts, DEFAULT_RETRY, () => 0.999_999)).toBeLessThanOrEqual(60_000);
  });
});

describe('withRetry', () => {
  const signal = new AbortController().signal;

  it('returns the first success without waiting', async () => {
    const attempt = failing();
    await expect(withRetry(attempt, { signal, policy: FAST })).resolves.toBe('done');
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['503 SlowDown', s3Error('SlowDown', 503)],
    ['500 InternalError', s3Error('InternalError', 500)],
    [
      'a body the server could not verify (XAmzContentSHA256Mismatch)',
      s3Error('XAmzContentSHA256Mismatch', 400),
    ],
    ['a request timeout', s3Error('RequestTimeout', 400)],
    ['a reset connection', networkError('ECONNRESET')],
    ['a broken pipe', networkError('EPIPE')],
  ])('retries %s until the request succeeds', async (_what, error) => {
    const attempt = failing(error, error);
    await expect(withRetry(attempt, { signal, policy: FAST })).resolves.toBe('done');
    expect(attempt).toHaveBeenCalledTimes(3);
  });

  it.each([
    ['403 AccessDenied', s3Error('AccessDenied', 403)],
    ['a wrong secret key', s3Error('SignatureDoesNotMatch', 403)],
    ['a missing bucket', s3Error('NoSuchBucket', 404)],
    ['an upload that is gone', s3Error('NoSuchUpload', 404)],
    ['another 4xx', s3Error('InvalidArgument', 400)],
    ['a changed source file', new SourceError('upload a.mp4: the file changed since this run listed it')],
  ])('does not retry %s', async (_what, error) => {
    const attempt = failing(error, error);
    await expect(withRetry(attempt, { signal, policy: FAST })).rejects.toBe(error);
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('stops retrying with the error giveUp returns, and tells onSuccess of a success', async () => {
    const reset = networkError('ECONNRESET');
    const gone = new Error('the link is gone');
    const attempt = failing(reset, reset, reset);
    const seen: unknown[] = [];
    const giveUp = (error: unknown) => (seen.push(error) === 2 ? gone : undefined);
    await expect(withRetry(attempt, { signal, policy: FAST, giveUp })).rejects.toBe(gone);
    expect(attempt).toHaveBeenCalledTimes(2);
    let successes = 0;
    const onSuccess = () => (successes += 1);
    await expect(withRetry(failing(reset), { signal, policy: FAST, onSuccess })).resolves.toBe('done');
    expect(successes).toBe(1);
  });

  it('gives up after the policy’s attempts with the last error', async () => {
    const errors = [1, 2, 3, 4, 5].map(() => s3Error('SlowDown', 503));
    const attempt = failing(...errors);
    await expect(withRetry(attempt, { signal, policy: FAST })).rejects.toBe(errors[3]);
    expect(attempt).toHaveBeenCalledTimes(FAST.attempts);
  });

  it('reports each retry with its attempt number and a wait within the policy', async () => {
    const onRetry = vi.fn();
    const policy: RetryPolicy = { attempts: 4, baseDelayMs: 2, maxDelayMs: 5 };
    const error = s3Error('SlowDown', 503);
    await withRetry(failing(error, error, error), { signal, policy, onRetry });
    expect(onRetry.mock.calls.map(([e, n]) => [e, n])).toEqual([
      [error, 1],
      [error, 2],
      [error, 3],
    ]);
    for (const [, n, delayMs] of onRetry.mock.calls as Array<[unknown, number, number]>) {
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
      expect(delayMs).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delayMs).toBeLessThanOrEqual(ceiling);
    }
  });

  it('uses the given classification instead of the S3 one', async () => {
    const error = new Error('custom');
    const attempt = failing(error);
    await expect(withRetry(attempt, { signal, policy: FAST, classify: () => 'retryable' })).resolves.toBe(
      'done',
    );
    expect(attempt).toHaveBeenCalledTimes(2);
  });

  it('stops waiting for the next attempt as soon as the signal aborts', { timeout: 10_000 }, async () => {
    const controller = new AbortController();
    const attempt = failing(s3Error('SlowDown', 503));
    const policy: RetryPolicy = { attempts: 5, baseDelayMs: 600_000, maxDelayMs: 600_000 };
    const run = withRetry(attempt, { signal: controller.signal, policy, onRetry: () => controller.abort() });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('does not retry once the signal has aborted, even a retryable error', async () => {
    const controller = new AbortController();
    const error = s3Error('SlowDown', 503);
    const attempt = vi.fn(async () => {
      controller.abort();
      throw error;
    });
    await expect(withRetry(attempt, { signal: controller.signal, policy: FAST })).rejects.toBe(error);
    expect(attempt).toHaveBeenCalledTimes(1);
  });
});
