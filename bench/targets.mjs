/**
 * The targets of issue 7, checked against the summaries: each gives the figure, the bar, and met / not met
 * (or "not measured" when a run it needs is missing or failed).
 */

const MB = 1e6;

/**
 * `uploads`, `reruns`, `rss` are summaries (stats.summarise); `rssSet` names the biggest single-file set
 * and `rssLabel` describes it.
 * Returns `[{ target, figure, met }]` with `met` one of 'met', 'not met', 'not measured'.
 */
export function evaluateTargets({ uploads, reruns, rss, rssSet, rssLabel }) {
  return [
    throughputTarget(uploads, 'large', 'mbPerSec', 1.2, 'large set: MB/s ≥ 1.2× the best peer', 'MB/s'),
    cpuTarget(uploads),
    throughputTarget(
      uploads,
      'small',
      'filesPerSec',
      1.5,
      'small set: files/s ≥ 1.5× the best peer',
      'files/s',
    ),
    rssTarget(rss, rssSet, rssLabel ?? rssSet ?? 'one big file'),
    rerunTarget(reruns),
  ];
}

function throughputTarget(rows, set, field, factor, target, unit) {
  const ours = find(rows, set, 'ours');
  const peers = rows.filter((r) => r.set === set && r.role === 'peer' && r[field] !== undefined);
  if (!ours?.[field] || peers.length === 0)
    return { target, figure: 'no runs to compare', met: 'not measured' };
  const best = peers.reduce((a, b) => (b[field] > a[field] ? b : a));
  const ratio = ours[field] / best[field];
  const figure = `ours ${fmt(ours[field])} ${unit}; best peer ${best.label} ${fmt(best[field])} ${unit}; ratio ${ratio.toFixed(2)}×`;
  return { target, figure, met: ratio >= factor ? 'met' : 'not met' };
}

function cpuTarget(rows) {
  const target = 'large set: client CPU-s/GiB ≤ 0.5× AWS CLI (defaults)';
  const ours = find(rows, 'large', 'ours');
  const aws = find(rows, 'large', 'aws');
  if (!ours?.cpuPerGiB || !aws?.cpuPerGiB)
    return { target, figure: 'AWS CLI or our run missing', met: 'not measured' };
  const ratio = ours.cpuPerGiB / aws.cpuPerGiB;
  const figure = `ours ${ours.cpuPerGiB.toFixed(2)} CPU-s/GiB; AWS CLI ${aws.cpuPerGiB.toFixed(2)}; ratio ${ratio.toFixed(2)}×`;
  return { target, figure, met: ratio <= 0.5 ? 'met' : 'not met' };
}

function rssTarget(rows, rssSet, rssLabel) {
  const target = `peak RSS uploading ${rssLabel} ≤ 300 MB (highest of the rounds)`;
  const ours = find(rows, rssSet, 'ours');
  const lib = find(rows, rssSet, 'lib-storage');
  if (!ours?.maxPeakRssBytes) return { target, figure: 'no run', met: 'not measured' };
  const libText = lib?.maxPeakRssBytes ? `; lib-storage ${fmt(lib.maxPeakRssBytes / MB)} MB` : '';
  return {
    target,
    figure: `ours ${fmt(ours.maxPeakRssBytes / MB)} MB${libText}`,
    met: ours.maxPeakRssBytes <= 300 * MB ? 'met' : 'not met',
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

function find(rows, set, client) {
  return rows.find((r) => r.set === set && r.client === client && r.okRuns > 0);
}

function fmt(value) {
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}
