import { describe, expect, it } from 'vitest';
import { defineTask, type TaskRequest } from '../../../src/schedule/task-definition.js';
import {
  encodeTaskXml,
  escapeXml,
  formatIsoDuration,
  renderTaskXml,
} from '../../../src/schedule/task-xml.js';
import { parseWindowsCommandLine } from './windows-argv.js';
import { findElement, readXml, type XmlElement } from './xml-reader.js';

const NODE = 'C:\\Program Files\\nodejs\\node.exe';
const CLI = 'C:\\Program Files\\nodejs\\node_modules\\upload-to-s3\\dist\\cli.js';

function request(overrides: Partial<TaskRequest> = {}): TaskRequest {
  return {
    name: 'RMI25320 nightly',
    at: '02:00',
    uploadArgs: ['--config', 'D:\\survey\\config.yaml', '--project-key', 'RMI25320'],
    nodePath: NODE,
    cliPath: CLI,
    programData: 'C:\\ProgramData',
    today: new Date(2025, 0, 31),
    ...overrides,
  };
}

function textOf(root: XmlElement, name: string): string | undefined {
  return findElement(root, name)?.text;
}

describe('renderTaskXml', () => {
  it('is well-formed Task Scheduler XML with the settings a nightly upload needs', () => {
    const root = readXml(renderTaskXml(defineTask(request())));
    expect(root.name).toBe('Task');
    expect(root.attributes).toEqual({
      version: '1.2',
      xmlns: 'http://schemas.microsoft.com/windows/2004/02/mit/task',
    });
    expect(textOf(root, 'URI')).toBe('\\RMI25320 nightly');
    expect(textOf(root, 'StartBoundary')).toBe('2025-01-31T02:00:00');
    expect(textOf(root, 'DaysInterval')).toBe('1');
    expect(textOf(root, 'MultipleInstancesPolicy')).toBe('IgnoreNew');
    expect(textOf(root, 'ExecutionTimeLimit')).toBe('PT12H');
    expect(textOf(root, 'DisallowStartIfOnBatteries')).toBe('false');
    expect(textOf(root, 'StartWhenAvailable')).toBe('true');
    expect(textOf(root, 'Command')).toBe(NODE);
    expect(textOf(root, 'WorkingDirectory')).toBe('D:\\survey');
  });

  it('runs as SYSTEM by its SID, with no logon type and no password', () => {
    const principal = findElement(readXml(renderTaskXml(defineTask(request()))), 'Principal')!;
    expect(principal.children.map((c) => [c.name, c.text])).toEqual([
      ['UserId', 'S-1-5-18'],
      ['RunLevel', 'HighestAvailable'],
    ]);
  });

  it('runs as an account with its stored password, so whether the user is logged on or not', () => {
    const xml = renderTaskXml(defineTask(request({ runAs: 'CONTOSO\\svc-upload', timeLimit: '0' })));
    const root = readXml(xml);
    expect(findElement(root, 'Principal')!.children.map((c) => [c.name, c.text])).toEqual([
      ['UserId', 'CONTOSO\\svc-upload'],
      ['LogonType', 'Password'],
      ['RunLevel', 'LeastPrivilege'],
    ]);
    expect(textOf(root, 'ExecutionTimeLimit')).toBe('PT0S');
  });

  it('escapes quotes, spaces, & and < in the arguments, which read back as the exact argv', () => {
    const folder = 'D:\\R&D <survey> "2025"\\it\'s here\\';
    const name = "Müller & Söhne's nightly";
    const xml = renderTaskXml(
      defineTask(request({ name, uploadArgs: ['--folder', folder, '-p', 'RMI25320'] })),
    );
    expect(xml).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
    const root = readXml(xml);
    const argv = parseWindowsCommandLine(textOf(root, 'Arguments')!);
    expect(argv.slice(0, 5)).toEqual([CLI, '--folder', folder, '-p', 'RMI25320']);
    expect(textOf(root, 'URI')).toBe(`\\${name}`);
  });
});

describe('encodeTaskXml', () => {
  it('writes UTF-16LE with a byte-order mark, as the declaration says', () => {
    const xml = renderTaskXml(defineTask(request({ name: 'Müller nightly' })));
    const bytes = encodeTaskXml(xml);
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-16"?>')).toBe(true);
    expect(bytes.subarray(2).toString('utf16le')).toBe(xml);
  });
});

describe('escapeXml', () => {
  it('escapes the five XML special characters', () => {
    expect(escapeXml(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&apos;f');
  });
});

describe('formatIsoDuration', () => {
  it.each([
    [0, 'PT0S'],
    [59, 'PT59S'],
    [5400, 'PT1H30M'],
    [12 * 3600, 'PT12H'],
    [86_400, 'P1D'],
    [129_600, 'P1DT12H'],
    [90_061, 'P1DT1H1M1S'],
  ])('%i seconds -> %s', (seconds, duration) => {
    expect(formatIsoDuration(seconds)).toBe(duration);
  });
});
