/**
 * Where a flag stands on the command line, through the built CLI: options typed before a subcommand count for it
 * (`upload-to-s3 --config x.yaml check ...`), one it does not take is refused, and every mistake in a
 * subcommand's own flags or words ends like the upload's: exit 2 and one line starting `upload-to-s3: `.
 */
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs, writeConfig, writeFiles } from '../support/fixtures.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { createTestBucket, getS3Env, testServerConfig } from '../support/s3-env.js';

const PROJECT_KEY = 'ORDER1';
const EXIT_USAGE = 2;

let project: string;
let stateDir: string;
let config: string;

beforeAll(async () => {
  const bucket = await createTestBucket('cli-order');
  const root = await makeTempDir('cli-order');
  project = path.join(root, PROJECT_KEY);
  stateDir = path.join(root, 'state');
  await writeFiles(project, {
    'config/project.yaml': 'project: ORDER1\n',
    'logs/capture.log': 'capture started\n',
  });
  config = await writeConfig(root, { bucket, ...testServerConfig(getS3Env()) });
  await chmod(config, 0o600);
  const uploaded = await runCli([
    '--config',
    config,
    '--folder',
    project,
    '--project-key',
    PROJECT_KEY,
    '--state-dir',
    stateDir,
  ]);
  expect(uploaded.code, uploaded.stderr).toBe(0);
});

afterAll(removeTempDirs);

function expectUsageLine(result: CliResult, pattern: RegExp): void {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(EXIT_USAGE);
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^upload-to-s3: /);
  expect(lines[0]).toMatch(pattern);
}

describe('options before a subcommand', () => {
  it('--config and --project-key before check are the check’s: it proves the upload', async () => {
    const result = await runCli([
      '--config',
      config,
      '--project-key',
      PROJECT_KEY,
      'check',
      '--folder',
      project,
      '--state-dir',
      stateDir,
    ]);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/2 files: 2 proven, 0 missing/);
  });

  it('the same flag after the subcommand wins over the one before it', async () => {
    const result = await runCli([
      '--project-key',
      'NOT-UPLOADED',
      'check',
      '--config',
      config,
      '--project-key',
      PROJECT_KEY,
      '--folder',
      project,
    ]);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/2 files: 2 proven/);
  });

  it('--project-key before cleanup satisfies the cleanup, and --config reaches it through', async () => {
    const result = await runCli([
      '--project-key',
      PROJECT_KEY,
      'cleanup',
      '--config',
      config,
      '--dry-run',
      '--state-dir',
      stateDir,
    ]);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`0 open uploads under s3://[^/]+/${PROJECT_KEY}/`));
  });

  it('--config before `credentials test` reaches the nested subcommand', async () => {
    const result = await runCli(['--config', config, 'credentials', 'test']);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/is reachable/);
  });

  it("an upload flag before `schedule` is shown where it goes: after --, with the task's upload flags", async () => {
    expectUsageLine(
      await runCli(['--config', config, 'schedule', '--at', '02:00']),
      /--config, given before 'schedule', is not an option of it; put the upload's flags after --: upload-to-s3 schedule \[options\] -- --config \.\.\.$/,
    );
  });

  it('an option the subcommand does not take: exit 2, naming the option and the subcommand', async () => {
    expectUsageLine(await runCli(['--timestamp', 'status']), /--timestamp, given before 'status'/);
    expectUsageLine(
      await runCli(['--config', config, 'credentials', 'show']),
      /--config, given before 'credentials show'/,
    );
  });
});

describe("a subcommand's own mistakes end as the upload's do", () => {
  it('an unknown option of a subcommand: exit 2, one line naming the help that lists its options', async () => {
    expectUsageLine(
      await runCli(['status', '--bogus']),
      /unknown option '--bogus'; upload-to-s3 status --help lists the options$/,
    );
    expectUsageLine(
      await runCli(['credentials', 'test', '--bogus']),
      /unknown option '--bogus'; upload-to-s3 credentials test --help lists the options$/,
    );
    expectUsageLine(
      await runCli(['credentials', 'bogus']),
      /unknown command 'bogus'; upload-to-s3 credentials --help lists the commands$/,
    );
    // a suggestion is the fix already
    expectUsageLine(
      await runCli(['check', '--downlod']),
      /unknown option '--downlod' \(Did you mean --download\?\)$/,
    );
  });

  it("an upload's unknown option or flag without its value: exit 2, one line naming the help", async () => {
    expectUsageLine(
      await runCli(['--project-key', PROJECT_KEY, '--bogus']),
      /unknown option '--bogus'; upload-to-s3 --help lists the options$/,
    );
    expectUsageLine(
      await runCli(['--project-key', PROJECT_KEY, '--max-concurrency']),
      /option '--max-concurrency <n>' argument missing; upload-to-s3 --help lists the options$/,
    );
  });

  it('a missing required option of a subcommand: exit 2, one line', async () => {
    expectUsageLine(
      await runCli(['cleanup', '--config', config]),
      /--project-key <key>' not specified; upload-to-s3 cleanup --help lists the options$/,
    );
  });

  it("`help COMMAND` shows that command's help, as `COMMAND --help` does", async () => {
    const result = await runCli(['help', 'check']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Usage: upload-to-s3 check \[options\]/);
    expect((await runCli(['check', '--help'])).stdout).toBe(result.stdout);
  });

  it('a mistyped command or a bare project key: exit 2, naming the commands', async () => {
    expectUsageLine(await runCli(['stauts']), /unknown command 'stauts' \(did you mean status\?\)/);
    expectUsageLine(await runCli(['upload']), /unknown command 'upload' \(the commands are status, /);
    expectUsageLine(await runCli(['help', 'chek']), /help chek: no such command; did you mean check\?$/);
    expectUsageLine(await runCli(['--project-key', '']), /--project-key: empty; give the project code/);
    expectUsageLine(await runCli(['RMI25320']), /e\.g\. --project-key RMI25320/);
  });
});

describe('the upload flags of a scheduled task', () => {
  const task = ['schedule', '--at', '02:00', '--', '--project-key', 'K1', '--config', 'D:\\c.yaml'];

  it.each([
    [['--bogus'], /the upload after --: unknown option '--bogus'/],
    [
      ['--max-bandwidth', '20'],
      /every run of this task would stop at once: --max-bandwidth: '20' has no unit/,
    ],
    [['--timestamp', '--custom-timestamp', '20200101_0000'], /--timestamp with --custom-timestamp/],
    [['--custom-timestamp', '2020'], /--custom-timestamp: '2020' is not YYYYMMDD_HHMM/],
    [['--ca-bundle', 'ca.pem'], /schedule --ca-bundle: 'ca\.pem' is a relative path/],
    [['--log-left-out', 'left.csv'], /schedule --log-left-out: 'left\.csv' is a relative path/],
    // --json after -- is the task's: the error is still one line on stderr
    [['--quiet', '--json'], /--quiet with --json/],
  ])('%j, which every run would refuse, is refused now: exit 2, one line', async (extra, pattern) => {
    const result = await runCli([...task, ...extra]);
    expectUsageLine(result, pattern);
    expect(result.stdout).toBe('');
  });

  it('reads attached short forms as the upload does', async () => {
    const result = await runCli(['schedule', '--at', '02:00', '--', '-pK1', '-cD:\\c.yaml']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^(Preview made on [a-z0-9]+: .*\n\n)?Task "upload-to-s3 K1": daily at 02:00/,
    );
  });

  it.runIf(process.platform !== 'win32')(
    '--register where there is no schtasks.exe: exit 2, saying why',
    async () => {
      expectUsageLine(
        await runCli(['schedule', '--at', '02:00', '--register', '--', '-p', 'K1', '-c', 'D:\\c.yaml']),
        /schedule --register: registering runs schtasks\.exe, which only Windows has, so nothing was registered/,
      );
    },
  );
});
