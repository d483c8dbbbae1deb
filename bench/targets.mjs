/**
 * The targets of issue 16 (and the large-file targets of issue 7 it keeps), checked against the summaries:
 * each gives the figure, the bar, and met / not met (or "not measured" when a run it needs is missing or failed).
 */

import { startupByNode } from './startup.mjs';

const MB = 1e6;
const RSS_LIMIT_BYTES = 150 * MB;
/** "Flat in file size": the larger file's peak RSS may exceed the smaller's by this factor at most. */
const RSS_FLAT_FACTOR = 1.1;
const STARTUP_FACTOR = 2;
const PLAN_TIME_FACTOR = 2;
const CPU_PER_GIB_LIMIT = 2.7;

/**
 * `uploads`, `reruns`, `rss`, `plan` are summaries (stats.summarise); `rssSets` the single-file datasets of
 * the peak-RSS runs, smaller first (`{ name, label }`); `startup` a start-up measurement (startup.mjs);
 * `planFiles` the number of files the dry runs planned.
 * Returns `[{ target, figure, met }]` with `met` one of 'met', 'not met', 'not measured'.
 */
export function evaluateTargets({ uploads, reruns, rss, rssSets = [], startup, plan = [], planFiles }) {
  return [
    throughputTarget(
      uploads,
      'small',
      'filesPerSec',
      1.5,
      'small set: files/s ≥ 1.5× the best peer',
      'files/s',
    ),
    cpuPerFileTarget(uploads),
    rerunTarget(reruns),
    startupTarget(startup),
    workStartupTarget(startup),
    planTarget(plan, planFiles),
    throughputTarget(uploads, 'large', 'mbPerSec', 1.2, 'large set: MB/s ≥ 1.2× the best peer', 'MB/s'),
    cpuTarget(uploads),
    rssTarget(rss, rssSets),
  ];
}

function throughputTarget(rows, set, field, factor, target, unit) {
  const ours = find(rows, set, 'ours');
  const peers = rows.filter(
    (r) => r.set === set && r.role === 'peer' && r.okRuns > 0 && r[field] !== undefined,
  );
  if (!ours?.[field] || peers.length === 0)
    return { target, figure: 'no runs to compare', met: 'not measured' };
  const best = peers.reduce((a, b) => (b[field] > a[field] ? b : a));
  const ratio = ours[field] / best[field];
  const figure = `ours ${fmt(ours[field])} ${unit}; best peer ${best.label} ${fmt(best[field])} ${unit}; ratio ${ratio.toFixed(2)}×`;
  return { target, figure, met: ratio >= factor ? 'met' : 'not met' };
}

function cpuPerFileTarget(rows) {
  const target = "small set: client CPU per file ≤ rclone's (defaults and tuned)";
  const perFileMs = (r) => (1000 * r.clientCpuSeconds) / r.files;
  const ours = find(rows, 'small', 'ours');
  const rclones = ['rclone', 'rclone-tuned'].map((id) => find(rows, 'small', id)).filter(Boolean);
  if (!ours?.clientCpuSeconds || rclones.length === 0)
    return { target, figure: 'rclone or our run missing', met: 'not measured' };
  const parts = rclones.map((r) => `${r.label} ${perFileMs(r).toFixed(2)} ms`);
  return {
    target,
    figure: `ours ${perFileMs(ours).toFixed(2)} ms/file; ${parts.join('; ')}`,
    met: rclones.every((r) => perFileMs(ours) <= perFileMs(r)) ? 'met' : 'not met',
  };
}

function cpuTarget(rows) {
  const target = `large set: client CPU-s/GiB < ${CPU_PER_GIB_LIMIT}`;
  const ours = find(rows, 'large', 'ours');
  if (!ours?.cpuPerGiB) return { target, figure: 'no run', met: 'not measured' };
  const aws = find(rows, 'large', 'aws');
  const awsText = aws?.cpuPerGiB ? `; AWS CLI (defaults) ${aws.cpuPerGiB.toFixed(2)}` : '';
  return {
    target,
    figure: `ours ${ours.cpuPerGiB.toFixed(2)} CPU-s/GiB${awsText}`,
    met: ours.cpuPerGiB < CPU_PER_GIB_LIMIT ? 'met' : 'not met',
  };
}

function rssTarget(rows, rssSets) {
  const labels = rssSets.map((d) => d.label ?? d.name).join(' and ');
  const target =
    `peak RSS uploading ${labels || 'one big file'} < 150 MB and flat ` +
    `(larger ≤ ${RSS_FLAT_FACTOR}× smaller; highest of the rounds)`;
  const ours = rssSets.map((d) => find(rows, d.name, 'ours'));
  if (ours.length < 2 || !ours.every((r) => r?.maxPeakRssBytes))
    return { target, figure: 'no run', met: 'not measured' };
  const [smaller, larger] = ours.map((r) => r.maxPeakRssBytes);
  const lib = find(rows, rssSets[1].name, 'lib-storage');
  const libText = lib?.maxPeakRssBytes ? `; lib-storage ${fmt(lib.maxPeakRssBytes / MB)} MB` : '';
  const met = larger < RSS_LIMIT_BYTES && larger <= RSS_FLAT_FACTOR * smaller;
  return {
    target,
    figure: `ours ${fmt(smaller / MB)} MB, then ${fmt(larger / MB)} MB${libText}`,
    met: met ? 'met' : 'not met',
  };
}

function rerunTarget(rows) {
  const target = 'rerun of unchanged mixed set ≤ 0.5× the time of aws s3 sync and of rclone copy';
  const ours = find(rows, 'rerun', 'ours-rerun');
  const peers = ['aws-sync', 'rclone-rerun']
    .map((id) => find(rows, 'rerun', id))
    .filter((r) => r?.wallSeconds);
  if (!ours?.wallSeconds || peers.length === 0)
    return { target, figure: 'no reruns to compare', met: 'not measured' };
  const parts = peers.map(
    (p) => `${p.label} ${p.wallSeconds.toFixed(2)} s (${(ours.wallSeconds / p.wallSeconds).toFixed(2)}×)`,
  );
  const met = peers.every((p) => ours.wallSeconds <= 0.5 * p.wallSeconds);
  return {
    target,
    figure: `ours ${ours.wallSeconds.toFixed(2)} s; ${parts.join('; ')}`,
    met: met ? 'met' : 'not met',
  };
}

function startupTarget(startup) {
  const target = `start-up: --version and --help ≤ ~${STARTUP_FACTOR}× \`node -e 0\` (median of per-round ratios)`;
  return startupRow(startup, ['version', 'help'], target);
}

function workStartupTarget(startup) {
  const target = `start-up: status, a dry run and a rerun that sends nothing ≤ ~${STARTUP_FACTOR}× \`node -e 0\``;
  return startupRow(startup, ['status', 'dry-run', 'rerun'], target);
}

/** Each Node binary measured must keep every one of `ids` within the factor. */
function startupRow(startup, ids, target) {
  const nodes = (startup ? startupByNode(startup) : []).map(({ node, commands }) => ({
    node,
    bare: commands.find((c) => c.id === 'node'),
    ours: commands.filter((c) => ids.includes(c.id)),
  }));
  if (nodes.every(({ ours }) => ours.length === 0))
    return { target, figure: 'no start-up run', met: 'not measured' };
  const figure = nodes
    .map(({ node, bare, ours }) => {
      const parts = ours.map((c) => `${c.id} ${c.medianMs.toFixed(0)} ms (${c.ratioToNode.toFixed(2)}×)`);
      return `Node ${node}: ${parts.join(', ')}; node -e 0 ${bare?.medianMs.toFixed(0)} ms`;
    })
    .join('; ');
  const met = nodes.every(({ ours }) => ours.every((c) => c.ratioToNode <= STARTUP_FACTOR));
  return { target, figure: `${figure} (${startup.runs} rounds)`, met: met ? 'met' : 'not met' };
}

function planTarget(rows, planFiles) {
  const files = planFiles?.toLocaleString('en-US') ?? '100,000';
  const target = `dry run of ${files} small files ≤ ${PLAN_TIME_FACTOR}× rclone copy --dry-run's time and < 150 MB`;
  const ours = find(rows, 'plan', 'ours-dry-run');
  const rclone = find(rows, 'plan', 'rclone-dry-run');
  if (!ours?.wallSeconds || !rclone?.wallSeconds)
    return { target, figure: 'rclone or our dry run missing', met: 'not measured' };
  const ratio = ours.wallSeconds / rclone.wallSeconds;
  const aws = find(rows, 'plan', 'aws-dry-run');
  const awsText = aws?.wallSeconds
    ? `; aws s3 sync --dryrun ${aws.wallSeconds.toFixed(2)} s, ${fmt(aws.maxPeakRssBytes / MB)} MB`
    : '';
  const figure =
    `ours ${ours.wallSeconds.toFixed(2)} s, ${fmt(ours.maxPeakRssBytes / MB)} MB; rclone ` +
    `${rclone.wallSeconds.toFixed(2)} s, ${fmt(rclone.maxPeakRssBytes / MB)} MB (${ratio.toFixed(2)}×)${awsText}`;
  const met = ratio <= PLAN_TIME_FACTOR && ours.maxPeakRssBytes < RSS_LIMIT_BYTES;
  return { target, figure, met: met ? 'met' : 'not met' };
}

function find(rows, set, client) {
  return rows.find((r) => r.set === set && r.client === client && r.okRuns > 0);
}

function fmt(value) {
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}
