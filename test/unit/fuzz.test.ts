/**
 * Seeded fuzzing of everything that reads user input: the YAML config loader (random bytes, garbage YAML,
 * mutated valid configs, random values for every key) followed by option resolution, and the value parsers.
 * Each may reject its input only with a ConfigError; what they accept must be in range. A few CLI runs with
 * fuzzed flags must exit 2 with one line and no stack trace. A failure prints the seed and the input.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile, type ConfigFile } from '../../src/config/config-file.js';
import {
  parseBandwidth,
  parseByteSize,
  parseConcurrency,
  parseCustomTimestamp,
  parseSeconds,
} from '../../src/config/parse-values.js';
import { resolveRunOptions, type RunOptions } from '../../src/config/run-options.js';
import { ConfigError } from '../../src/errors.js';

const SEED = 0x5eed_2025;
const CLI_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js');

/** mulberry32: the same seed gives the same inputs on every machine. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Gen {
  random: () => number;
  int(max: number): number;
  pick<T>(items: readonly T[]): T;
}

function generator(seed: number): Gen {
  const random = seededRandom(seed);
  return {
    random,
    int: (max) => Math.floor(random() * max),
    pick: (items) => items[Math.floor(random() * items.length)]!,
  };
}

const YAML_TOKENS = [
  ':',
  ': ',
  '- ',
  '[',
  ']',
  '{',
  '}',
  ',',
  '"',
  "'",
  '#',
  '&a',
  '*a',
  '!!str',
  '!!binary',
  '!!int',
  '!!map',
  '?',
  '|',
  '>',
  '---',
  '...',
  '%YAML 1.2',
  '\t',
  '  ',
  '\n',
  '\r\n',
  '\\',
  '\u0000',
  '\uFEFF',
  'é',
  '東京',
  '😀',
  '.inf',
  '-.inf',
  '.nan',
  'null',
  '~',
  'true',
  'no',
  '0x1F',
  '0o17',
  '1e400',
  '-0',
  '1_000',
  '2025-01-31',
  'bucket',
  'max_memory',
  'folder_types',
  'reels',
  '<<',
  '*',
];

const KEYS: ReadonlyArray<keyof ConfigFile> = [
  'bucket',
  'region',
  'endpoint_url',
  'force_path_style',
  'prefix',
  'auth_mode',
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
  'profile',
  'keyring_service',
  'project_base',
  'max_concurrency',
  'max_memory',
  'max_bandwidth',
  'socket_timeout',
  'status_json',
  'status_interval',
  'log_csv',
  'state_dir',
  'min_file_age',
  'folder_types',
];

const VALID_CONFIG = [
  'bucket: survey-data',
  'region: us-east-1',
  'endpoint_url: http://127.0.0.1:7480',
  'auth_mode: config',
  'aws_access_key_id: AKIAEXAMPLE',
  'aws_secret_access_key: secret',
  'max_concurrency: cpu*4',
  'max_memory: 256MiB',
  'max_bandwidth: 20MB/s',
  'socket_timeout: 300',
  'status_interval: 5',
  'min_file_age: 10m',
  'folder_types:',
  '  reels: [.mp4, .json]',
  '  drone: [.jpg, .tif]',
  '',
].join('\n');

function randomText(g: Gen, maxLength: number): string {
  let text = '';
  const length = g.int(maxLength);
  for (let i = 0; i < length; i++) {
    const r = g.random();
    text +=
      r < 0.6
        ? g.pick(YAML_TOKENS)
        : r < 0.9
          ? String.fromCharCode(32 + g.int(95))
          : String.fromCharCode(g.int(0x2fff));
  }
  return text;
}

/** A value of any YAML-ish shape: numbers at the edges, odd strings, lists, maps, null. */
function randomValue(g: Gen, depth = 0): unknown {
  switch (g.int(depth > 1 ? 6 : 9)) {
    case 0:
      return g.pick([0, -1, 1, 0.5, 1e-9, 1e21, 2 ** 31, -0, Number.MAX_SAFE_INTEGER, 1e308, 7, 300]);
    case 1:
      return g.pick([
        '',
        ' ',
        '0',
        '-5',
        'cpu*4',
        'cpu*0',
        'cpu*1e9',
        '16MiB',
        '1e3',
        'Infinity',
        'NaN',
        '5m',
        '2h',
        '10 s',
        '99999999999999999999999999999999',
      ]);
    case 2:
      return randomText(g, 12);
    case 3:
      return g.pick([true, false, null]);
    case 4:
      return g.pick([
        'http://127.0.0.1:7480',
        'ftp://x',
        'https://',
        'config',
        'keyring',
        'instance',
        'profile',
        'us east',
      ]);
    case 5:
      return `${g.int(100000)}${g.pick(['', 'b', 'KiB', 'MB/s', 'GiB', 'xb', 's', 'm', 'h', 'ps', '/s'])}`;
    case 6:
      return Array.from({ length: g.int(4) }, () => randomValue(g, depth + 1));
    case 7:
      return Object.fromEntries(
        Array.from({ length: g.int(4) }, () => [
          g.pick(['reels', 'x y', 'toString', 'valueOf', '__proto__', randomText(g, 5)]),
          randomValue(g, depth + 1),
        ]),
      );
    default:
      return { reels: Array.from({ length: g.int(3) }, () => g.pick(['.mp4', 'mp4', '', '.a b', 5])) };
  }
}

/** The five kinds of config file text the fuzzer writes. */
function randomConfigText(g: Gen): string {
  switch (g.int(5)) {
    case 0:
      return Buffer.from(Array.from({ length: g.int(300) }, () => g.int(256))).toString('latin1');
    case 1:
      return randomText(g, 60);
    case 2: {
      const chars = [...VALID_CONFIG];
      for (let n = 1 + g.int(6); n > 0; n--) {
        const at = g.int(chars.length);
        const op = g.int(3);
        if (op === 0) chars.splice(at, 1 + g.int(5));
        else if (op === 1) chars.splice(at, 0, g.pick(YAML_TOKENS));
        else chars[at] = String.fromCharCode(g.int(128));
      }
      return chars.join('');
    }
    case 3: {
      const values: Record<string, unknown> = {};
      for (let n = 1 + g.int(6); n > 0; n--) values[g.pick(KEYS)] = randomValue(g);
      return stringify(values);
    }
    default: {
      // a valid config with one key's value replaced: most of these load and reach option resolution
      const key = g.pick([
        'max_concurrency',
        'max_memory',
        'max_bandwidth',
        'socket_timeout',
        'status_interval',
        'min_file_age',
        'region',
        'prefix',
      ]);
      return `${VALID_CONFIG.replace(new RegExp(`^${key}:.*$`, 'm'), '')}\n${stringify({ [key]: randomValue(g) })}`;
    }
  }
}

/** What resolved options must satisfy, whatever the input. */
function expectInRange(options: RunOptions): void {
  expect(
    Number.isInteger(options.maxConcurrency) && options.maxConcurrency >= 1 && options.maxConcurrency <= 256,
  ).toBe(true);
  expect(options.maxMemoryBytes).toBeGreaterThanOrEqual(16 * 1024 * 1024);
  for (const entry of options.bandwidth.entries) expect(entry.bytesPerSecond).toBeGreaterThanOrEqual(0);
  // node timers overflow above 2^31-1 ms and then fire after 1 ms
  expect(options.socketTimeoutMs).toBeGreaterThanOrEqual(1000);
  expect(options.socketTimeoutMs).toBeLessThan(2 ** 31);
  expect(options.statusIntervalMs).toBeGreaterThan(0);
  expect(options.statusIntervalMs).toBeLessThan(2 ** 31);
  expect(options.minFileAgeSec).toBeGreaterThanOrEqual(0);
  expect(options.region).toMatch(/^[A-Za-z0-9-]+$/);
  expect(options.bucket).toMatch(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);
}

/** Runs `fn`; a thrown error must be a ConfigError. Returns the result, or undefined when it threw. */
async function onlyConfigErrors<T>(input: unknown, fn: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ConfigError) {
      expect(error.message.split('\n'), `one line for ${JSON.stringify(input)}`).toHaveLength(1);
      return undefined;
    }
    throw new Error(`seed ${SEED}: ${JSON.stringify(input)} threw ${String(error)}`, { cause: error });
  }
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fuzz-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the config loader and option resolution under random input', () => {
  it('reject 600 random config files with a ConfigError only, and keep every accepted value in range', async () => {
    const g = generator(SEED);
    const file = path.join(dir, 'config.yaml');
    let accepted = 0;
    for (let i = 0; i < 600; i++) {
      const text = randomConfigText(g);
      await writeFile(file, text, 'latin1');
      const loaded = await onlyConfigErrors(text, () => loadConfigFile(file));
      if (!loaded) continue;
      const values = { bucket: 'survey-data', ...loaded.values };
      const options = await onlyConfigErrors(text, () =>
        resolveRunOptions({ projectKey: 'RMI25320', folder: dir }, values, {}, new Date(2025, 0, 31), file),
      );
      if (!options) continue;
      accepted += 1;
      expectInRange(options);
    }
    // the generator must reach resolution often enough for the range checks to mean something
    expect(accepted).toBeGreaterThan(30);
  });
});

describe('the value parsers under random input', () => {
  const parsers: Array<[string, (value: unknown) => unknown]> = [
    ['parseConcurrency', (v) => parseConcurrency(v, 'max_concurrency', 2)],
    ['parseByteSize', (v) => parseByteSize(v, 'max_memory')],
    ['parseBandwidth', (v) => parseBandwidth(v, 'max_bandwidth')],
    ['parseSeconds', (v) => parseSeconds(v, 'socket_timeout')],
    [
      'parseCustomTimestamp',
      (v) => parseCustomTimestamp(typeof v === 'string' ? v : (JSON.stringify(v) ?? '')),
    ],
  ];

  it.each(parsers)(
    '%s throws nothing but ConfigError for 3,000 random values, and returns no NaN',
    async (_name, parse) => {
      const g = generator(SEED + _name.length);
      for (let i = 0; i < 3000; i++) {
        const value =
          i % 3 === 0
            ? randomText(g, 20)
            : i % 3 === 1
              ? randomValue(g)
              : `${g.int(100000000)}_${g.int(10000)}`;
        const result = await onlyConfigErrors(value, () => parse(value));
        if (typeof result === 'number') expect(Number.isNaN(result), JSON.stringify(value)).toBe(false);
      }
    },
  );
});

const NUMERIC_FLAGS = [
  '--max-concurrency',
  '--max-memory',
  '--max-bandwidth',
  '--socket-timeout',
  '--min-file-age',
  '--status-interval',
  '--custom-timestamp',
];
const OTHER_FLAGS = [
  '--include',
  '--exclude',
  '--folder-type',
  '--group-by',
  '--region',
  '--bucket',
  '--endpoint',
  '--project-key',
];

describe.skipIf(!existsSync(CLI_PATH))('the CLI with fuzzed flags (needs npm run build)', () => {
  it('exits 2 with one line and no stack trace for 5 random command lines', () => {
    const g = generator(SEED + 1);
    for (let i = 0; i < 5; i++) {
      // one flag with a value none of them accepts guarantees a usage error; the rest is noise around it
      const args = [
        '--project-key',
        'RMI25320',
        '--bucket',
        'survey-data',
        '--endpoint',
        'http://127.0.0.1:9',
        '--folder',
        dir,
      ];
      // an argument can hold any character but NUL
      const text = (max: number) => randomText(g, max).replace(/\0/g, '');
      for (let n = g.int(4); n > 0; n--)
        args.push(g.pick([...NUMERIC_FLAGS, ...OTHER_FLAGS]), text(6) || 'x');
      const bad = g.int(args.length / 2 + 1) * 2;
      args.splice(bad, 0, g.pick(NUMERIC_FLAGS), `~${text(8)}`);
      const run = spawnSync(process.execPath, [CLI_PATH, ...args, '--state-dir', path.join(dir, 'state')], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NO_COLOR: '1' },
      });
      const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
      expect(run.status, `${JSON.stringify(args)}\n${run.stderr}`).toBe(2);
      expect(lines, JSON.stringify(args)).toHaveLength(1);
      expect(run.stderr).not.toMatch(/^\s+at /m);
    }
  });
});
