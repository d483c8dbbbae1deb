import { describe, expect, it } from 'vitest';
import { joinWindowsCommandLine, quoteWindowsArgument } from '../../../src/schedule/windows-command-line.js';
import { parseWindowsCommandLine } from './windows-argv.js';

describe('quoteWindowsArgument', () => {
  it.each([
    ['D:\\survey\\config.yaml', 'D:\\survey\\config.yaml'],
    ['--project-key', '--project-key'],
    ['D:\\My Survey\\config.yaml', '"D:\\My Survey\\config.yaml"'],
    ['', '""'],
    ['say "hi"', '"say \\"hi\\""'],
    ['a"b', '"a\\"b"'],
    ['D:\\My Data\\', '"D:\\My Data\\\\"'],
    ['\\\\server\\share\\dir\\', '\\\\server\\share\\dir\\'],
    ['a\\"b', '"a\\\\\\"b"'],
    ['R&D <2025>', '"R&D <2025>"'],
    ['tab\there', '"tab\there"'],
  ])('quotes %j as %s', (argument, expected) => {
    expect(quoteWindowsArgument(argument)).toBe(expected);
  });
});

describe('joinWindowsCommandLine', () => {
  it('gives back every argument unchanged through the C runtime rules, quotes, spaces and trailing backslashes included', () => {
    const args = [
      'C:\\Program Files\\nodejs\\node_modules\\upload-to-s3\\dist\\cli.js',
      '--folder',
      'D:\\survey\\RMI25320 "final" & <raw>\\',
      '--log-file',
      'E:\\logs\\',
      '',
      'x\\\\"y',
      '100%',
      'Müller\\Ünïcødé',
    ];
    expect(parseWindowsCommandLine(joinWindowsCommandLine(args))).toEqual(args);
  });
});
