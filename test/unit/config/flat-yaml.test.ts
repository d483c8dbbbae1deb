import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { parseFlatYaml } from '../../../src/config/flat-yaml.js';

/** What the YAML library makes of a text, as the config loader asks it: the mapping, or 'error'. */
function libraryReading(text: string): unknown {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false, logLevel: 'silent' });
  if (document.errors.length > 0 || document.warnings.length > 0) return 'error';
  return document.toJS() ?? {};
}

const VALUES = [
  '',
  'my-survey-bucket',
  'ap-southeast-2',
  'http://127.0.0.1:7481',
  'https://s3.example.com:9000/base',
  'surveys/2025',
  './projects',
  'D:\\data\\reels',
  'C:/Users/crew/upload-log.csv',
  'cpu*4',
  '8',
  '007',
  '-5',
  '+5',
  '-0',
  '1.5',
  '1.',
  '.5',
  '-.5',
  '1e3',
  '0x1F',
  '0o17',
  '.inf',
  '.nan',
  '12345678901234567890',
  '2025-01-01',
  '20250101_1200',
  'true',
  'True',
  'TRUE',
  'tRUE',
  'false',
  'yes',
  'no',
  'on',
  'off',
  '~',
  'null',
  'Null',
  'NULL',
  'nULL',
  '~x',
  'a b  c',
  'a,b',
  'a]b',
  'a{b}',
  "O'Brien",
  'say "hi"',
  'value#not-a-comment',
  'value # a comment',
  'value  #  a comment',
  'a: b',
  'a:',
  'C:',
  ':a',
  '?a',
  '-a',
  '- a',
  '[a, b]',
  '{a: b}',
  '&anchor a',
  '*alias',
  '!tag a',
  '|',
  '>',
  '%a',
  '@a',
  '`a',
  '#comment only',
  "'single'",
  "'it''s'",
  "''",
  "'a' # comment",
  "'a'x",
  "'unclosed",
  "'a: b'",
  '"double"',
  '""',
  '"a" # comment',
  '"a\\tb"',
  '"D:\\data"',
  '"unclosed',
  '"a"x',
  '"it\'s"',
  'trailing   ',
  '=',
  '<a>',
  '$HOME/x',
  '(a)',
];

const KEYS = ['bucket', 'max_concurrency', 'auth-mode', '_private', 'a1'];

describe('parseFlatYaml', () => {
  it('reads every value it takes the way the YAML library does', () => {
    for (const value of VALUES) {
      for (const text of [
        `bucket: ${value}`,
        `bucket: ${value}\r\n`,
        `# head\n\nbucket:  ${value}\n  # note\n`,
      ]) {
        const flat = parseFlatYaml(text);
        if (flat !== undefined) expect({ text, flat }).toEqual({ text, flat: libraryReading(text) });
      }
    }
  });

  it('reads what the YAML library reads in mixed files of many lines', () => {
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 2000; round += 1) {
      const lines = Array.from({ length: 1 + next(6) }, () => {
        const key = KEYS[next(KEYS.length)]!;
        const value = VALUES[next(VALUES.length)]!;
        return next(8) === 0 ? `  ${key}: ${value}` : `${key}: ${value}`;
      });
      const text = lines.join(next(2) === 0 ? '\n' : '\r\n');
      const flat = parseFlatYaml(text);
      if (flat !== undefined) expect({ text, flat }).toEqual({ text, flat: libraryReading(text) });
    }
  });

  it('takes the values plain config files hold', () => {
    const text = [
      '# upload-to-s3 config',
      'bucket: my-survey-bucket',
      "region: 'ap-southeast-2'",
      'endpoint_url: http://127.0.0.1:7481   # the local server',
      'force_path_style: true',
      'max_concurrency: cpu*4',
      'status_interval: 5',
      'bandwidth_limit: 2.5',
      'project_base: D:\\data\\projects',
      'prefix: "surveys/2025"',
      'kms_key_id:',
      'storage_class: ~',
      '',
    ].join('\r\n');
    expect(parseFlatYaml(text)).toEqual({
      bucket: 'my-survey-bucket',
      region: 'ap-southeast-2',
      endpoint_url: 'http://127.0.0.1:7481',
      force_path_style: true,
      max_concurrency: 'cpu*4',
      status_interval: 5,
      bandwidth_limit: 2.5,
      project_base: 'D:\\data\\projects',
      prefix: 'surveys/2025',
      kms_key_id: null,
      storage_class: null,
    });
    expect(parseFlatYaml('')).toEqual({});
    expect(parseFlatYaml('# only a comment\n')).toEqual({});
  });

  it.each([
    ['a nested mapping', 'folder_types:\n  reels: [.mp4, .json]'],
    ['a sequence under a key', 'include:\n- reels'],
    ['a key given twice', 'bucket: a\nbucket: b'],
    ['a document marker', '---\nbucket: a'],
    ['a tab', 'bucket:\ta'],
    ['a carriage return inside a line', 'bucket: a\rb: c'],
    ['an unclosed single quote after an escaped one', "bucket: 'a'' # c"],
    ['a letter outside ASCII', 'prefix: vermessung/straße'],
    ['a key that is a boolean', 'true: a'],
    ['a key named __proto__', '__proto__: a'],
    ['a value glued to its colon', 'bucket:a'],
    ['a double-quoted escape', 'project_base: "D:\\data"'],
    ['a hexadecimal number', 'status_interval: 0x10'],
    ['a date', 'custom_timestamp: 2025-01-01'],
  ])('leaves %s to the YAML library', (_what, text) => {
    expect(parseFlatYaml(text)).toBeUndefined();
  });
});
