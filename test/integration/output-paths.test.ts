/**
 * A status file, CSV log, log file or state folder the run cannot write ends the run at once with exit 2 and a
 * line naming the path and the setting, before any request: nothing spins, nothing half-starts.
 */
import { chmod, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { makeTempDir, removeTempDirs, writeConfig, writeFiles } from '../support/fixtures.js';
import { runCli } from '../support/run-cli.js';
import { getS3Env, testServerConfig } from '../support/s3-env.js';

let root: string;
let regular: string;
let configPath: string;
let proxy: FaultProxy;

beforeAll(async () => {
  const env = getS3Env();
  root = await makeTempDir('output-paths');
  regular = path.join(root, 'regular-file');
  await writeFile(regular, 'not a folder');
  await writeFiles(path.join(root, 'project'), { 'config/survey.yaml': 'crew: 2\n' });
  proxy = await startFaultProxy({ target: env.endpoint });
  configPath = await writeConfig(root, {
    bucket: 'output-paths-never-reached',
    ...testServerConfig(env),
    endpoint_url: proxy.endpoint,
  });
  await chmod(configPath, 0o600);
});

afterAll(async () => {
  await proxy.close();
  await removeTempDirs();
});

function upload(...extra: string[]): Promise<Awaited<ReturnType<typeof runCli>>> {
  const args = ['--config', configPath, '--folder', path.join(root, 'project'), '--project-key', 'P1'];
  return runCli([...args, '--state-dir', path.join(root, 'state'), ...extra], { timeoutMs: 30_000 });
}

describe('unusable output paths', () => {
  it.each([
    ['--status-json', 'regular-file/status.json', 'write status file', '--status-json or status_json'],
    ['--log-csv', 'regular-file/log.csv', 'write CSV log', '--log-csv or log_csv'],
    ['--log-file', 'regular-file/run.log', 'write log file', '--log-file'],
    ['--state-dir', 'regular-file/state', 'write state folder', '--state-dir or state_dir'],
    ['--state-dir', 'regular-file', 'write state folder', '--state-dir or state_dir'],
  ])(
    '%s <root>/%s exits 2 naming the path, before any request',
    async (flag, relPath, operation, setting) => {
      const value = path.join(root, ...relPath.split('/'));
      proxy.resetStats();
      const result = await upload(flag, value);
      expect(result.timedOut).toBe(false);
      expect(result.code, result.stderr).toBe(2);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`upload-to-s3: ${operation} ${value}: `);
      expect(lines[0]).toContain(`pass a path you can write to with ${setting}`);
      expect(lines[0]).not.toMatch(/unexpected error|EEXIST/);
      expect(proxy.stats().requests).toBe(0);
    },
  );

  // Windows has no O_NOFOLLOW, and creating a symbolic link there takes a privilege ordinary accounts lack
  it.runIf(process.platform !== 'win32').each([
    ['--log-csv', 'write CSV log', '--log-csv or log_csv'],
    ['--log-file', 'write log file', '--log-file'],
    ['--status-json', 'write status file', '--status-json or status_json'],
  ])(
    '%s naming a symbolic link exits 2 before any request, and the file it points to is left alone',
    async (flag, operation, setting) => {
      const target = path.join(root, `linked-${flag.slice(2)}.txt`);
      await writeFile(target, 'root only\n');
      const link = path.join(root, `link-${flag.slice(2)}`);
      await symlink(target, link);
      proxy.resetStats();
      const result = await upload(flag, link);
      expect(result.code, result.stderr).toBe(2);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(
        `upload-to-s3: ${operation} ${link}: it is a symbolic link, which is not followed`,
      );
      expect(lines[0]).toContain(`; pass a path you can write to with ${setting}`);
      expect(await readFile(target, 'utf8')).toBe('root only\n');
      expect(proxy.stats().requests).toBe(0);
    },
  );

  it.runIf(process.platform === 'linux')(
    'a status file under /proc fails at once instead of spinning',
    async () => {
      proxy.resetStats();
      const result = await upload('--status-json', '/proc/x/status.json', '--json');
      expect(result.timedOut).toBe(false);
      expect(result.code, result.stderr).toBe(2);
      // the path is judged before the first request: nothing was tried and retried against it
      expect(proxy.stats().requests).toBe(0);
      expect(result.stderr).toContain(
        'write status file /proc/x/status.json: cannot be created there (ENOENT); pass a path you can write to',
      );
      const records = result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(records).toEqual([expect.objectContaining({ type: 'error', exit_code: 2 })]);
    },
  );
});
