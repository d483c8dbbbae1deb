import { describe, expect, it } from 'vitest';
import { describeNoAnswer } from '../../../src/remote/classify-error.js';
import {
  virtualHostAdvice,
  waitForFirstAnswer,
  type AnswerWait,
} from '../../../src/remote/endpoint-answer.js';
import { ConfigError } from '../../../src/errors.js';

function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code, $metadata: { attempts: 1 } });
}

function httpError(status: number): Error {
  return Object.assign(new Error('UnknownError'), {
    name: 'ServiceUnavailable',
    $metadata: { httpStatusCode: status },
  });
}

function waitOptions(overrides: Partial<AnswerWait> = {}): AnswerWait & { retries: string[] } {
  const retries: string[] = [];
  return {
    endpointName: 'http://127.0.0.1:1',
    budgetMs: 5_000,
    maxAttempts: 12,
    delaysMs: [1],
    onRetry: (message) => retries.push(message),
    signal: new AbortController().signal,
    retries,
    ...overrides,
  };
}

/** A probe that fails with each of `errors` in turn, then succeeds. */
function probeFailing(...errors: Error[]): (signal: AbortSignal) => Promise<void> {
  return () => {
    const error = errors.shift();
    return error ? Promise.reject(error) : Promise.resolve();
  };
}

/** A probe that never answers: it ends only when its signal aborts. */
function silentProbe(signal: AbortSignal): Promise<void> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
}

describe('describeNoAnswer', () => {
  it('names network errors where nothing answered', () => {
    expect(describeNoAnswer(networkError('ECONNREFUSED'))).toBe('connection refused');
    expect(describeNoAnswer(networkError('ENOTFOUND'))).toBe('host name not found');
    expect(describeNoAnswer(networkError('EHOSTUNREACH'))).toBe('host unreachable');
    expect(describeNoAnswer(networkError('ETIMEDOUT'))).toBe('connection timed out');
    expect(describeNoAnswer(Object.assign(new Error('Socket timed out'), { name: 'TimeoutError' }))).toBe(
      'connection timed out',
    );
  });

  it('is undefined for an HTTP answer and for a connection the server reset', () => {
    expect(describeNoAnswer(httpError(503))).toBeUndefined();
    expect(describeNoAnswer(httpError(403))).toBeUndefined();
    expect(describeNoAnswer(networkError('ECONNRESET'))).toBeUndefined();
  });
});

describe('waitForFirstAnswer', () => {
  it('says so after the first refused attempt and goes on until the endpoint answers', async () => {
    const wait = waitOptions();
    const refused = networkError('ECONNREFUSED');
    await expect(waitForFirstAnswer(probeFailing(refused, refused), wait)).resolves.toBe('ok');
    expect(wait.retries).toEqual([
      'retrying connect to endpoint http://127.0.0.1:1 in 0.0s: attempt 1 of 12 failed: connection refused',
      'retrying connect to endpoint http://127.0.0.1:1 in 0.0s: attempt 2 of 12 failed: connection refused',
    ]);
  });

  it('gives up with a ConfigError naming the endpoint once the attempts are spent', async () => {
    const wait = waitOptions({ maxAttempts: 3 });
    const errors = Array.from({ length: 5 }, () => networkError('ENOTFOUND'));
    const error = await waitForFirstAnswer(probeFailing(...errors), wait).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /^connect to endpoint http:\/\/127\.0\.0\.1:1: host name not found, no answer to 3 attempts in [\d.]+ s; check endpoint_url \/ --endpoint/,
    );
    expect(wait.retries).toHaveLength(2);
  });

  it('names the bucket host and force_path_style when requests go to the bucket as a subdomain', async () => {
    const advice = virtualHostAdvice('http://localhost:7481', 'survey');
    const wait = waitOptions({ maxAttempts: 1, advice });
    const error = await waitForFirstAnswer(probeFailing(networkError('ENOTFOUND')), wait).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(
      /host name not found, .*; requests go to the bucket's own host survey\.localhost:7481 \(force_path_style: false\): set force_path_style: true .*, or check endpoint_url/,
    );
  });

  it('names the proxy variable, not the endpoint, when the proxy on the way never answered', async () => {
    const wait = waitOptions({ maxAttempts: 2 });
    const viaProxy = () =>
      Object.assign(networkError('ECONNREFUSED'), { proxy: 'http://127.0.0.1:3128', variable: 'HTTP_PROXY' });
    const error = await waitForFirstAnswer(probeFailing(viaProxy(), viaProxy()), wait).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(
      /^connect to endpoint http:\/\/127\.0\.0\.1:1: connection refused by proxy http:\/\/127\.0\.0\.1:3128, no answer to 2 attempts in [\d.]+ s; check HTTP_PROXY \(the proxy's scheme, host and port\) and that the proxy runs, or add the endpoint's host to NO_PROXY to reach it without the proxy$/,
    );
  });

  it('gives up when the budget is spent on an endpoint that accepts but never answers', async () => {
    const wait = waitOptions({ budgetMs: 200 });
    const error = await waitForFirstAnswer(silentProbe, wait).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('no answer within 1 s, no answer to 1 attempt');
    expect(wait.retries).toEqual([]);
  });

  it('hands an endpoint that answered with an error to the normal retries at once', async () => {
    const wait = waitOptions();
    await expect(waitForFirstAnswer(probeFailing(httpError(503)), wait)).resolves.toBe('answered');
    await expect(waitForFirstAnswer(probeFailing(networkError('ECONNRESET')), wait)).resolves.toBe(
      'answered',
    );
    expect(wait.retries).toEqual([]);
  });

  it('stops at once with a ConfigError the probe found, without retrying', async () => {
    const wait = waitOptions();
    const wrongScheme = new ConfigError('connect to endpoint http://127.0.0.1:1: the port speaks HTTPS');

    await expect(waitForFirstAnswer(probeFailing(wrongScheme), wait)).rejects.toBe(wrongScheme);
    expect(wait.retries).toEqual([]);
  });

  it('stops with the probe’s error when the run is stopped', async () => {
    const stop = new AbortController();
    const wait = waitOptions({ signal: stop.signal });
    const waiting = waitForFirstAnswer(silentProbe, wait);
    stop.abort(new Error('stopped by signal'));
    await expect(waiting).rejects.toThrow('stopped by signal');
  });
});
