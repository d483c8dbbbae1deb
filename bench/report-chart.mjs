/**
 * The report's chart, as hand-made SVG (no chart library): for each dataset, one row per client with two
 * horizontal bars, MB/s on the left and client CPU-seconds per GiB on the right, on scales of each
 * dataset's own (small files move a few MB/s, reels a hundred). Ours is drawn in blue,
 * peers in grey, references (curl) in light grey. `cat` is left out: page-cache reads are off any scale.
 */
import { summarise } from './stats.mjs';

const LABEL_WIDTH = 190;
const PANEL_WIDTH = 330;
const GAP = 40;
const ROW_HEIGHT = 20;
const BAR_HEIGHT = 13;
const TOP = 56;
const COLORS = { ours: '#1f6fb2', peer: '#8a96a3', reference: '#c9d0d6' };
const SHORT_NAMES = {
  ours: 'upload-to-s3',
  aws: 'aws s3 cp',
  'aws-tuned': 'aws s3 cp (tuned)',
  rclone: 'rclone copy',
  'rclone-tuned': 'rclone copy (tuned)',
  'lib-storage': 'lib-storage (naive)',
  curl: 'curl -T (1 stream)',
};

/** An SVG document for the upload records of `results` (server kind and mode go in the title). */
export function renderChart(results) {
  const rows = summarise(results.records.uploads, 'ours').filter((r) => r.client !== 'cat' && r.okRuns > 0);
  const layout = [];
  for (const set of results.sets) {
    const setRows = rows.filter((r) => r.set === set);
    // each set gets its own scales: small files move a few MB/s, reels a hundred
    const maxMb = niceMax(Math.max(1, ...setRows.map((r) => r.mbPerSec ?? 0)));
    const maxCpu = niceMax(Math.max(0.1, ...setRows.map((r) => r.cpuPerGiB ?? 0)));
    layout.push({ heading: `${set} set`, maxMb, maxCpu });
    for (const row of setRows) layout.push({ row, maxMb, maxCpu });
  }
  const width = LABEL_WIDTH + 2 * PANEL_WIDTH + GAP + 20;
  const height = TOP + layout.length * ROW_HEIGHT + 30;
  const left = LABEL_WIDTH;
  const right = LABEL_WIDTH + PANEL_WIDTH + GAP;
  const body = layout.map((item, i) => {
    const y = TOP + i * ROW_HEIGHT;
    if (item.heading) {
      return [
        text(8, y + 14, item.heading, 'font-weight="bold"'),
        text(left, y + 14, `scale 0–${item.maxMb} MB/s`, 'fill="#555555"'),
        text(right, y + 14, `scale 0–${item.maxCpu} CPU-s/GiB`, 'fill="#555555"'),
      ].join('');
    }
    const { row } = item;
    return [
      text(16, y + 14, SHORT_NAMES[row.client] ?? row.client),
      bar(left, y, row.mbPerSec, item.maxMb, row.role, row.mbPerSec.toFixed(row.mbPerSec < 10 ? 1 : 0)),
      bar(right, y, row.cpuPerGiB, item.maxCpu, row.role, row.cpuPerGiB.toFixed(row.cpuPerGiB < 10 ? 2 : 0)),
    ].join('');
  });
  const title =
    `upload-to-s3 vs peers, ${results.serverKind === 'sink' ? 'sink (client cost only)' : 'local Ceph RGW'}` +
    `${results.quick ? ', quick mode' : ''}, median of ${results.rounds} round(s), ${results.startedAt.slice(0, 10)}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      'font-family="Helvetica, Arial, sans-serif" font-size="12">',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(8, 20, title, 'font-size="14" font-weight="bold"'),
    text(left, 44, 'MB/s (higher is better)', 'font-weight="bold"'),
    text(right, 44, 'client CPU-seconds per GiB (lower is better)', 'font-weight="bold"'),
    ...body,
    text(
      8,
      height - 10,
      'cat (disk read reference) left out: it reads from the page cache, off this scale.',
      'fill="#555555"',
    ),
    '</svg>',
    '',
  ].join('\n');
}

function bar(x, y, value, max, role, label) {
  const length = Math.max(1, (value / max) * (PANEL_WIDTH - 60));
  return (
    `<rect x="${x}" y="${y + 3}" width="${length.toFixed(1)}" height="${BAR_HEIGHT}" fill="${COLORS[role]}"/>` +
    text((x + length + 4).toFixed(1), y + 14, label)
  );
}

function text(x, y, content, attributes = '') {
  const escaped = String(content).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<text x="${x}" y="${y}"${attributes ? ` ${attributes}` : ''}>${escaped}</text>`;
}

/** The next "round" number at or above `value`: 1, 1.5, 2, 3, 5 or 7.5 times a power of ten. */
function niceMax(value) {
  const power = 10 ** Math.floor(Math.log10(value));
  const nice = [1, 1.5, 2, 3, 5, 7.5, 10].map((m) => m * power).find((candidate) => candidate >= value);
  return Number(nice.toPrecision(2));
}
