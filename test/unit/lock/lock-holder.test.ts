import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { setImmediate } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  formatLockHolder,
  judgeLockHolder,
  parseLockHolder,
  type HolderObservation,
  type LockHolder,
} from '../../../src/lock-holder.js';
import { isProcessAlive } from '../../../src/process-alive.js';
import { parseProcessState } from '../../../src/process-start-time.js';

const NOW = Date.parse('2026-03-02T10:00:00Z');
const LEASE_MS = 10 * 60_000;
const DAY_MS = 24 * 60 * 60_000;

function holder(overrides: Partial<LockHolder> = {}): LockHolder {
  return {
    host: 'survey-pc',
    pid: 4242,
    processStartMs: NOW - 2 * DAY_MS,
    token: 'token-a',
    acquiredAt: NOW - 2 * DAY_MS,
    refreshedAt: NOW - 2 * DAY_MS,
    ...overrides,
  };
}

function seen(overrides: Partial<HolderObservation> = {}): HolderObservation {
  return {
    host: 'survey-pc',
    nowMs: NOW,
    leaseMs: LEASE_MS,
    isAlive: true,
    processStartMs: NOW - 2 * DAY_MS,
    ...overrides,
  };
}

describe('judgeLockHolder on the same host', () => {
  it('calls a lock stale when its process is gone, however fresh', () => {
    const verdict = judgeLockHolder(holder({ refreshedAt: NOW }), seen({ isAlive: false }));
    expect(verdict).toEqual({ state: 'stale', reason: 'process 4242 is gone' });
  });

  it('calls a reused pid stale: alive, but started at another moment', () => {
    const verdict = judgeLockHolder(holder({ refreshedAt: NOW }), seen({ processStartMs: NOW - 3_600_000 }));
    expect(verdict.state).toBe('stale');
    expect(verdict.reason).toContain('another process');
  });

  it('keeps a two-day-old lock live while its own process runs (never judged by age)', () => {
    expect(judgeLockHolder(holder(), seen()).state).toBe('live');
  });

  it('treats start times a second apart as one process (btime moves with the wall clock)', () => {
    expect(judgeLockHolder(holder(), seen({ processStartMs: NOW - 2 * DAY_MS + 1000 })).state).toBe('live');
    expect(judgeLockHolder(holder(), seen({ processStartMs: NOW - 2 * DAY_MS + 1010 })).state).toBe('stale');
  });

  it('falls back to the lease when the start time is unknown (Windows, or an earlier lock)', () => {
    const unknown = holder({ processStartMs: undefined });
    expect(judgeLockHolder({ ...unknown, refreshedAt: NOW - 60_000 }, seen()).state).toBe('live');
    expect(judgeLockHolder({ ...unknown, refreshedAt: NOW - LEASE_MS - 1 }, seen()).state).toBe('stale');
    expect(judgeLockHolder(holder({ refreshedAt: NOW }), seen({ processStartMs: undefined })).state).toBe(
      'live',
    );
  });
});

describe('judgeLockHolder for another host sharing the folder', () => {
  it('is live while refreshed within the lease and stale after, whatever our pids say', () => {
    const remote = holder({ host: 'field-laptop' });
    const here = seen({ isAlive: false, processStartMs: undefined });
    expect(judgeLockHolder({ ...remote, refreshedAt: NOW - LEASE_MS }, here).state).toBe('live');
    const stale = judgeLockHolder({ ...remote, refreshedAt: NOW - 11 * 60_000 }, here);
    expect(stale).toEqual({ state: 'stale', reason: 'not refreshed for 11 min' });
  });
});

describe('isProcessAlive', () => {
  const failing = (code: string) => () => {
    throw Object.assign(new Error(code), { code });
  };

  it("counts another user's process (EPERM) as alive, and ESRCH as gone", () => {
    expect(isProcessAlive(1234, failing('EPERM'))).toBe(true);
    expect(isProcessAlive(1234, failing('ESRCH'))).toBe(false);
    expect(isProcessAlive(1234, () => true)).toBe(true);
  });

  it('sees this process alive', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
  });

  it('counts a zombie (ended, not reaped) as gone', () => {
    expect(
      isProcessAlive(
        1234,
        () => true,
        () => 'Z',
      ),
    ).toBe(false);
    expect(
      isProcessAlive(
        1234,
        () => true,
        () => 'S',
      ),
    ).toBe(true);
    expect(
      isProcessAlive(
        1234,
        () => true,
        () => undefined,
      ),
    ).toBe(true);
  });

  it.runIf(process.platform === 'linux')('sees a real zombie as gone', async () => {
    // the shell becomes `sleep`, which never reaps the child it started: that child ends (once its stdin closes,
    // after the exec, so the shell cannot reap it first) and stays a zombie
    const parent = spawn('sh', ['-c', 'exec 3<&0; (read x <&3) & echo $!; exec sleep 60 3<&-'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    try {
      const [line] = (await once(parent.stdout, 'data')) as [Buffer];
      const zombie = Number(line.toString().trim());
      while ((await readFile(`/proc/${parent.pid}/comm`, 'utf8')).trim() !== 'sleep') await setImmediate();
      parent.stdin.end();
      while (parseProcessState(await readFile(`/proc/${zombie}/stat`, 'utf8')) !== 'Z') await setImmediate();
      expect(isProcessAlive(zombie)).toBe(false);
      expect(isProcessAlive(parent.pid!)).toBe(true);
    } finally {
      parent.kill();
    }
  });
});

describe('lock file format', () => {
  it('reads back what it writes, times as ISO strings', () => {
    const written = holder({ acquiredAt: NOW - 5000, refreshedAt: NOW });
    const text = formatLockHolder(written);
    expect(JSON.parse(text)).toMatchObject({ refreshedAt: '2026-03-02T10:00:00.000Z', token: 'token-a' });
    expect(parseLockHolder(text, 'elsewhere')).toEqual(written);
  });

  it('leaves the process start time out of a lock object', () => {
    expect(JSON.parse(formatLockHolder(holder(), 'object'))).not.toHaveProperty('processStartedAt');
  });

  it('reads a lock of an earlier version as a tokenless holder on this host', () => {
    const parsed = parseLockHolder(JSON.stringify({ pid: 77, startedAt: NOW - 1000 }), 'survey-pc');
    expect(parsed).toEqual({
      host: 'survey-pc',
      pid: 77,
      token: '',
      acquiredAt: NOW - 1000,
      refreshedAt: NOW - 1000,
    });
  });

  it('rejects what is not a lock', () => {
    for (const text of ['', '{', '[]', 'null', '{"pid":0,"token":"t"}', '{"pid":5,"token":"t","host":"h"}'])
      expect(parseLockHolder(text, 'h'), text).toBeUndefined();
  });
});
