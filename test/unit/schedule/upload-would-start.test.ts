import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertUploadWouldStart } from '../../../src/commands/schedule-action.js';
import { ConfigError } from '../../../src/errors.js';
import { completeUploadArguments } from '../../../src/schedule/upload-arguments.js';
import { makeTempDir, removeTempDirs } from '../../support/fixtures.js';

afterAll(removeTempDirs);

const MACHINE = 'C:\\ProgramData\\upload-to-s3';

/** The task's upload, completed as `schedule` completes it. */
function scheduled(...extra: string[]) {
  const base = ['--config', 'D:\\survey\\config.yaml', '--folder', 'D:\\survey\\K1', '--project-key', 'K1'];
  return completeUploadArguments([...base, ...extra], MACHINE, 'nightly');
}

describe('assertUploadWouldStart', () => {
  it('passes an upload the run takes, without the config, which is not on this machine', async () => {
    await expect(
      assertUploadWouldStart(scheduled('--max-bandwidth', '20MB/s', '--timestamp', '--json'), {
        platform: 'linux',
      }),
    ).resolves.toBeUndefined();
  });

  it.each([
    [['--max-bandwidth', '20'], "--max-bandwidth: '20' has no unit"],
    [['--timestamp', '--custom-timestamp', '20200101_0000'], '--timestamp with --custom-timestamp'],
    [['--quiet', '--json'], '--quiet with --json'],
    [['--custom-timestamp', '2020'], "--custom-timestamp: '2020' is not YYYYMMDD_HHMM"],
    [['--checksum-algorithm', 'md4'], "--checksum-algorithm: 'md4' is not supported"],
    [['--tag', 'project'], '--tag'],
  ])('refuses %j with the run’s own message', async (extra, message) => {
    const check = assertUploadWouldStart(scheduled(...extra), { platform: 'linux' });
    await expect(check).rejects.toThrow(ConfigError);
    await expect(check).rejects.toThrow(`schedule: every run of this task would stop at once: ${message}`);
  });

  it('on the machine the task runs on, reads the config as the run does', async () => {
    const root = await makeTempDir('would-start');
    const config = path.join(root, 'config.yaml');
    await writeFile(config, 'bucket: survey\nsse_customer_key_file: D:\\keys\\survey.key\n');
    const upload = completeUploadArguments(
      ['--config', 'D:\\c.yaml', '--folder', 'D:\\K1', '-p', 'K1', '--sse', 'AES256'],
      MACHINE,
      'nightly',
    );
    const check = assertUploadWouldStart(
      { ...upload, configPath: config, flags: { ...upload.flags, config } },
      { platform: 'win32', env: {} },
    );
    await expect(check).rejects.toThrow('--sse with sse_customer_key_file: an object has one encryption');
  });
});
