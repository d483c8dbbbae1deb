import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import {
  defineTask,
  formatTaskCommandLine,
  schtasksArguments,
  taskSlug,
  type TaskRequest,
} from '../../../src/schedule/task-definition.js';
import { parseWindowsCommandLine } from './windows-argv.js';

const NODE = 'C:\\Program Files\\nodejs\\node.exe';
const CLI = 'C:\\Program Files\\nodejs\\node_modules\\upload-to-s3\\dist\\cli.js';

function request(overrides: Partial<TaskRequest> = {}): TaskRequest {
  return {
    name: 'RMI25320 nightly',
    at: '02:00',
    uploadArgs: [
      '--config',
      'D:\\survey\\config.yaml',
      '--folder',
      'D:\\survey\\RMI25320',
      '--project-key',
      'RMI25320',
    ],
    nodePath: NODE,
    cliPath: CLI,
    programData: 'C:\\ProgramData',
    today: new Date(2025, 0, 31, 15, 45),
    ...overrides,
  };
}

describe('defineTask', () => {
  it('runs node.exe on the CLI entry with the completed upload flags, daily from today at the given time', () => {
    const task = defineTask(request());
    expect(task.command).toBe(NODE);
    expect(task.startBoundary).toBe('2025-01-31T02:00:00');
    expect(parseWindowsCommandLine(task.arguments)).toEqual([
      CLI,
      ...request().uploadArgs,
      '--state-dir',
      'machine',
      '--log-file',
      'C:\\ProgramData\\upload-to-s3\\tasks\\RMI25320-nightly\\upload.log',
      '--status-json',
      'C:\\ProgramData\\upload-to-s3\\tasks\\RMI25320-nightly\\status.json',
    ]);
    expect(task.workingDirectory).toBe('D:\\survey');
    expect(task.account).toEqual({ kind: 'system' });
    expect(task.timeLimitSeconds).toBe(12 * 3600);
  });

  it('quotes the whole command line so that node.exe receives each argument unchanged', () => {
    const folder = 'D:\\Survey "2025" & <co>\\RMI 25320\\';
    const task = defineTask(request({ uploadArgs: ['--folder', folder, '-p', 'RMI25320'] }));
    const argv = parseWindowsCommandLine(formatTaskCommandLine(task));
    expect(argv.slice(0, 4)).toEqual([NODE, CLI, '--folder', folder]);
    expect(formatTaskCommandLine(task)).toContain('"D:\\Survey \\"2025\\" & <co>\\RMI 25320\\\\"');
  });

  it('starts in the project folder without a config, and in %ProgramData% with neither', () => {
    expect(defineTask(request({ uploadArgs: ['--folder', 'E:\\p', '-p', 'K'] })).workingDirectory).toBe(
      'E:\\p',
    );
    expect(defineTask(request({ uploadArgs: ['-p', 'K'] })).workingDirectory).toBe('C:\\ProgramData');
    expect(defineTask(request({ workingDirectory: 'F:\\work' })).workingDirectory).toBe('F:\\work');
  });

  it.each([
    [undefined, { kind: 'system' }],
    ['system', { kind: 'system' }],
    ['NT AUTHORITY\\SYSTEM', { kind: 'system' }],
    ['CONTOSO\\svc-upload', { kind: 'account', userId: 'CONTOSO\\svc-upload' }],
    ['.\\uploader', { kind: 'account', userId: '.\\uploader' }],
  ])('--run-as %j runs as %j', (runAs, account) => {
    expect(defineTask(request({ runAs })).account).toEqual(account);
  });

  it.each([
    ['90m', 5400],
    ['1.5h', 5400],
    ['0', 0],
    ['36h', 129_600],
  ])('--time-limit %s is %i seconds', (timeLimit, seconds) => {
    expect(defineTask(request({ timeLimit })).timeLimitSeconds).toBe(seconds);
  });

  it.each([
    [{ at: '25:00' }, /^schedule --at: '25:00' is not a time of day; use HH:MM, e.g. 02:00$/],
    [{ at: '2am' }, /^schedule --at: '2am' is not a time of day/],
    [{ at: '' }, /^schedule --at: no start time given; add the daily start time, e.g. --at 02:00$/],
    [{ name: 'a/b' }, /^schedule --name: 'a\/b' is not a task name; /],
    [{ name: '  ' }, /^schedule --name: ' {2}' is not a task name; /],
    [{ runAs: 'bad"user' }, /^schedule --run-as: 'bad"user' is not an account; use SYSTEM or DOMAIN\\user/],
    [{ timeLimit: 'forever' }, /^--time-limit: 'forever' is not a duration/],
    [
      { workingDirectory: 'work' },
      /^schedule --working-directory: 'work' is a relative path, which a scheduled task would look for in another folder; give the full path, e.g. D:\\survey$/,
    ],
    [
      { workingDirectory: '/srv/survey' },
      /^schedule --working-directory: '\/srv\/survey' has no drive letter, so Task Scheduler on Windows would not find it; give/,
    ],
    [{ uploadArgs: [] }, /^schedule: no upload command after --/],
    [
      { uploadArgs: ['--config', 'config.yaml', '-p', 'K'] },
      /^schedule --config: 'config.yaml' is a relative path/,
    ],
  ] as const)('refuses %j with a ConfigError naming the flag and the fix', (overrides, message) => {
    expect(() => defineTask(request(overrides))).toThrow(ConfigError);
    expect(() => defineTask(request(overrides))).toThrow(message);
  });
});

describe('schtasksArguments', () => {
  it('registers from the XML file, replacing a task of the same name', () => {
    expect(schtasksArguments(defineTask(request()), 'C:\\t\\task.xml')).toEqual([
      '/Create',
      '/TN',
      'RMI25320 nightly',
      '/XML',
      'C:\\t\\task.xml',
      '/F',
    ]);
  });

  it("asks for an account's password so the task runs whether the user is logged on or not", () => {
    const task = defineTask(request({ runAs: 'CONTOSO\\svc-upload' }));
    expect(schtasksArguments(task, 'task.xml')).toEqual([
      '/Create',
      '/TN',
      'RMI25320 nightly',
      '/XML',
      'task.xml',
      '/RU',
      'CONTOSO\\svc-upload',
      '/RP',
      '*',
      '/F',
    ]);
  });
});

describe('taskSlug', () => {
  it.each([
    ['RMI25320 nightly', 'RMI25320-nightly'],
    ['upload-to-s3 RMI_1.a', 'upload-to-s3-RMI_1.a'],
    ['Müller & Co', 'M-ller-Co'],
    ['***', 'task'],
  ])('%j -> %j', (name, slug) => {
    expect(taskSlug(name)).toBe(slug);
  });
});
