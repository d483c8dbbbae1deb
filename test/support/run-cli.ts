/**
 * Runs the built CLI (`dist/cli.js`, the launcher of the bundle that `npm run build` writes and the package's
 * `bin` runs) as a child process, the way a user's shell would, but without a shell: arguments reach the CLI
 * exactly as given, on every OS.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** What the package's `bin` runs: the bundle's launcher (scripts/build.mjs). */
export const CLI_PATH = path.join(PROJECT_ROOT, 'dist', 'cli.js');

const DEFAULT_TIMEOUT_MS = 240_000;

export interface CliOptions {
  /** Merged over the inherited environment; `undefined` removes a variable (e.g. `AWS_PROFILE`). */
  env?: Record<string, string | undefined>;
  /** Working directory; the project root by default. */
  cwd?: string;
  /** The child is killed with SIGKILL after this long; 240 s by default. */
  timeoutMs?: number;
  /** Written to the child's stdin, which is then closed; stdin is closed at once without it. */
  input?: string | Buffer;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the child was killed for running past `timeoutMs`. */
  timedOut: boolean;
}

export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /**
   * Resolves with the combined output once it matches `pattern` (checked on stdout and stderr);
   * rejects if the child exits first or `timeoutMs` passes.
   */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the child has exited and its output is complete. */
  exited: Promise<CliResult>;
}

/** A proxy of the machine's would route the tests' requests to 127.0.0.1 through it; proxy.test.ts sets its own. */
const PROXY_VARIABLES = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'];

/** A folder that does not exist: no user config file is found in it. */
const NO_USER_CONFIG = path.join(PROJECT_ROOT, 'test', 'support', 'no-user-config');
/** The per-user state folder of runs that name none, shared by the test files as a user's is by their runs. */
const TEST_STATE_HOME = path.join(os.tmpdir(), 'upload-to-s3-tests-state');

/**
 * Builds the child's environment. CI and NO_COLOR keep the output plain and free of progress redraws;
 * the SDK's Node 20 end-of-support notice would otherwise land in every stderr a test inspects.
 */
export function buildCliEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CI: 'true',
    NO_COLOR: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  delete env.FORCE_COLOR;
  for (const name of PROXY_VARIABLES) delete env[name];
  // the machine's own settings would change what a run reads: its UPLOAD_TO_S3_* variables and user config file
  for (const name of Object.keys(env)) if (name.startsWith('UPLOAD_TO_S3_')) delete env[name];
  env.XDG_CONFIG_HOME = NO_USER_CONFIG;
  env.APPDATA = NO_USER_CONFIG;
  // a run without --state-dir writes to the per-user state folder: the tests' own, not the machine user's
  env.XDG_STATE_HOME = TEST_STATE_HOME;
  env.LOCALAPPDATA = TEST_STATE_HOME;
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** Starts the CLI and returns at once, for tests that watch or interrupt a running upload. */
export function spawnCli(args: readonly string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: buildCliEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });
  const output = collectOutput(child);
  child.stdin.on('error', () => {}); // the CLI may exit without reading stdin (EPIPE)
  child.stdin.end(options.input);
  const exited = waitForExit(child, output, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return {
    child,
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    waitForOutput: (pattern, timeoutMs = DEFAULT_TIMEOUT_MS) =>
      waitForOutput(child, output, pattern, timeoutMs),
    exited,
  };
}

/** Runs the CLI to completion. Never rejects for a non-zero exit: tests assert on `code`. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return spawnCli(args, options).exited;
}

interface CollectedOutput {
  stdout: string;
  stderr: string;
  closed: boolean;
}

function collectOutput(child: ChildProcessWithoutNullStreams): CollectedOutput {
  const output: CollectedOutput = { stdout: '', stderr: '', closed: false };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  child.once('close', () => (output.closed = true));
  return output;
}

function waitForExit(
  child: ChildProcessWithoutNullStreams,
  output: CollectedOutput,
  timeoutMs: number,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // 'close', not 'exit': only then has all of stdout and stderr arrived
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: output.stdout, stderr: output.stderr, timedOut });
    });
  });
}

function waitForOutput(
  child: ChildProcessWithoutNullStreams,
  output: CollectedOutput,
  pattern: RegExp,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const combined = () => `${output.stdout}\n${output.stderr}`;
    // search() ignores lastIndex, so a /g pattern cannot make a match flicker
    const check = () => {
      if (combined().search(pattern) === -1) return;
      cleanup();
      resolve(combined());
    };
    const onClose = () => {
      cleanup();
      reject(new Error(`CLI exited before its output matched ${pattern}; output:\n${combined()}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`CLI output did not match ${pattern} within ${timeoutMs} ms; output:\n${combined()}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout.off('data', check);
      child.stderr.off('data', check);
      child.off('close', onClose);
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('close', onClose);
    check();
    if (output.closed) onClose();
  });
}
