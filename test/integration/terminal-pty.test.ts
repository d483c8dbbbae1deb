/**
 * The live view in a real terminal (tmux) at 40, 80 and 200 columns, with long CJK, combining-mark and emoji
 * paths: every line on the screen and in the scrollback fits the width and is one of the lines the view writes,
 * the header names bucket, prefix and timestamp folder, result lines name file and key, Ctrl+C shows the stop
 * notice and the drain line, a second Ctrl+C says what it left, and a resize leaves no garbage. The upload of
 * one file is held in the fault proxy, so the screen is read while it is known to be in flight.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { displayWidth } from '../../src/status/display-width.js';
import { writeFiles } from '../support/fixtures.js';
import { CLI_PATH } from '../support/run-cli.js';
import { hasTmux, startTmuxSession, type TmuxSession } from '../support/tmux-session.js';
import { uploadArgs, useHarnessBucket, type Harness } from './transfer-harness.js';

const MiB = 1024 * 1024;
const STAMP = '20260102_0304';
/** Small files that go through; their paths are long and mix wide, combining and emoji characters. */
const SMALL_FILES = {
  'reels/R001_東京湾岸測量_第一区画_とても長いフォルダの名前/カメラ１_前方映像_二〇二六年一月二日_午前.gpx': {
    sizeBytes: 3_000,
    seed: 'cjk',
  },
  'reels/R002_Releve\u0301_cafe\u0301_nai\u0308ve_a\u030agade_pre\u0301cis/Se\u0301quence_de\u0301taille\u0301e_nume\u0301ro_douze.gpx':
    { sizeBytes: 2_000, seed: 'marks' },
  'reels/R003_🚢🌊_survey_⚓️_harbour_👩‍🔬_team/📷_camera_🎥_front_👍🏽_done.json': '{"ok":true}\n',
  'config/survey_設定ファイル_長い名前_のテスト.yaml': 'project: PTY\n',
};
/** The file whose upload the proxy holds: in flight until the run is stopped. */
const HELD_FILE = 'reels/R004_保留/held_本体_ファイル.mp4';

/** Without tmux (Windows, a bare machine) the tests are skipped, except in CI, which installs it: there they fail. */
const runHere = (await hasTmux()) || Boolean(process.env.CI);
let bucket: string;
const { harness } = useHarnessBucket('pty', (created) => (bucket = created));

interface Run {
  h: Harness;
  tmux: TmuxSession;
}

/**
 * Starts an upload in a terminal of `columns` x `rows`, with the held files' requests held by the proxy: the one
 * of {@link HELD_FILE}, or `heldFiles` of them.
 */
async function startRun(name: string, columns: number, rows = 30, heldFiles = 1): Promise<Run> {
  const h = await harness(name, [
    { match: { method: 'PUT', keyIncludes: 'held_' }, action: 'stall', times: Infinity },
  ]);
  const held = Object.fromEntries(
    Array.from({ length: heldFiles }, (_, i) => [
      i === 0 ? HELD_FILE : `reels/R1${String(i).padStart(2, '0')}/held_${i}.mp4`,
      { sizeBytes: 6 * MiB, seed: `held${i}` },
    ]),
  );
  await writeFiles(h.projectDir, { ...SMALL_FILES, ...held });
  const args = uploadArgs(h, '--custom-timestamp', STAMP).filter((arg) => arg !== '--quiet');
  const tmux = await startTmuxSession([process.execPath, CLI_PATH, ...args], {
    columns,
    rows,
    unset: ['CI', 'NO_COLOR', 'FORCE_COLOR'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  return { h, tmux };
}

/** Every kind of line the run may leave on the screen; a line matching none is garbage. */
const SHAPES = {
  header: /^upload \S/,
  result: /^(uploaded|failed) \S/,
  done: /^done [a-z_]+: \d+ uploaded/,
  stopping: /^Stopping: /,
  stopped: /^Stopped at once/,
  resume: /^Run the same command again to resume\.$/,
  overall: /^(\[[#-]{20}\] )?(\d+\.\d|--)% {2}/,
  inFlight: /^ +(\d+\.\d|--)% +[\d.]+ (B|KiB|MiB|GiB) {2}\S/,
  continuation: /^ {2}\S/,
  error: /^upload-to-s3: /,
  exit: /^\[exit \d+\]$/,
  summary: /^(Upload [a-z]+ in |folder type |-{11} |[a-z_]+ +\d+ \(|not done: |Sent )/,
  blank: /^$/,
} as const;
type Shape = keyof typeof SHAPES;

/** The shape of each line; continuation lines belong to the line above, which must be one that wraps. */
function shapesOf(lines: readonly string[]): Shape[] {
  const shapes: Shape[] = [];
  for (const [index, line] of lines.entries()) {
    const shape = (Object.keys(SHAPES) as Shape[]).find((name) => SHAPES[name].test(line));
    if (shape === undefined) throw new Error(`line ${index + 1} is none of the expected lines: '${line}'`);
    const above = shapes.at(-1);
    if (
      shape === 'continuation' &&
      !['header', 'result', 'done', 'overall', 'inFlight', 'stopping', 'stopped', 'continuation'].includes(
        above ?? '',
      )
    )
      throw new Error(`line ${index + 1} continues a line that does not wrap: '${line}'`);
    shapes.push(shape);
  }
  return shapes;
}

/** Each line with the continuation lines under it, joined with single spaces: what one message says. */
function records(lines: readonly string[]): Array<{ shape: Shape; text: string }> {
  const shapes = shapesOf(lines);
  const joined: Array<{ shape: Shape; text: string }> = [];
  for (const [index, line] of lines.entries()) {
    const shape = shapes[index]!;
    const last = joined.at(-1);
    if (shape === 'continuation' && last) last.text += ` ${line.trim()}`;
    else joined.push({ shape, text: line });
  }
  return joined;
}

/** Checks what holds for every screen: all lines fit and have a known shape, and at most one live block shows. */
function expectCleanScreen(lines: readonly string[], columns: number, blocks: number): void {
  const screen = `\n--- screen:\n${lines.join('\n')}`;
  // an error is one line by contract, which the terminal wraps whole
  for (const line of lines.filter((l) => !SHAPES.error.test(l)))
    expect(displayWidth(line), `wider than ${columns}: '${line}'${screen}`).toBeLessThanOrEqual(columns);
  expect(
    shapesOf(lines).filter((shape) => shape === 'overall'),
    screen,
  ).toHaveLength(blocks);
}

function textsOf(lines: readonly string[], shape: Shape): string[] {
  return records(lines)
    .filter((record) => record.shape === shape)
    .map((record) => record.text);
}

/** The name's last few columns, which a path cut in the middle keeps. */
function tailOf(relPath: string): string {
  return [...new Intl.Segmenter().segment(path.basename(relPath))]
    .slice(-6)
    .map((s) => s.segment)
    .join('');
}

function expectHeaderAndResults(lines: readonly string[], h: Harness, columns: number): void {
  const [header, ...otherHeaders] = textsOf(lines, 'header');
  expect(otherHeaders).toEqual([]);
  expect(header).toContain(`s3://${bucket}/${h.projectKey}/`);
  expect(header).toMatch(new RegExp(`timestamp folder ${STAMP}\\)?$`));
  const results = textsOf(lines, 'result');
  expect(results).toHaveLength(Object.keys(SMALL_FILES).length);
  for (const text of results) {
    // `uploaded <file> -> <key> (size, time)`, or on a narrow terminal `uploaded <file> (size, time) -> <key>`
    expect(text.split(' -> '), text).toHaveLength(2);
    expect(text).toMatch(/^uploaded \S.* \([\d.]+ (B|KiB), [\d.]+s\)( -> \S+)?$/);
  }
  // the scrollback keeps these lines: nothing in them is cut, whatever the width
  for (const text of [...results, header ?? '', ...textsOf(lines, 'done')]) expect(text).not.toContain('…');
  for (const relPath of Object.keys(SMALL_FILES)) {
    const unbroken = results.map((text) => text.replaceAll(' ', ''));
    expect(
      unbroken.filter((text) => text.includes(tailOf(relPath))),
      relPath,
    ).toHaveLength(1);
  }
  if (columns < 200) return;
  // wide enough for every file's name to end both the file and its key
  for (const relPath of Object.keys(SMALL_FILES)) {
    const tail = tailOf(relPath);
    expect(results.filter((text) => text.includes(`${tail} -> `) && text.includes(`${tail} (`))).toHaveLength(
      1,
    );
  }
}

const STOPPING = 'Stopping: letting parts in flight finish, up to 6s (Ctrl+C again to stop at once)...';
const DRAIN = 'Stopping: waiting for 1 file in flight; Ctrl+C again to stop now';

const allUploaded = (lines: string[]): boolean =>
  lines.filter((line) => SHAPES.result.test(line)).length === Object.keys(SMALL_FILES).length &&
  lines.some((line) => SHAPES.inFlight.test(line));

describe.runIf(runHere)('the live view in a real terminal', () => {
  it.each([40, 80, 200])(
    'at %i columns: header, file -> key lines, the stop, the drain and what a second Ctrl+C left',
    async (columns) => {
      const { h, tmux } = await startRun(`PTY${columns}`, columns);
      try {
        const running = await tmux.waitFor(
          allUploaded,
          'every small file uploaded and the held one in flight',
        );
        expectCleanScreen(running, columns, 1);
        expectHeaderAndResults(running, h, columns);

        await tmux.sendKeys('C-c');
        const stopping = await tmux.waitFor(
          (lines) => lines.some((l) => l.startsWith('Stopping: waiting')),
          'the drain line',
        );
        expectCleanScreen(stopping, columns, 1);
        expect(textsOf(stopping, 'stopping')).toEqual([STOPPING, DRAIN]);

        await tmux.sendKeys('C-c');
        expect(await tmux.exitCode()).toBe(130);
        const ended = await tmux.capture();
        expectCleanScreen(ended, columns, 0);
        expectHeaderAndResults(ended, h, columns);
        expect(textsOf(ended, 'stopping')).toEqual([STOPPING]);
        const stopped = textsOf(ended, 'stopped');
        expect(stopped).toHaveLength(1);
        expect(stopped[0]).toMatch(
          /^Stopped at once\. Left in flight \(1\): reels\/.*held_本体_ファイル\.mp4 \([\d.]+% sent, [\d.]+% stored\)$/,
        );
        expect(ended.at(-2)).toBe('Run the same command again to resume.');
      } finally {
        await tmux.close();
      }
    },
  );

  it('after one Ctrl+C waits for the file in flight, then ends as interrupted', async () => {
    const columns = 80;
    const { h, tmux } = await startRun('PTYONCE', columns);
    try {
      await tmux.waitFor(allUploaded, 'every small file uploaded and the held one in flight');
      await tmux.sendKeys('C-c');
      await tmux.waitFor((lines) => lines.some((l) => l.startsWith('Stopping: waiting')), 'the drain line');
      // the held request never ends: the grace period runs out and the run stops by itself
      expect(await tmux.exitCode()).toBe(130);
      const ended = await tmux.capture();
      expectCleanScreen(ended, columns, 0);
      expectHeaderAndResults(ended, h, columns);
      expect(textsOf(ended, 'stopping')).toEqual([STOPPING]);
      // what the stopped run did and left comes before the error line
      const summary = textsOf(ended, 'summary');
      expect(summary[0]).toMatch(/^Upload interrupted in \S+: 5 files planned$/);
      expect(summary).toContainEqual(expect.stringMatching(/^not done: 1 file \(/));
      const order = records(ended).map((record) => record.shape);
      expect(order.lastIndexOf('summary')).toBeLessThan(order.indexOf('error'));
      expect(textsOf(ended, 'error')).toEqual([
        expect.stringMatching(/^upload-to-s3: upload interrupted: .*run the same command again to resume$/),
      ]);
    } finally {
      await tmux.close();
    }
  });

  it('keeps the block within a terminal of 6 rows: the overall line in view, no stale copies in the scrollback', async () => {
    const columns = 80;
    const { tmux } = await startRun('PTYSHORT', columns, 6, 10);
    try {
      const running = await tmux.waitFor(
        (lines) =>
          lines.filter((line) => SHAPES.result.test(line)).length === Object.keys(SMALL_FILES).length &&
          lines.some((line) => /^ {2}\.\.\. and \d+ more in flight$/.test(line)),
        'every small file uploaded and the held ones in flight',
      );
      // redraws go on while the held files stay in flight: none may leave a copy of the block behind
      await sleep(1_000);
      const screen = await tmux.capture();
      for (const lines of [running, screen]) {
        expectCleanScreen(
          lines.filter((line) => !/more in flight$/.test(line)),
          columns,
          1,
        );
        const block = lines.slice(lines.findIndex((line) => SHAPES.overall.test(line)));
        expect(block.length, lines.join('\n')).toBeLessThanOrEqual(5);
        // the overall figures may take a second line; then files, and the count of those without a line
        const rest = block.slice(1, -1);
        expect(rest.filter((line) => SHAPES.inFlight.test(line)).length, block.join('\n')).toBeGreaterThan(0);
        for (const line of rest)
          expect(line).toMatch(new RegExp(`${SHAPES.inFlight.source}|${SHAPES.continuation.source}`));
        expect(block.at(-1)).toMatch(/^ {2}\.\.\. and \d+ more in flight$/);
      }
      await tmux.sendKeys('C-c');
      await tmux.waitFor((lines) => lines.some((l) => l.startsWith('Stopping: waiting')), 'the drain line');
      await tmux.sendKeys('C-c');
      expect(await tmux.exitCode()).toBe(130);
      expectCleanScreen(await tmux.capture(), columns, 0);
    } finally {
      await tmux.close();
    }
  });

  it('follows a resize from 200 to 40 columns without leaving a stale block behind', async () => {
    const { tmux } = await startRun('PTYRESIZE', 200);
    try {
      await tmux.waitFor(allUploaded, 'every small file uploaded and the held one in flight');
      await tmux.resize(40, 30);
      // the block is redrawn for the new width: the bar goes below 60 columns
      const resized = await tmux.waitFor(
        (lines) => lines.some((line) => SHAPES.overall.test(line) && !line.startsWith('[')),
        'the block drawn at 40 columns',
      );
      // lines written at 200 columns are re-wrapped by the terminal and joined back by the capture
      expectCleanScreen(resized, 200, 1);
      const block = resized.slice(resized.findIndex((line) => SHAPES.overall.test(line)));
      for (const line of block) expect(displayWidth(line)).toBeLessThanOrEqual(40);
      await tmux.sendKeys('C-c');
      await tmux.waitFor((lines) => lines.some((l) => l.startsWith('Stopping: waiting')), 'the drain line');
      await tmux.sendKeys('C-c');
      expect(await tmux.exitCode()).toBe(130);
      const ended = await tmux.capture();
      expectCleanScreen(ended, 200, 0);
      const afterResize = ended.slice(ended.findIndex((line) => line.startsWith('Stopping: letting')));
      for (const line of afterResize) expect(displayWidth(line)).toBeLessThanOrEqual(40);
    } finally {
      await tmux.close();
    }
  });
});
