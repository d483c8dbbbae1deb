import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { keepLease, type RefreshOutcome } from '../../../src/lock-lease.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('keepLease', () => {
  it('refreshes every period until a refresh finds the lock lost, then calls onLost once and stops', async () => {
    const outcomes: RefreshOutcome[] = ['held', 'held', 'lost'];
    const refresh = vi.fn(async () => outcomes.shift() ?? 'held');
    const onLost = vi.fn();
    const keeper = keepLease({ refreshMs: 60_000, refresh, onLost });

    await vi.advanceTimersByTimeAsync(59_999);
    expect(refresh).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(2 * 60_000 + 1);
    expect(refresh).toHaveBeenCalledTimes(3);
    expect(onLost).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(refresh).toHaveBeenCalledTimes(3);
    await keeper.stop();
  });

  it('keeps going after a refresh that throws (a busy disk is not a lost lock)', async () => {
    const refresh = vi.fn<() => Promise<RefreshOutcome>>().mockRejectedValueOnce(new Error('EBUSY'));
    refresh.mockResolvedValue('held');
    const onLost = vi.fn();
    const keeper = keepLease({ refreshMs: 1000, refresh, onLost });
    await vi.advanceTimersByTimeAsync(3000);
    expect(refresh).toHaveBeenCalledTimes(3);
    expect(onLost).not.toHaveBeenCalled();
    await keeper.stop();
  });

  it('stop() waits for a refresh in progress and no refresh starts after it', async () => {
    let finish: () => void = () => {};
    const refresh = vi.fn(() => new Promise<RefreshOutcome>((resolve) => (finish = () => resolve('held'))));
    const keeper = keepLease({ refreshMs: 1000, refresh, onLost: () => {} });
    await vi.advanceTimersByTimeAsync(1000);
    expect(refresh).toHaveBeenCalledTimes(1);
    let stopped = false;
    const stopping = keeper.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(5000);
    expect(stopped).toBe(false);
    expect(refresh).toHaveBeenCalledTimes(1);
    finish();
    await stopping;
    expect(stopped).toBe(true);
  });
});
