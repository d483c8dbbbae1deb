import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import type { Logger } from '../../src/log/logger.js';
import { reportError } from '../../src/report-error.js';

afterEach(() => {
  vi.restoreAllMocks();
});

function capturedStderr(): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
}

function logger(): Logger & { debugged: string[] } {
  const debugged: string[] = [];
  return {
    debugged,
    debug: (message) => debugged.push(message),
    warn: () => {},
    fatal: () => {},
    divert: () => {},
    debugEnabled: true,
  };
}

describe('reportError with --debug', () => {
  it('prints the one line on stderr and gives the stack to the log, which --log-file sends to its file', () => {
    const stderr = capturedStderr();
    const log = logger();

    const code = reportError(new ConfigError('bucket x: no such bucket; fix bucket'), { debug: true, log });

    expect(code).toBe(2);
    expect(stderr).toEqual(['upload-to-s3: bucket x: no such bucket; fix bucket\n']);
    expect(log.debugged[0]).toBe('ConfigError: bucket x: no such bucket; fix bucket');
    expect(log.debugged[1]).toMatch(/^\s+at /);
  });

  it('prints the stack on stderr when there is no log yet (an error before the run starts)', () => {
    const stderr = capturedStderr();

    reportError(new ConfigError('config c.yaml: 1 problem'), { debug: true });

    expect(stderr).toHaveLength(2);
    expect(stderr[1]).toMatch(/^ConfigError: config c\.yaml[\s\S]*\n\s+at /);
  });
});
