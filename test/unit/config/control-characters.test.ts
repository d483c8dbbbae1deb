import { describe, expect, it } from 'vitest';
import {
  describeArgumentControlCharacter,
  describeConfigControlCharacter,
  hasControlCharacter,
  restoreEscapes,
} from '../../../src/config/control-characters.js';

describe('hasControlCharacter', () => {
  it.each(['D:\new', 'a\tb', 'a\rb', 'a\0b', 'a\x7fb', 'a\x85b', 'a\u2028b'])('finds one in %j', (text) => {
    expect(hasControlCharacter(text)).toBe(true);
  });

  it.each(['D:\\new\\reels', 'D:/new/reels', '\\\\server\\share', 'Müller Straße', ''])(
    'finds none in %j',
    (text) => {
      expect(hasControlCharacter(text)).toBe(false);
    },
  );
});

describe('restoreEscapes', () => {
  it('gives back the path as typed in YAML double quotes', () => {
    // "D:\new\reels\temp" in double quotes: \n newline, \r carriage return, \t tab
    expect(restoreEscapes('D:\new\reels\temp')).toBe('D:\\new\\reels\\temp');
    expect(restoreEscapes('D:\x07rchive\x1bxport')).toBe('D:\\archive\\export');
  });
});

describe('describeConfigControlCharacter', () => {
  it('names the key, the character and the YAML escape, and shows the path written safely', () => {
    expect(describeConfigControlCharacter('project_base', 'D:\new\reels', 'path')).toBe(
      "project_base contains a newline (in double quotes YAML reads \\n as an escape); write the path in single quotes ('D:\\new\\reels') or with forward slashes",
    );
  });

  it('names a tab from "C:\\temp"', () => {
    expect(describeConfigControlCharacter('state_dir', 'C:\temp', 'path')).toMatch(
      /^state_dir contains a tab \(in double quotes YAML reads \\t as an escape\); .*\('C:\\temp'\)/,
    );
  });

  it('never shows a value that is not a path: it may be a secret', () => {
    const message = describeConfigControlCharacter('aws_secret_access_key', 'abc\ndef-secret', 'text') ?? '';

    expect(message).toBe(
      'aws_secret_access_key contains a newline (in double quotes YAML reads \\n as an escape); write the value in single quotes, or remove the character',
    );
    expect(message).not.toContain('secret\n');
    expect(message).not.toContain('def-secret');
  });

  it('returns undefined for a clean value', () => {
    expect(describeConfigControlCharacter('project_base', 'D:\\new\\reels', 'path')).toBeUndefined();
  });
});

describe('describeArgumentControlCharacter', () => {
  it('points at a Windows line ending for a carriage return', () => {
    expect(describeArgumentControlCharacter('--folder', 'D:\\reels\r')).toBe(
      '--folder contains a carriage return (a Windows line ending kept by the script that built it?); pass the value without it',
    );
  });

  it('names other characters by code point', () => {
    expect(describeArgumentControlCharacter('UPLOAD_TO_S3_STATE_DIR', 'a\x01b')).toBe(
      'UPLOAD_TO_S3_STATE_DIR contains a control character (U+0001); pass the value without it',
    );
  });
});
