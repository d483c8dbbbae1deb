/**
 * The run's stop signals, driven by real signals sent to this process: the handlers are installed by
 * watchInterrupts and removed by dispose, so nothing leaks into the rest of the test run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { describeStopping, watchInterrupts, type Interrupts } from '../../src/interrupt.js';

let interrupts: Interrupts | undefined;

afterEach(() => {
  interrupts?.dispose();
  interrupts = undefined;
});

/** Sends `signal` to this process and lets its handlers run. */
async function sendSignal(signal: NodeJS.Signals): Promise<void> {
  process.kill(process.pid, signal);
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('watchInterrupts', () => {
  it('lets many requests listen to the stop signals without a listener-leak warning', async () => {
    interrupts = watchInterrupts({ graceMs: 10_000 });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      for (let i = 0; i < 64; i++) {
        interrupts.hard.addEventListener('abort', () => {});
        interrupts.soft.addEventListener('abort', () => {});
      }
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });

  // Windows has no catchable SIGINT from process.kill: it would end the test worker
  it.skipIf(process.platform === 'win32')(
    'stops scheduling on the first signal; on the second stops requests and tells the user, then lets the run unwind',
    async () => {
      const order: string[] = [];
      interrupts = watchInterrupts({
        graceMs: 10_000,
        // never reached here: the test disposes of the watcher first
        exitDeadlineMs: 60_000,
        onFirst: (signal) => order.push(`first ${signal}`),
        onForce: () => order.push('force'),
      });
      interrupts.onStopNow(() => order.push('final status write'));
      interrupts.onForcedExit(() => order.push('lock released'));
      await sendSignal('SIGINT');
      expect(interrupts.interrupted).toBe(true);
      expect(interrupts.soft.aborted).toBe(true);
      expect(interrupts.hard.aborted).toBe(false);
      await sendSignal('SIGTERM');
      expect(interrupts.hard.aborted).toBe(true);
      expect(interrupts.stoppedAtOnce).toBe(true);
      expect(order).toEqual(['first SIGINT', 'final status write']);
    },
  );

  it.skipIf(process.platform === 'win32')(
    'runs the last steps and forces the exit when the run has not unwound by the deadline',
    async () => {
      const order: string[] = [];
      const forced = new Promise<void>((resolve) => {
        interrupts = watchInterrupts({
          graceMs: 10_000,
          exitDeadlineMs: 1,
          onForce: () => {
            order.push('force');
            resolve();
          },
        });
      });
      interrupts!.onForcedExit(() => {
        throw new Error('a failing step');
      });
      interrupts!.onForcedExit(() => order.push('lock released'));
      await sendSignal('SIGTERM');
      await sendSignal('SIGINT');
      await forced;
      expect(order).toEqual(['lock released', 'force']);
    },
  );
});

describe('describeStopping', () => {
  it('names the way to stop at once after the signal that came: Ctrl+C only for Ctrl+C', () => {
    expect(describeStopping('SIGINT')).toContain('Ctrl+C again to stop at once');
    expect(describeStopping('SIGBREAK')).toContain('Ctrl+Break again to stop at once');
    expect(describeStopping('SIGTERM')).toBe(
      'Stopping: letting parts in flight finish, up to 6s (SIGTERM; a second signal stops at once)...',
    );
  });
});
