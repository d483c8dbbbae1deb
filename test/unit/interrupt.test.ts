/**
 * The run's stop signals, driven by real signals sent to this process: the handlers are installed by
 * watchInterrupts and removed by dispose, so nothing leaks into the rest of the test run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { watchInterrupts, type Interrupts } from '../../src/interrupt.js';

let interrupts: Interrupts | undefined;

afterEach(() => {
  interrupts?.dispose();
  interrupts = undefined;
});

/** Sends SIGINT to this process and lets its handlers run. */
async function sendSigint(): Promise<void> {
  process.kill(process.pid, 'SIGINT');
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
    'stops scheduling on the first signal, and on the second runs the last steps, then forces the exit',
    async () => {
      const order: string[] = [];
      interrupts = watchInterrupts({
        graceMs: 10_000,
        onFirst: () => order.push('first'),
        onForce: () => order.push('force'),
      });
      interrupts.onForcedExit(() => order.push('final status write'));
      await sendSigint();
      expect(interrupts.interrupted).toBe(true);
      expect(interrupts.soft.aborted).toBe(true);
      expect(interrupts.hard.aborted).toBe(false);
      await sendSigint();
      expect(interrupts.hard.aborted).toBe(true);
      expect(order).toEqual(['first', 'final status write', 'force']);
    },
  );
});
