import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { InterruptedError } from '../../../src/errors.js';
import { TransferScheduler } from '../../../src/transfer/scheduler.js';

/**
 * A task the test finishes by hand. Its `started` flag flips when the scheduler runs it, and the
 * scheduler's own bookkeeping is sampled at that moment.
 */
interface HeldTask {
  name: string;
  started: boolean;
  finish: () => void;
  fail: (error: Error) => void;
  result: Promise<string>;
}

/** Runs held tasks on one scheduler and records the order they start in and the peak load. */
class Harness {
  readonly controller = new AbortController();
  readonly scheduler: TransferScheduler;
  readonly startOrder: string[] = [];
  running = 0;
  peakRunning = 0;
  peakReservedBytes = 0;

  constructor(maxConcurrency: number, maxInFlightBytes: number, maxWireBytes?: number) {
    this.scheduler = new TransferScheduler(
      maxConcurrency,
      maxInFlightBytes,
      this.controller.signal,
      maxWireBytes,
    );
  }

  submit(name: string, weightBytes: number, wireBytes = 0): HeldTask {
    let finish!: () => void;
    let fail!: (error: Error) => void;
    const held: Partial<HeldTask> = { name, started: false };
    held.result = this.scheduler.run(
      weightBytes,
      () => {
        held.started = true;
        this.startOrder.push(name);
        this.running += 1;
        this.peakRunning = Math.max(this.peakRunning, this.running);
        this.peakReservedBytes = Math.max(this.peakReservedBytes, this.scheduler.reservedBytes);
        return new Promise<string>((resolve, reject) => {
          finish = () => {
            this.running -= 1;
            resolve(name);
          };
          fail = (error) => {
            this.running -= 1;
            reject(error);
          };
        });
      },
      wireBytes,
    );
    held.result.catch(() => {}); // observed by the tests that care
    return Object.assign(held, {
      finish: () => finish(),
      fail: (error: Error) => fail(error),
    }) as HeldTask;
  }
}

/** Lets queued promise callbacks and scheduler hand-offs run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await nextTurn();
}

describe('TransferScheduler', () => {
  it('never runs more tasks at once than the concurrency limit', async () => {
    const harness = new Harness(2, 1000);
    const tasks = ['a', 'b', 'c', 'd', 'e'].map((name) => harness.submit(name, 1));
    await settle();

    expect(tasks.map((t) => t.started)).toEqual([true, true, false, false, false]);

    for (const task of tasks) {
      task.finish();
      await settle();
    }
    await Promise.all(tasks.map((t) => t.result));

    expect(harness.peakRunning).toBe(2);
    expect(harness.startOrder).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('starts a queued task as soon as a running one finishes', async () => {
    const harness = new Harness(1, 1000);
    const first = harness.submit('first', 1);
    const second = harness.submit('second', 1);
    await settle();
    expect(second.started).toBe(false);

    first.finish();
    await settle();

    expect(second.started).toBe(true);
  });

  it('keeps the bytes in flight within the budget', async () => {
    const harness = new Harness(10, 100);
    const a = harness.submit('a', 60);
    const b = harness.submit('b', 60);
    await settle();

    expect([a.started, b.started]).toEqual([true, false]);
    expect(harness.scheduler.reservedBytes).toBe(60);

    a.finish();
    await settle();

    expect(b.started).toBe(true);
    expect(harness.scheduler.reservedBytes).toBe(60);
    b.finish();
    await Promise.all([a.result, b.result]);
    expect(harness.peakReservedBytes).toBeLessThanOrEqual(100);
    expect(harness.scheduler.reservedBytes).toBe(0);
  });

  it('runs tasks that fit together within the budget side by side', async () => {
    const harness = new Harness(10, 100);
    const tasks = [40, 30, 30].map((weight, i) => harness.submit(`t${i}`, weight));
    await settle();

    expect(tasks.map((t) => t.started)).toEqual([true, true, true]);
    expect(harness.scheduler.reservedBytes).toBe(100);
  });

  it('runs a task heavier than the whole budget, alone', async () => {
    const harness = new Harness(10, 100);
    const small = harness.submit('small', 10);
    const huge = harness.submit('huge', 150);
    const after = harness.submit('after', 10);
    await settle();

    expect([small.started, huge.started, after.started]).toEqual([true, false, false]);

    small.finish();
    await settle();
    expect([huge.started, after.started]).toEqual([true, false]);
    expect(harness.running).toBe(1);

    huge.finish();
    await settle();
    expect(after.started).toBe(true);
    after.finish();
    await expect(Promise.all([small.result, huge.result, after.result])).resolves.toEqual([
      'small',
      'huge',
      'after',
    ]);
  });

  it('keeps the bytes the bodies in flight send within the wire budget of a paced link, one always running', async () => {
    const harness = new Harness(16, 1000, 30);
    const tasks = ['a', 'b', 'c'].map((name) => harness.submit(name, 1, 12));
    const big = harness.submit('big', 1, 64);
    await settle();
    expect([...tasks, big].map((t) => t.started)).toEqual([true, true, false, false]);
    tasks[0]!.finish();
    await settle();
    expect([...tasks, big].map((t) => t.started)).toEqual([true, true, true, false]);
    tasks[1]!.finish();
    tasks[2]!.finish();
    await settle();
    // heavier than the whole budget: it runs, alone
    expect(big.started).toBe(true);
    big.finish();
    await Promise.all([...tasks, big].map((t) => t.result));
  });

  it('starts tasks in FIFO order: a light task never overtakes a heavy one waiting for budget', async () => {
    const harness = new Harness(10, 100);
    const running = harness.submit('running', 50);
    const heavy = harness.submit('heavy', 80);
    const light = harness.submit('light', 10);
    await settle();

    expect([running.started, heavy.started, light.started]).toEqual([true, false, false]);

    running.finish();
    await settle();

    expect(harness.startOrder).toEqual(['running', 'heavy', 'light']);
  });

  it('frees the slot and the budget of a task that fails, and passes its error on', async () => {
    const harness = new Harness(1, 100);
    const failing = harness.submit('failing', 100);
    const next = harness.submit('next', 100);
    await settle();

    failing.fail(new Error('part upload failed'));

    await expect(failing.result).rejects.toThrow('part upload failed');
    await settle();
    expect(next.started).toBe(true);
    expect(harness.scheduler.reservedBytes).toBe(100);
  });

  it('rejects queued tasks with InterruptedError on abort and lets running ones finish', async () => {
    const harness = new Harness(1, 100);
    const running = harness.submit('running', 10);
    const queued = [harness.submit('q1', 10), harness.submit('q2', 10)];
    await settle();

    harness.controller.abort();

    for (const task of queued) await expect(task.result).rejects.toBeInstanceOf(InterruptedError);
    expect(queued.map((t) => t.started)).toEqual([false, false]);
    running.finish();
    await expect(running.result).resolves.toBe('running');
    expect(harness.scheduler.reservedBytes).toBe(0);
  });

  it('rejects new tasks at once after an abort, without running them', async () => {
    const harness = new Harness(4, 100);
    harness.controller.abort();

    const late = harness.submit('late', 1);

    await expect(late.result).rejects.toBeInstanceOf(InterruptedError);
    expect(late.started).toBe(false);
  });
});
