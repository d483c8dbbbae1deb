import { describe, expect, it } from 'vitest';
import {
  buildObjectKey,
  MAX_KEY_BYTES,
  normalizePrefix,
  validateProjectKey,
  type KeyParts,
} from '../../../src/collector/object-key.js';
import { ConfigError, SourceError } from '../../../src/errors.js';

function key(overrides: Partial<KeyParts>): string {
  return buildObjectKey({
    prefix: '',
    projectKey: 'RMI25320',
    folderType: 'reels',
    relPath: 'R001/R001.mp4',
    ...overrides,
  });
}

describe('buildObjectKey', () => {
  it('builds {project_key}/{folder_type}/{rel_path}', () => {
    expect(key({})).toBe('RMI25320/reels/R001/R001.mp4');
  });

  it('puts the timestamp folder between the folder type and the relative path', () => {
    expect(key({ folderType: 'config', timestamp: '20250131_1430', relPath: 'project.yaml' })).toBe(
      'RMI25320/config/20250131_1430/project.yaml',
    );
  });

  it('puts the prefix in front of the project key', () => {
    expect(key({ prefix: 'field-data/' })).toBe('field-data/RMI25320/reels/R001/R001.mp4');
  });

  it('puts prefix, project key, folder type, timestamp and path in that order', () => {
    expect(
      key({ prefix: 'a/b/', folderType: 'logs', timestamp: '20250131_1430', relPath: 'day1/run.log' }),
    ).toBe('a/b/RMI25320/logs/20250131_1430/day1/run.log');
  });

  it('turns Windows backslashes into forward slashes', () => {
    expect(key({ relPath: 'R001\\sub\\R001.mp4', prefix: 'field-data\\2025\\', pathStyle: 'win32' })).toBe(
      'field-data/2025/RMI25320/reels/R001/sub/R001.mp4',
    );
  });

  it('keeps a backslash of a POSIX name, where it is no separator', () => {
    expect(key({ relPath: 'logs/back\\slash.log', pathStyle: 'posix' })).toBe(
      'RMI25320/reels/logs/back\\slash.log',
    );
  });

  it('leaves no empty or "." segments', () => {
    expect(key({ prefix: '//a//b/', relPath: '/./R001//./R001.mp4' })).toBe(
      'a/b/RMI25320/reels/R001/R001.mp4',
    );
    expect(key({ prefix: '/' })).not.toMatch(/^\/|\/\//);
  });

  it('treats an empty timestamp as none', () => {
    expect(key({ timestamp: '' })).toBe('RMI25320/reels/R001/R001.mp4');
  });

  it('writes decomposed (NFD) names in composed form (NFC), as macOS and Windows users expect', () => {
    const decomposed = 'Cafe\u0301/Ra\u0308der.json';

    const built = key({ relPath: decomposed, prefix: 'Zu\u0308rich' });

    expect(built).toBe('Z\u00fcrich/RMI25320/reels/Caf\u00e9/R\u00e4der.json');
    expect(built).toBe(built.normalize('NFC'));
  });

  it('keeps names with dots inside a segment', () => {
    expect(key({ relPath: 'R001/clip..final.mp4' })).toBe('RMI25320/reels/R001/clip..final.mp4');
  });

  it.each(['../secret.mp4', 'R001/../../secret.mp4', '..\\secret.mp4'])(
    "refuses a path that leaves its folder with '..': %s",
    (relPath) => {
      expect(() => key({ relPath, pathStyle: 'win32' })).toThrow(SourceError);
      expect(() => key({ relPath, pathStyle: 'win32' })).toThrow(
        `build key: the path leaves its folder with '..'`,
      );
    },
  );

  it('accepts a key of exactly 1,024 bytes', () => {
    const head = 'RMI25320/reels/';
    const relPath = 'a'.repeat(MAX_KEY_BYTES - head.length);

    expect(Buffer.byteLength(key({ relPath }))).toBe(1024);
  });

  it("refuses a key over S3's 1,024-byte limit, naming its size", () => {
    const relPath = 'a'.repeat(MAX_KEY_BYTES - 'RMI25320/reels/'.length + 1);

    expect(() => key({ relPath })).toThrow(SourceError);
    expect(() => key({ relPath })).toThrow(
      "the key is 1025 bytes, over S3's limit of 1024; shorten the path or the prefix",
    );
  });

  it('counts the limit in UTF-8 bytes, not characters', () => {
    const relPath = '\u00e9'.repeat(600);

    expect(relPath.length + 'RMI25320/reels/'.length).toBeLessThan(MAX_KEY_BYTES);
    expect(() => key({ relPath })).toThrow(/the key is 1215 bytes/);
  });
});

describe('normalizePrefix', () => {
  it.each([
    [undefined, ''],
    ['', ''],
    ['/', ''],
    ['./', ''],
    ['field-data', 'field-data/'],
    ['field-data/', 'field-data/'],
    ['/field-data//2025/', 'field-data/2025/'],
    ['field-data\\2025', 'field-data/2025/'],
    ['Zu\u0308rich', 'Z\u00fcrich/'],
  ])('normalises %j to %j', (prefix, expected) => {
    expect(normalizePrefix(prefix)).toBe(expected);
  });
});

describe('validateProjectKey', () => {
  it.each(['RMI25320', 'rmi-2025_v1.2', 'A'])('accepts %s', (projectKey) => {
    expect(validateProjectKey(projectKey)).toBe(projectKey);
  });

  it('trims surrounding blanks', () => {
    expect(validateProjectKey(' RMI25320 ')).toBe('RMI25320');
  });

  it.each(['', 'RMI/25320', 'RMI\\25320', '..', '.hidden', 'RMI 25320', 'x'.repeat(129)])(
    'refuses %j',
    (projectKey) => {
      expect(() => validateProjectKey(projectKey)).toThrow(ConfigError);
      expect(() => validateProjectKey(projectKey)).toThrow(/^--project-key: '.*' is not a project key/);
    },
  );
});
