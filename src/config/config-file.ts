import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { YAMLError } from 'yaml';
import { ConfigError, quoteValue } from '../errors.js';
import { MACHINE_STATE_DIR } from './state-dir.js';
import { locateConfig, type ConfigSource } from './config-location.js';
import { PATH_KEYS, type ConfigFile } from './config-keys.js';
import { decodeConfigText } from './config-text.js';
import { parseFlatYaml } from './flat-yaml.js';
import { validateConfig } from './config-validation.js';
import { describeArgumentControlCharacter } from './control-characters.js';

export { AUTH_MODES, type AuthMode, type ConfigFile } from './config-keys.js';
export { validateConfig } from './config-validation.js';

/** A loaded config file with its absolute path, for messages and relative-path resolution. */
export interface LoadedConfig {
  path: string;
  values: ConfigFile;
}

/**
 * The config a command runs with (see {@link locateConfig}): the file `--config` or `UPLOAD_TO_S3_CONFIG` names,
 * else the per-user file if there is one, else none (`undefined`: flags and the environment only).
 * @throws ConfigError as {@link loadConfigFile}, the fix naming the flag or variable that named the file.
 */
export async function loadCommandConfig(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedConfig | undefined> {
  const location = locateConfig(flag, env);
  return location && loadConfigFile(location.path, location.source);
}

/**
 * Loads and validates a YAML config file: UTF-8 (with or without a byte-order
 * mark) or UTF-16 with one. Every problem is collected and reported at once, each with its key, in one
 * {@link ConfigError} naming the file. Relative paths in path keys are resolved against the file's folder.
 * @throws ConfigError for a file that cannot be read or decoded, malformed YAML, or invalid values.
 */
export async function loadConfigFile(
  configPath: string,
  source: ConfigSource = '--config',
): Promise<LoadedConfig> {
  const control = describeArgumentControlCharacter(source, configPath);
  if (control) throw new ConfigError(control);
  const absolute = path.resolve(configPath);
  const text = decodeConfigText(await readConfigBytes(absolute, source), absolute);
  const document = parseFlatYaml(text) ?? (await parseDocument(text, absolute));
  const problems = validateConfig(document);
  if (problems.length > 0) throw new ConfigError(describeProblems(absolute, problems));
  const values = document as ConfigFile;
  for (const key of PATH_KEYS) {
    const value = values[key];
    // `state_dir: machine` names the machine-wide folder, not a folder beside the config
    if (value !== undefined && !(key === 'state_dir' && value === MACHINE_STATE_DIR))
      values[key] = path.resolve(path.dirname(absolute), value);
  }
  return { path: absolute, values };
}

/** One line: the file, then each problem, numbered when there are several (a problem may hold a ';'). */
function describeProblems(absolute: string, problems: readonly string[]): string {
  const listed =
    problems.length === 1
      ? problems[0]
      : `${problems.length} problems: ${problems.map((problem, i) => `(${i + 1}) ${problem}`).join('; ')}`;
  return `config ${absolute}: ${listed}; fix the file and run again`;
}

/** What to change when the file cannot be read, by where its name came from. */
const NAMED_BY: Record<ConfigSource, string> = {
  '--config': 'pass an existing YAML file with --config',
  UPLOAD_TO_S3_CONFIG: 'set UPLOAD_TO_S3_CONFIG to an existing YAML file, or remove it',
  'user config': 'make it a readable YAML file, or remove it',
};

async function readConfigBytes(absolute: string, source: ConfigSource): Promise<Buffer> {
  try {
    return await readFile(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what =
      code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder' : `cannot read (${code})`;
    throw new ConfigError(`read config ${absolute}: ${what}; ${NAMED_BY[source]}`, {
      cause: error,
    });
  }
}

/** Any YAML, by the library: loaded only for a file {@link parseFlatYaml} leaves to it. */
async function parseDocument(text: string, absolute: string): Promise<Record<string, unknown>> {
  const { parseDocument: parseYamlDocument, YAMLError } = await import('yaml');
  let document: unknown;
  try {
    // logLevel error: yaml would print its own warning for a collection key, which the key check reports anyway
    const parsed = parseYamlDocument(text, { uniqueKeys: true, prettyErrors: false, logLevel: 'error' });
    // a warning (an unknown tag, an ambiguous anchor) means the file does not say what its author meant
    const problem = parsed.errors[0] ?? parsed.warnings[0];
    if (problem) throw problem;
    document = parsed.toJS();
  } catch (error) {
    const yamlError = error instanceof YAMLError ? error : undefined;
    const detail = yamlError ? describeYamlError(yamlError, text) : firstLine(String(error));
    throw new ConfigError(`parse config ${absolute}: malformed YAML (${detail}); ${syntaxFix(yamlError)}`, {
      cause: error,
    });
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError(`parse config ${absolute}: expected a mapping of keys like 'bucket: my-bucket'`);
  }
  return document as Record<string, unknown>;
}

/** A backslash escape YAML does not know comes from a Windows path in double quotes: say how to write it. */
function syntaxFix(error: YAMLError | undefined): string {
  return error?.code === 'BAD_DQ_ESCAPE'
    ? "fix the syntax: in double quotes YAML reads \\ as an escape, so write Windows paths in single quotes ('D:\\data\\reels') or with forward slashes"
    : 'fix the syntax';
}

/** The parser's message with the line it points at and, for a key given twice, that key. */
function describeYamlError(error: YAMLError, text: string): string {
  const start = error.pos[0];
  const line = text.slice(0, start).split('\n').length;
  const key =
    error.code === 'DUPLICATE_KEY' ? ` (${quoteValue(/^[^:\n]*/.exec(text.slice(start))?.[0].trim())})` : '';
  return `line ${line}: ${firstLine(error.message)}${key}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
