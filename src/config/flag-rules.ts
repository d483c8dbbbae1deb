import { ConfigError } from '../errors.js';
import { describeArgumentControlCharacter } from './control-characters.js';
import type { UploadFlags } from './run-options.js';

/** Flags that cannot be given together: each pair asks for two different things, and neither may silently win. */
const CONFLICTS: ReadonlyArray<{ pair: readonly [keyof UploadFlags, keyof UploadFlags]; fix: string }> = [
  {
    pair: ['timestamp', 'customTimestamp'],
    fix: 'both name the timestamp folder; use --timestamp for now or --custom-timestamp for a fixed one',
  },
  {
    pair: ['quiet', 'json'],
    fix: 'both choose what is printed; --json alone prints only JSON events and the summary',
  },
  {
    pair: ['force', 'check'],
    fix: '--force uploads every file without asking the bucket, --check re-sends only what the bucket cannot prove; use one of them',
  },
  {
    pair: ['force', 'fixSettings'],
    fix: '--force sends every file again with the wanted settings, --fix-settings rewrites objects in place without sending their bytes; use one of them',
  },
  {
    pair: ['force', 'verify'],
    fix: '--force uploads every file without asking the bucket, --verify asks the bucket about every file; use one of them',
  },
];

/** `--custom-timestamp` for `customTimestamp`. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/**
 * Refuses flags that cannot be used as given: two flags that contradict each other, or a control character
 * (a newline, a carriage return from a script reading a Windows text file) in any flag or in one of our
 * `UPLOAD_TO_S3_*` variables.
 * @throws ConfigError naming the flags or the variable, and the fix.
 */
export function assertUsableFlags(flags: UploadFlags, env: NodeJS.ProcessEnv): void {
  for (const { pair, fix } of CONFLICTS) {
    const [a, b] = pair;
    if (isGiven(flags[a]) && isGiven(flags[b]))
      throw new ConfigError(`${flagName(a)} with ${flagName(b)}: ${fix}`);
  }
  const values = [
    ...Object.entries(flags).map(([key, value]) => [flagName(key), value] as const),
    ...Object.entries(env).filter(([name]) => name.startsWith('UPLOAD_TO_S3_')),
  ];
  for (const [source, value] of values) {
    for (const text of [value].flat()) {
      const problem = typeof text === 'string' ? describeArgumentControlCharacter(source, text) : undefined;
      if (problem) throw new ConfigError(problem);
    }
  }
}

function isGiven(value: unknown): boolean {
  return value !== undefined && value !== false;
}
