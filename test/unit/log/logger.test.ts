/**
 * The log file is a side channel of a run: a line it cannot take never fails what was being logged.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log/logger.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'logger-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A stream standing in for stderr, and what was written to it, line by line. */
function fakeStderr(): { stream: PassThrough; lines: () => string[] } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, lines: () => text.split('\n').filter((line) => line !== '') };
}

describe('createLogger with a log file', () => {
  it('sends the lines to stderr with one warning when the file cannot be written mid-run, and never throws', async () => {
    const logFile = path.join(dir, 'lfx', 'upload.log');
    const stderr = fakeStderr();
    const log = createLogger({ debug: true, logFile, stream: stderr.stream });
    log.debug('first line');
    await rm(logFile);
    // the file replaced by a folder: every append fails with EISDIR
    await mkdir(logFile);

    expect(() => log.debug('part 9 sent')).not.toThrow();
    expect(() => log.warn('a warning')).not.toThrow();
    expect(() => log.fatal('the run failed')).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));

    const lines = stderr.lines();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /warn write log file .*upload\.log: .*\(EISDIR\); its lines go to stderr while it cannot be written$/,
    );
    expect(lines[1]).toMatch(/ debug part 9 sent$/);
    expect(lines[2]).toMatch(/ warn a warning$/);
  });

  it('goes back to the file once it can be written again', async () => {
    const logFile = path.join(dir, 'upload.log');
    const stderr = fakeStderr();
    const log = createLogger({ debug: false, logFile, stream: stderr.stream });
    await rm(logFile);
    await mkdir(logFile);
    log.warn('while it was a folder');
    await rm(logFile, { recursive: true });
    log.warn('after');
    expect(await readFile(logFile, 'utf8')).toMatch(/ warn after\n$/);
  });
});

// Windows has no O_NOFOLLOW, and creating a symbolic link there takes a privilege ordinary accounts lack
describe.skipIf(process.platform === 'win32')('a log file name that is a symbolic link', () => {
  it('is refused at the start and never written through', async () => {
    const target = path.join(dir, 'root-only.txt');
    await writeFile(target, 'secret\n');
    const logFile = path.join(dir, 'upload.log');
    await symlink(target, logFile);
    expect(() => createLogger({ debug: false, logFile })).toThrow(ConfigError);
    expect(() => createLogger({ debug: false, logFile })).toThrow(
      /^write log file .*upload\.log: it is a symbolic link, which is not followed \(ELOOP\)/,
    );
    expect(await readFile(target, 'utf8')).toBe('secret\n');
  });

  it('put in place of the file mid-run, is not written through: the lines go to stderr', async () => {
    const target = path.join(dir, 'root-only.txt');
    await writeFile(target, 'secret\n');
    const logFile = path.join(dir, 'upload.log');
    const stderr = fakeStderr();
    const log = createLogger({ debug: false, logFile, stream: stderr.stream });
    await rm(logFile);
    await symlink(target, logFile);
    log.warn('a warning');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await readFile(target, 'utf8')).toBe('secret\n');
    expect(stderr.lines().at(-1)).toMatch(/ warn a warning$/);
  });
});

describe('createLogger', () => {
  it('writes a warning naming a file with control characters as one line, the characters escaped', () => {
    const stderr = fakeStderr();
    const log = createLogger({ debug: false, stream: stderr.stream });
    log.warn('could not read logs/nl\nfake uploaded line.log or logs/\x1b[2Jclear.log');
    expect(stderr.lines()).toHaveLength(1);
    expect(stderr.lines()[0]).toMatch(
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} warn could not read logs\/nl\\nfake uploaded line\.log or logs\/\\x1b\[2Jclear\.log$/,
    );
  });
});
