import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { completeUploadArguments, isAbsoluteWindowsPath } from '../../../src/schedule/upload-arguments.js';

const MACHINE = 'C:\\ProgramData\\upload-to-s3';
const BASE = [
  '--config',
  'D:\\survey\\config.yaml',
  '--folder',
  'D:\\survey\\RMI25320',
  '--project-key',
  'RMI25320',
];

describe('completeUploadArguments', () => {
  it('gives the task the config and folder a run at this prompt would have found without flags', () => {
    const upload = completeUploadArguments(['--project-key', 'RMI25320'], MACHINE, 'nightly', {
      config: 'C:\\Users\\crew\\AppData\\Roaming\\upload-to-s3\\config.yaml',
      folder: 'D:\\survey\\RMI25320',
    });

    expect(upload.args.slice(0, 6)).toEqual([
      '--project-key',
      'RMI25320',
      '--config',
      'C:\\Users\\crew\\AppData\\Roaming\\upload-to-s3\\config.yaml',
      '--folder',
      'D:\\survey\\RMI25320',
    ]);
    expect(upload).toMatchObject({
      configPath: 'C:\\Users\\crew\\AppData\\Roaming\\upload-to-s3\\config.yaml',
      folder: 'D:\\survey\\RMI25320',
    });
  });

  it('keeps the config and folder given after -- over the ones found here', () => {
    const upload = completeUploadArguments(BASE, MACHINE, 'nightly', {
      config: 'C:\\found\\config.yaml',
      folder: 'C:\\found',
    });

    expect(upload.args.slice(0, BASE.length + 1)).toEqual([...BASE, '--state-dir']);
    expect(upload).toMatchObject({ configPath: 'D:\\survey\\config.yaml', folder: 'D:\\survey\\RMI25320' });
  });

  it('refuses a found path a Windows task could not use, as it would a given one', () => {
    expect(() =>
      completeUploadArguments(['-p', 'RMI25320'], MACHINE, 'nightly', { config: '/home/crew/config.yaml' }),
    ).toThrow("schedule --config: '/home/crew/config.yaml' has no drive letter");
  });

  it('adds the machine-wide state folder, and the log and status files under it, to a bare upload', () => {
    const upload = completeUploadArguments(BASE, MACHINE, 'RMI25320-nightly');
    expect(upload.args).toEqual([
      ...BASE,
      '--state-dir',
      'machine',
      '--log-file',
      'C:\\ProgramData\\upload-to-s3\\tasks\\RMI25320-nightly\\upload.log',
      '--status-json',
      'C:\\ProgramData\\upload-to-s3\\tasks\\RMI25320-nightly\\status.json',
    ]);
    expect(upload).toMatchObject({
      projectKey: 'RMI25320',
      stateDir: MACHINE,
      configPath: 'D:\\survey\\config.yaml',
      folder: 'D:\\survey\\RMI25320',
    });
  });

  it('keeps a given state folder, log file and status file, and puts the defaults under the given state folder', () => {
    const given = [...BASE, '--state-dir=E:\\upload-state', '--status-json', '\\\\nas\\share\\status.json'];
    const upload = completeUploadArguments(given, MACHINE, 'nightly');
    expect(upload.args).toEqual([...given, '--log-file', 'E:\\upload-state\\tasks\\nightly\\upload.log']);
    expect(upload.stateDir).toBe('E:\\upload-state');
    expect(upload.statusJson).toBe('\\\\nas\\share\\status.json');
  });

  it('reads attached short forms as the upload does', () => {
    const upload = completeUploadArguments(['-pRMI1', '-cD:\\cfg.yaml', '-f', 'D:\\p'], MACHINE, 't');
    expect(upload).toMatchObject({ projectKey: 'RMI1', configPath: 'D:\\cfg.yaml', folder: 'D:\\p' });
    expect(upload.flags).toMatchObject({ projectKey: 'RMI1', config: 'D:\\cfg.yaml', folder: 'D:\\p' });
  });

  it('reads short flags and --flag=value forms', () => {
    const upload = completeUploadArguments(
      ['-p', 'RMI1', '-c', 'D:/cfg.yaml', '--folder=D:\\p'],
      MACHINE,
      't',
    );
    expect(upload).toMatchObject({ projectKey: 'RMI1', configPath: 'D:/cfg.yaml', folder: 'D:\\p' });
  });

  it('does not change the arguments it was given', () => {
    const given = [...BASE];
    completeUploadArguments(given, MACHINE, 't');
    expect(given).toEqual(BASE);
  });

  it.each([
    [[], /^schedule: no upload command after --; put the upload flags after --/],
    [['status', 'x.json'], /^schedule: 'status' after -- is not an upload flag; /],
    [
      ['--config', 'D:\\c.yaml'],
      /^schedule: the upload command after -- has no --project-key; add --project-key KEY/,
    ],
    [
      ['--config', 'config.yaml', '--project-key', 'K'],
      /^schedule --config: 'config.yaml' is a relative path, which a scheduled task would look for in another folder; give the full path, e.g. D:\\survey\\config.yaml$/,
    ],
    [['-c', '.\\survey\\c.yaml', '-p', 'K'], /^schedule --config: '\.\\survey\\c\.yaml' is a relative path/],
    [['--config=\\survey\\c.yaml', '-p', 'K'], /^schedule --config: '\\survey\\c\.yaml' is a relative path/],
    [['-p', 'K', '--folder', 'RMI25320'], /^schedule --folder: 'RMI25320' is a relative path/],
    [['-p', 'K', '--log-file', 'D:log.txt'], /^schedule --log-file: 'D:log.txt' is a relative path/],
    [['-p', 'K', '--state-dir', 'state'], /^schedule --state-dir: 'state' is a relative path/],
    [
      ['-p', 'K', '--config', '/home/crew/config.yaml'],
      /^schedule --config: '\/home\/crew\/config\.yaml' has no drive letter, so Task Scheduler on Windows would not find it; give the full path, e.g. D:\\survey\\config\.yaml$/,
    ],
    [['-p', 'K', '--ca-bundle', 'ca.pem'], /^schedule --ca-bundle: 'ca\.pem' is a relative path/],
    [['-p', 'K', '--log-left-out', 'left.csv'], /^schedule --log-left-out: 'left\.csv' is a relative path/],
    [['-p', 'K', '-c.\\c.yaml'], /^schedule --config: '\.\\c\.yaml' is a relative path/],
    [
      ['-p', 'K', '--bogus'],
      /^schedule: the upload after --: unknown option '--bogus'; only an upload's flags can be scheduled/,
    ],
    [['-p', 'K', '--debg'], /unknown option '--debg' \(Did you mean --debug\?\)/],
    [['-p', 'K', '--max-bandwidth'], /option '--max-bandwidth <rate>' argument missing/],
    [['-p', 'K', '--group-by', 'x'], /argument 'x' is invalid\. Allowed choices are folder-type, reel;/],
    [
      ['-p', 'K', 'D:\\p'],
      /^schedule: the upload after --: 'D:\\p' is neither an upload flag nor the value of one/,
    ],
    [
      ['-p', 'K', '--folder', 'D:\\a\nb'],
      /^schedule: the argument 'D:\\a\\u000ab' contains a control character/,
    ],
  ])('refuses %j with one line naming the problem and the fix', (args, message) => {
    expect(() => completeUploadArguments(args, MACHINE, 't')).toThrow(ConfigError);
    expect(() => completeUploadArguments(args, MACHINE, 't')).toThrow(message);
  });
});

describe('isAbsoluteWindowsPath', () => {
  it.each([
    ['C:\\x', true],
    ['c:/x', true],
    ['\\\\server\\share\\x', true],
    ['//server/share', true],
    ['C:x', false],
    ['\\x', false],
    ['x\\y', false],
    ['\\\\server', false],
  ])('%j -> %s', (value, expected) => {
    expect(isAbsoluteWindowsPath(value)).toBe(expected);
  });
});
