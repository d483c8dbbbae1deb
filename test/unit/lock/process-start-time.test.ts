import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  parseBootTimeSec,
  parseStartTicks,
  readProcessStartTimeMs,
} from '../../../src/process-start-time.js';

describe('parseStartTicks', () => {
  it('counts fields after the command name, which may hold spaces and parentheses', () => {
    const rest = Array.from({ length: 50 }, (_, i) => String(i + 3));
    rest[0] = 'S';
    rest[22 - 3] = '987654';
    expect(parseStartTicks(`123 (my (odd) name) ${rest.join(' ')}`)).toBe(987654);
  });

  it('returns undefined for a truncated line', () => {
    expect(parseStartTicks('123 (node) S 1 2')).toBeUndefined();
  });
});

describe('parseBootTimeSec', () => {
  it('reads the btime line', () => {
    expect(parseBootTimeSec('cpu  1 2 3\nintr 5\nbtime 1767225600\nprocesses 9\n')).toBe(1_767_225_600);
    expect(parseBootTimeSec('cpu 1 2 3\n')).toBeUndefined();
  });
});

describe('readProcessStartTimeMs', () => {
  it('is undefined where the OS does not say cheaply', async () => {
    expect(await readProcessStartTimeMs(process.pid, 'win32')).toBeUndefined();
    expect(await readProcessStartTimeMs(process.pid, 'darwin')).toBeUndefined();
  });

  it.runIf(process.platform === 'linux')(
    'on Linux, gives this process a start time before now, stable across reads',
    async () => {
      const first = await readProcessStartTimeMs(process.pid);
      expect(first).toBeGreaterThan(Date.parse('2000-01-01'));
      expect(first).toBeLessThanOrEqual(Date.now());
      const uptimeSec = Number((await readFile('/proc/uptime', 'utf8')).split(' ')[0]);
      expect(first).toBeGreaterThanOrEqual(Date.now() - uptimeSec * 1000 - 2000);
      expect(await readProcessStartTimeMs(process.pid)).toBe(first);
    },
  );

  it.runIf(process.platform === 'linux')('is undefined for a pid that does not exist', async () => {
    expect(await readProcessStartTimeMs(2 ** 22 + 1)).toBeUndefined();
  });
});
