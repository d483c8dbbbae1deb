/**
 * What a user sees on stdout: the live view under a pseudo-terminal (`script` from util-linux), plain
 * timestamped lines when piped, NDJSON with --json. With UPDATE_RECORDINGS=1 the TTY and plain runs are also
 * saved as text recordings in docs/recordings/ for the README.
 */
/* eslint-disable no-control-regex -- reading terminal escape codes is what this file does */
import { spawn } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs, writeConfig, writeFiles } from '../support/fixtures.js';
import { buildCliEnv, CLI_PATH, PROJECT_ROOT, runCli, type CliResult } from '../support/run-cli.js';
import { countOutcomes, parseSummaryTotals, readLogRows, readStatusJson } from '../support/run-outcomes.js';
import { createTestBucket, getS3Env, testServerConfig } from '../support/s3-env.js';

const PROJECT_KEY = 'RMI25320';
const MiB = 1024 * 1024;
const FILE_COUNT = 4;
const RECORDINGS_DIR = path.join(PROJECT_ROOT, 'docs', 'recordings');
const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} /;
/** In recordings the temp folder is shown as this, so they read like a user's session. */
const SHOWN_ROOT = '~/surveys';
const SHOWN_BUCKET = 'survey-archive';

let root: string;
let project: string;
let configPath: string;

beforeAll(async () => {
  const env = getS3Env();
  root = await makeTempDir('terminal');
  project = path.join(root, PROJECT_KEY);
  await writeFiles(project, {
    'reels/R001/R001_cam1.mp4': { sizeBytes: 24 * MiB, seed: 'cam1' },
    'reels/R001/R001_track.gpx': { sizeBytes: 2_000, seed: 'gpx' },
    'config/survey.yaml': 'project: RMI25320\ncrew: 2\n',
    'logs/run.log': { sizeBytes: 3_000, seed: 'log' },
  });
  configPath = await writeConfig(root, {
    ...testServerConfig(env),
  });
  // a config holding keys must not be readable by others, or the CLI warns about it
  await chmod(configPath, 0o600);
});

afterAll(async () => {
  await removeTempDirs();
});

interface RunSetup {
  args: string[];
  stateDir: string;
  bucket: string;
}

/** A fresh bucket and state folder, so every run uploads the whole project. */
async function prepareRun(name: string, ...extra: string[]): Promise<RunSetup> {
  const bucket = await createTestBucket(`terminal-${name}`);
  const stateDir = path.join(await makeTempDir(`terminal-${name}`), 'state');
  const args = [
    '--config',
    configPath,
    '--bucket',
    bucket,
    '--folder',
    project,
    '--project-key',
    PROJECT_KEY,
    '--state-dir',
    stateDir,
    // slow enough for a few redraws of the live view
    '--max-bandwidth',
    '12MiB/s',
    ...extra,
  ];
  return { args, stateDir, bucket };
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs the CLI under a pseudo-terminal of 100 columns with `script -qfec`, outside CI (CI forces plain
 * lines), and returns what the terminal received, control sequences included; with `stderrFile` the CLI's stderr
 * goes to that file instead (`2> file`).
 */
function runInPty(args: readonly string[], stderrFile?: string): Promise<CliResult> {
  const redirect = stderrFile === undefined ? '' : ` 2> ${shellQuote(stderrFile)}`;
  const command = [process.execPath, CLI_PATH, ...args].map(shellQuote).join(' ') + redirect;
  const child = spawn(
    'script',
    ['-qfec', `stty cols 100 rows 40 2>/dev/null; exec ${command}`, '/dev/null'],
    {
      cwd: PROJECT_ROOT,
      env: buildCliEnv({ CI: undefined }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr, timedOut: false }));
  });
}

/**
 * Replays terminal output on a blank screen and returns the text left on it, the way a user would read it:
 * understands `\r`, `\n`, ESC[K and ESC[2K (erase to end of line, erase the line), ESC[J (erase to end of screen)
 * and ESC[nA (cursor up), ignores colours and other control sequences.
 */
function renderScreen(output: string): string {
  const lines: string[] = [''];
  let row = 0;
  let col = 0;
  const put = (text: string): void => {
    const line = (lines[row] ?? '').padEnd(col);
    lines[row] = line.slice(0, col) + text + line.slice(col + text.length);
    col += text.length;
  };
  const pattern = /\x1b\[(\d*)([A-Za-z])|\r|\n|[^\x1b\r\n]+|\x1b/g;
  for (const [token, count, command] of output.matchAll(pattern)) {
    if (token === '\r') col = 0;
    else if (token === '\n') {
      row += 1;
      lines[row] ??= '';
    } else if (command === 'K') lines[row] = (lines[row] ?? '').slice(0, col);
    else if (command === 'J') {
      lines[row] = (lines[row] ?? '').slice(0, col);
      lines.length = row + 1;
    } else if (command === 'A') row = Math.max(0, row - Number(count || 1));
    else if (command === undefined && token !== '\x1b') put(token);
  }
  return lines
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n+$/, '');
}

function nonEmptyLines(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.trim() !== '');
}

async function saveRecording(name: string, title: string, body: string): Promise<void> {
  if (process.env.UPDATE_RECORDINGS !== '1') return;
  const header = [
    `# ${title}`,
    '# Recorded by test/integration/terminal.test.ts (UPDATE_RECORDINGS=1) against a local Ceph RGW;',
    `# the temp folder of the test is shown as ${SHOWN_ROOT}, its bucket as ${SHOWN_BUCKET}.`,
    '',
    '',
  ];
  await mkdir(RECORDINGS_DIR, { recursive: true });
  await writeFile(
    path.join(RECORDINGS_DIR, name),
    `${header.join('\n')}${body.replaceAll(root, SHOWN_ROOT).replace(/s3:\/\/terminal-[a-z]+-[\w-]+\//g, `s3://${SHOWN_BUCKET}/`)}\n`,
  );
}

/** The run's CSV log counts match the summary printed on stdout. */
async function expectSummaryMatchesLog(setup: RunSetup, stdout: string): Promise<void> {
  const runDir = path.join(setup.stateDir, 'runs', setup.bucket, PROJECT_KEY);
  const fromLog = countOutcomes(await readLogRows(path.join(runDir, 'upload-log.csv')));
  expect(fromLog).toEqual({ uploaded: FILE_COUNT, skipped: 0, failed: 0 });
  expect(parseSummaryTotals(stdout)).toEqual(fromLog);
}

describe('terminal output', () => {
  it('draws a live view with \\r, ESC[2K and ESC[J on a terminal and leaves the summary on screen', async () => {
    const setup = await prepareRun('tty');
    const result = await runInPty(setup.args);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const raw = result.stdout;
    expect(raw).toMatch(/\r\x1b\[2K(\x1b\[1A\x1b\[2K)+/);
    expect(raw).toContain('\x1b[J');
    expect(raw).toMatch(/\x1b\[\d+A/);
    expect(raw).toMatch(/\[[#-]{20}\] .*files/);
    const screen = renderScreen(raw);
    const lines = nonEmptyLines(screen);
    expect(lines.at(-1)).toMatch(/^Sent 24\.0 MiB in .* \(average .*\)$/);
    expect(screen).toContain(`Upload completed in`);
    expect(screen).toContain(`uploaded reels/R001/R001_cam1.mp4 (24.0 MiB,`);
    // the live block is erased at the end: no progress bar, no leftover timestamps of the plain view
    for (const line of lines) {
      expect(line).not.toMatch(/\[[#-]{20}\]/);
      expect(line).not.toMatch(TIMESTAMP);
    }
    await expectSummaryMatchesLog(setup, screen);
    expect(raw).not.toMatch(/ warn /);

    // the screen halfway through the run, just before a redraw moves the cursor up, for the recording
    const redraws = [...raw.matchAll(/\x1b\[\d+A/g)].map((match) => match.index);
    const running = renderScreen(raw.slice(0, redraws[Math.floor(redraws.length / 2)]));
    await saveRecording(
      'tty.txt',
      'upload-to-s3 on a terminal (live view), control sequences replayed to screen text',
      `## while running\n\n${running}\n\n## at the end\n\n${screen}`,
    );
  });

  it('prints plain timestamped lines without escape codes when piped', async () => {
    const setup = await prepareRun('plain');
    const result = await runCli(setup.args, { env: { CI: undefined } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain('\x1b');
    expect(result.stderr).not.toContain('\x1b');
    expect(result.stdout).not.toContain('\r');
    const lines = nonEmptyLines(result.stdout);
    const summaryAt = lines.findIndex((line) => line.startsWith('Upload completed in'));
    expect(summaryAt).toBeGreaterThan(0);
    for (const line of lines.slice(0, summaryAt)) expect(line).toMatch(TIMESTAMP);
    expect(lines.slice(0, summaryAt).join('\n')).toMatch(/ phase completed$/m);
    expect(lines.at(-1)).toMatch(/^Sent 24\.0 MiB in .* \(average .*\)$/);
    await expectSummaryMatchesLog(setup, result.stdout);
    await saveRecording(
      'plain.txt',
      'upload-to-s3 with its output piped (a log file, a scheduled task, CI)',
      result.stdout.trimEnd(),
    );
  });

  it('prints NDJSON with --json: every stdout line parses, the last one is the summary', async () => {
    const setup = await prepareRun('json', '--json');
    const result = await runCli(setup.args, { env: { CI: undefined } });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.pop()).toBe('');
    const events = lines.map((line) => JSON.parse(line) as { type: string; [field: string]: unknown });
    for (const event of events) expect(event.type).toEqual(expect.any(String));
    const types = new Set(events.map((e) => e.type));
    for (const type of ['phase', 'group-start', 'file-start', 'file-done', 'group-done', 'progress'])
      expect(types).toContain(type);
    const done = events.filter((e) => e.type === 'file-done');
    expect(done).toHaveLength(FILE_COUNT);
    for (const event of done)
      expect(event).toMatchObject({
        outcome: 'uploaded',
        reason: expect.any(String),
        key: expect.any(String),
      });
    const summary = events.at(-1)!;
    expect(summary.type).toBe('summary');
    const status = await readStatusJson(
      path.join(setup.stateDir, 'runs', setup.bucket, PROJECT_KEY, 'status.json'),
    );
    expect(summary.totals).toEqual(status.totals);
    expect(summary.totals).toMatchObject({ files: FILE_COUNT, uploaded: FILE_COUNT, skipped: 0, failed: 0 });
  });
});

describe('file names with control characters', () => {
  /** A name that clears the screen, one that sets the window title, one that would forge a line of a log. */
  const NAMED = {
    'logs/\x1b[2Jclear.log': 'cleared\n',
    'logs/\x1b]0;pwned\x07title.log': 'titled\n',
    'logs/nl\nfake uploaded line.log': 'forged\n',
  };
  let namedProject: string;

  beforeAll(async () => {
    namedProject = path.join(await makeTempDir('terminal-names'), 'NAMES');
    await writeFiles(namedProject, NAMED);
  });

  async function prepareNamedRun(name: string): Promise<RunSetup> {
    const setup = await prepareRun(name);
    setup.args[setup.args.indexOf(project)] = namedProject;
    return setup;
  }

  it('reach neither the terminal nor a piped log raw, and keep their real names in the CSV log', async () => {
    const piped = await prepareNamedRun('names-plain');
    const result = await runCli(piped.args, { env: { CI: undefined } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain('\x1b');
    expect(result.stdout).not.toContain('\x07');
    const lines = nonEmptyLines(result.stdout);
    const uploaded = lines.filter((line) => / uploaded logs\//.test(line));
    expect(uploaded).toHaveLength(3);
    for (const line of lines.slice(
      0,
      lines.findIndex((l) => l.startsWith('Upload completed')),
    )) {
      expect(line).toMatch(TIMESTAMP);
    }
    expect(uploaded).toContainEqual(expect.stringContaining('uploaded logs/nl\\nfake uploaded line.log ('));
    expect(uploaded).toContainEqual(expect.stringContaining('uploaded logs/\\x1b[2Jclear.log ('));
    const rows = await readLogRows(
      path.join(piped.stateDir, 'runs', piped.bucket, PROJECT_KEY, 'upload-log.csv'),
    );
    expect(rows.map((row) => path.relative(namedProject, row.file)).sort()).toEqual(
      Object.keys(NAMED).sort(),
    );

    const tty = await prepareNamedRun('names-tty');
    const live = await runInPty(tty.args);
    expect(live.code, live.stdout + live.stderr).toBe(0);
    expect(live.stdout).not.toContain('\x1b[2J');
    expect(live.stdout).not.toContain('\x1b]');
    expect(live.stdout).not.toContain('\x07');
    expect(renderScreen(live.stdout)).toContain('uploaded logs/\\x1b]0;pwned\\x07title.log (');
  });
});

describe('warnings of a run in a terminal', () => {
  const WARNING = /warn config \S+ holds secret keys and is readable by other users/;

  /** A run whose config others may read: it warns about that at its start. */
  async function prepareWarningRun(name: string): Promise<RunSetup> {
    const setup = await prepareRun(name);
    const readable = await writeConfig(await makeTempDir(`terminal-${name}`), testServerConfig(getS3Env()));
    await chmod(readable, 0o644);
    setup.args[setup.args.indexOf(configPath)] = readable;
    return setup;
  }

  it('stay on stderr when it is not the terminal (2> file)', async () => {
    const setup = await prepareWarningRun('warn-file');
    const warnFile = path.join(path.dirname(setup.stateDir), 'warn.err');
    const result = await runInPty(setup.args, warnFile);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await readFile(warnFile, 'utf8')).toMatch(WARNING);
    expect(renderScreen(result.stdout)).not.toMatch(WARNING);
    expect(renderScreen(result.stdout)).toContain('Upload completed in');
  });

  it('go above the live block when stderr is the same terminal', async () => {
    const setup = await prepareWarningRun('warn-tty');
    const result = await runInPty(setup.args);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const screen = nonEmptyLines(renderScreen(result.stdout));
    // above the block it is wrapped at the terminal's width
    const warning = screen.findIndex((line) => / warn config \S+ holds secret keys/.test(line));
    expect(warning, screen.join('\n')).toBeGreaterThanOrEqual(0);
    expect(screen.findIndex((line) => line.startsWith('uploaded '))).toBeGreaterThan(warning);
  });
});
