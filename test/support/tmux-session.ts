/**
 * Runs a command in a real terminal: a detached tmux session of a given size on a private tmux server, so the
 * test sees the screen (and scrollback) exactly as a user's terminal would show it, wrapping and all.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What the session prints once the command has ended: `[exit 130]`. */
export const EXIT_MARKER = /^\[exit (\d+)\]$/m;

export interface TmuxSession {
  /** The visible screen and the scrollback above it, wrapped lines joined, trailing blanks dropped. */
  capture(): Promise<string[]>;
  /** Sends keys as tmux names them (`C-c`). */
  sendKeys(...keys: string[]): Promise<void>;
  resize(columns: number, rows: number): Promise<void>;
  /** Polls the capture until `predicate` holds; rejects with the screen after `timeoutMs`. */
  waitFor(predicate: (lines: string[]) => boolean, what: string, timeoutMs?: number): Promise<string[]>;
  /** Waits for the command to end and returns its exit code. */
  exitCode(timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

/** True when tmux can be run here. */
export async function hasTmux(): Promise<boolean> {
  return run('tmux', ['-V']).then(
    () => true,
    () => false,
  );
}

/**
 * Starts `argv` (no shell: each word is quoted) in a new tmux session of `columns` x `rows` with `env` set and
 * `unset` removed. The session stays open after the command ends, showing {@link EXIT_MARKER}.
 */
export async function startTmuxSession(
  argv: readonly string[],
  options: { columns: number; rows: number; env?: Record<string, string>; unset?: readonly string[] },
): Promise<TmuxSession> {
  const socket = `upload-to-s3-test-${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmux = (...args: string[]) => run('tmux', ['-L', socket, '-f', '/dev/null', ...args]);
  const envWords = [
    ...(options.unset ?? []).flatMap((name) => ['-u', name]),
    ...Object.entries(options.env ?? {}).map(([name, value]) => `${name}=${value}`),
  ];
  const command = ['env', ...envWords, ...argv].map(shellQuote).join(' ');
  const size = ['-x', String(options.columns), '-y', String(options.rows)];
  await tmux('new-session', '-d', '-s', 'main', ...size, `${command}; echo "[exit $?]"; exec sleep 100000`);
  await tmux('set-option', '-t', 'main', 'history-limit', '10000');
  const session: TmuxSession = {
    async capture() {
      const { stdout } = await tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'main');
      const lines = stdout.split('\n').map((line) => line.trimEnd());
      while (lines.length > 0 && lines.at(-1) === '') lines.pop();
      return lines;
    },
    async sendKeys(...keys) {
      await tmux('send-keys', '-t', 'main', ...keys);
    },
    async resize(columns, rows) {
      await tmux('resize-window', '-t', 'main', '-x', String(columns), '-y', String(rows));
    },
    async waitFor(predicate, what, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const lines = await session.capture();
        if (predicate(lines)) return lines;
        if (Date.now() > deadline) throw new Error(`screen never showed ${what}:\n${lines.join('\n')}`);
        await sleep(100);
      }
    },
    async exitCode(timeoutMs) {
      const lines = await session.waitFor(
        (l) => l.some((line) => EXIT_MARKER.test(line)),
        'the exit',
        timeoutMs,
      );
      return Number(lines.join('\n').match(EXIT_MARKER)?.[1]);
    },
    async close() {
      await tmux('kill-server').catch(() => undefined);
    },
  };
  return session;
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
