import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isStopBySignal, SignalStop } from '../../../src/interrupt.js';
import { AFTER_STOP_MS, outlastStop } from '../../../src/transfer/stopped-uploads.js';

/** A request that is answered when the test says so, and tells whether its signal aborted meanwhile. */
function pendingRequest() {
  let answer: (value: string) => void = () => undefined;
  let signal: AbortSignal | undefined;
  const send = (given: AbortSignal) => {
    signal = given;
    return new Promise<string>((resolve, reject) => {
      answer = resolve;
      given.addEventListener('abort', () => reject(given.reason as Error), { once: true });
    });
  };
  return { send, answer: (value: string) => answer(value), aborted: () => signal?.aborted ?? false };
}

describe('outlastStop', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('waits for an answer that comes within AFTER_STOP_MS of the stop: the upload it names is known', async () => {
    const stop = new AbortController();
    const request = pendingRequest();
    const answered = outlastStop(stop.signal, request.send);
    stop.abort(new Error('refused setting'));
    await vi.advanceTimersByTimeAsync(AFTER_STOP_MS - 1);
    expect(request.aborted()).toBe(false);
    request.answer('upload-1');
    await expect(answered).resolves.toBe('upload-1');
  });

  it('cuts a request still unanswered AFTER_STOP_MS after the stop, with the stop as its reason', async () => {
    const stop = new AbortController();
    const request = pendingRequest();
    const answered = outlastStop(stop.signal, request.send);
    const reason = new SignalStop('stopped at once by a second signal');
    stop.abort(reason);
    const outcome = expect(answered).rejects.toBe(reason);
    await vi.advanceTimersByTimeAsync(AFTER_STOP_MS);
    await outcome;
    expect(request.aborted()).toBe(true);
  });

  it('gives a request sent after the stop AFTER_STOP_MS too', async () => {
    const stop = new AbortController();
    stop.abort(new Error('lost lock'));
    const request = pendingRequest();
    const answered = outlastStop(stop.signal, request.send);
    await vi.advanceTimersByTimeAsync(AFTER_STOP_MS - 1);
    request.answer('upload-2');
    await expect(answered).resolves.toBe('upload-2');
  });
});

describe('isStopBySignal', () => {
  it("tells a signal's stop from a run-fatal error's", () => {
    expect(isStopBySignal(new SignalStop('stopped by signal'))).toBe(true);
    expect(isStopBySignal(new Error('the server refused a setting'))).toBe(false);
    expect(isStopBySignal(undefined)).toBe(false);
  });
});
