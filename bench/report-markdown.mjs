/**
 * The benchmark report as Markdown: targets, machine, method, one table per dataset, reruns, peak RSS,
 * dry runs at scale, the client-only (sink) figures when a sink run exists, the exact commands, and the hand-written analysis.
 * The prose sections live in report-prose.mjs; the tables are here.
 */
import { commandsSection, header, machineSection, methodSection } from './report-prose.mjs';
import { STARTUP_TITLE, startupSection } from './report-startup.mjs';
import { summarise } from './stats.mjs';
import { evaluateTargets } from './targets.mjs';

const MB = 1e6;

/**
 * Renders `main` (a results object from main.mjs) plus optional `sink` results, `startup` (a start-up
 * measurement newer than `main.startup`) and `analysis` Markdown.
 */
export function renderMarkdown({ main, sink, startup = main.startup, analysis, chartFile }) {
  const uploads = summarise(main.records.uploads, 'ours');
  const reruns = summarise(main.records.reruns, 'ours-rerun');
  const rss = summarise(main.records.rss, 'ours');
  const plan = summarise(main.records.plan ?? [], 'ours-dry-run');
  const { rssSmaller, rssLarger } = main.datasets;
  const targets = evaluateTargets({
    uploads,
    reruns,
    rss,
    rssSets: [rssSmaller, rssLarger].filter(Boolean),
    startup,
    plan,
    planFiles: main.datasets.plan?.files,
  });
  return [
    header(main),
    section('Targets (issue 16)', targetTable(targets)),
    section('Machine and tools', machineSection(main)),
    section('Method', methodSection(main)),
    ...main.sets.map((set) =>
      section(`Uploads: ${set} set (${describeSet(main.datasets[set])})`, uploadTable(uploads, set)),
    ),
    reruns.length
      ? section(`Rerun of the unchanged mixed set (${describeSet(main.datasets.mixed)})`, rerunTable(reruns))
      : '',
    rss.length ? section('Peak RSS uploading one big file', rssTable(rss, main)) : '',
    plan.length ? section(planTitle(main.datasets.plan), planTable(plan, main.datasets.plan)) : '',
    startup ? section(STARTUP_TITLE, startupSection(startup, main.machine)) : '',
    sink ? section('Client-only cost: uploads to the sink (`--sink`)', sinkSection(sink)) : '',
    chartFile ? section('Chart', `![MB/s and client CPU-seconds per GiB per tool](${chartFile})\n`) : '',
    section('Commands', commandsSection(main, sink)),
    analysis ? section('Analysis', analysis.trim()) : '',
  ]
    .filter(Boolean)
    .join('\n');
}

function section(title, body) {
  return `## ${title}\n\n${body}\n`;
}

function targetTable(targets) {
  return table(
    ['target', 'result', 'figures'],
    targets.map((t) => [
      t.target,
      t.met === 'met' ? '**met**' : t.met === 'not met' ? '**not met**' : t.met,
      t.figure,
    ]),
  );
}

function uploadTable(rows, set) {
  const head = [
    'client',
    'wall s',
    'MB/s',
    'files/s',
    'speed ÷ ours',
    'client CPU s',
    'CPU-s/GiB',
    'CPU/GiB ÷ ours',
  ];
  head.push('peak RSS MB', 'read MB', 'disk MB', 'server CPU s', 'other CPU s', 'requests', 'bucket check');
  const body = rows
    .filter((r) => r.set === set)
    .map((r) => [
      nameCell(r),
      num(r.wallSeconds, 2),
      num(r.mbPerSec, 1),
      num(r.filesPerSec, r.filesPerSec < 10 ? 1 : 0),
      ratio(r.speedVsOurs),
      num(r.clientCpuSeconds, 2, r.sampled),
      num(r.cpuPerGiB, 2, r.sampled),
      ratio(r.cpuVsOurs),
      num(r.peakRssBytes / MB, 0, r.sampled),
      num(r.rcharBytes / MB, 0),
      num(r.diskReadBytes / MB, 0),
      num(r.serverCpuSeconds, 2),
      num(r.otherCpuSeconds, 2),
      r.role === 'reference' && r.client === 'cat' ? '—' : num(r.requests, 0),
      checkCell(r),
    ]);
  return table(head, body);
}

function rerunTable(rows) {
  const head = [
    'client',
    'wall s',
    'time ÷ ours rerun',
    'client CPU s',
    'peak RSS MB',
    'requests',
    'MB re-sent',
    'bucket check',
  ];
  const body = rows
    .filter((r) => r.set === 'rerun')
    .map((r) => [
      nameCell(r),
      num(r.wallSeconds, 2),
      ratio(r.timeVsOurs),
      num(r.clientCpuSeconds, 2, r.sampled),
      num(r.peakRssBytes / MB, 0, r.sampled),
      num(r.requests, 0),
      num(r.putBytes / MB, 1),
      checkCell(r),
    ]);
  const seeds = rows
    .filter((r) => r.set === 'rerun-seed')
    .map((r) => `${r.label} ${num(r.wallSeconds, 1)} s`);
  const note = `Each bucket was first filled by the matching client (${seeds.join(', ')}); our reruns use that run's state folder.`;
  return `${note}\n\n${table(head, body)}`;
}

function rssTable(rows, main) {
  const head = [
    'file',
    'client',
    'peak RSS MB (median)',
    'peak RSS MB (max)',
    'wall s',
    'MB/s',
    'CPU-s/GiB',
    'requests',
  ];
  const labels = {
    [main.datasets.rssSmaller?.name]: main.datasets.rssSmaller?.label,
    [main.datasets.rssLarger?.name]: main.datasets.rssLarger?.label,
  };
  const body = rows.map((r) => [
    labels[r.set] ?? r.set,
    r.label,
    num(r.peakRssBytes / MB, 0, r.sampled),
    num(r.maxPeakRssBytes / MB, 0, r.sampled),
    num(r.wallSeconds, 2),
    num(r.mbPerSec, 1),
    num(r.cpuPerGiB, 2, r.sampled),
    num(r.requests, 0),
  ]);
  const rounds = `${main.rssRounds ?? 1} round${(main.rssRounds ?? 1) > 1 ? 's' : ''}`;
  return `Defaults for both (our default body memory budget is 64 MiB, at most 2 MiB per body in flight); ${rounds}.\n\n${table(head, body)}`;
}

function planTitle(dataset) {
  return `Dry run of ${dataset.files.toLocaleString('en-US')} small files against an empty bucket`;
}

function planTable(rows, dataset) {
  const head = ['client', 'wall s', 'time ÷ ours', 'user CPU s', 'system CPU s', 'peak RSS MB', 'requests'];
  head.push('bucket check');
  const body = rows.map((r) => [
    nameCell(r),
    num(r.wallSeconds, 2),
    ratio(r.timeVsOurs),
    num(r.userSeconds, 2, r.sampled),
    num(r.systemSeconds, 2, r.sampled),
    num(r.peakRssBytes / MB, 0, r.sampled),
    num(r.requests, 0),
    checkCell(r),
  ]);
  const note =
    `${dataset.files.toLocaleString('en-US')} files of 64 B, 200 to a folder under \`logs/\`. Each client plans every file against ` +
    'the same empty bucket and sends nothing (the bucket is checked to be still empty). Ours starts with an empty ' +
    'state folder, so no upload log: like the peers, it asks the bucket (a HeadBucket and one listing of the ' +
    "folder type's prefix, see the requests column).";
  return `${note}\n\n${table(head, body)}`;
}

function sinkSection(sink) {
  const rows = summarise(sink.records.uploads, 'ours');
  const intro =
    `From \`npm run bench -- ${sink.argv.join(' ')}\` on ${sink.startedAt.slice(0, 10)} (${sink.rounds} round(s)). ` +
    'The sink (bench/sink-server.mjs) accepts any S3-ish request, hashes bodies with MD5 for the ETag and throws them away: ' +
    'no disk, no Ceph. These figures measure the clients only; they say nothing about a real server. The sink runs on ' +
    'the same two cores, and its MD5 is not free ("sink CPU s"), so it caps the large-file rates too: the single-stream ' +
    '`curl` row shows that cap.';
  const parts = sink.sets.map((set) => {
    const head = [
      'client',
      'wall s',
      'MB/s',
      'files/s',
      'speed ÷ ours',
      'client CPU s',
      'CPU-s/GiB',
      'CPU/GiB ÷ ours',
    ];
    head.push('peak RSS MB', 'sink CPU s', 'requests', 'check');
    const body = rows
      .filter((r) => r.set === set)
      .map((r) => [
        nameCell(r),
        num(r.wallSeconds, 2),
        num(r.mbPerSec, 1),
        num(r.filesPerSec, r.filesPerSec < 10 ? 1 : 0),
        ratio(r.speedVsOurs),
        num(r.clientCpuSeconds, 2, r.sampled),
        num(r.cpuPerGiB, 2, r.sampled),
        ratio(r.cpuVsOurs),
        num(r.peakRssBytes / MB, 0, r.sampled),
        num(r.serverCpuSeconds, 2),
        r.client === 'cat' ? '—' : num(r.requests, 0),
        checkCell(r),
      ]);
    return `### ${set} set (${describeSet(sink.datasets[set])})\n\n${table(head, body)}`;
  });
  return [intro, ...parts].join('\n\n');
}

function describeSet(dataset) {
  if (!dataset) return '';
  return `${dataset.files.toLocaleString('en-US')} files, ${num(dataset.bytes / MB, 0)} MB${dataset.label ? `: ${dataset.label}` : ''}`;
}

function nameCell(row) {
  return row.role === 'ours' ? `**${row.label}**` : row.role === 'reference' ? `_${row.label}_` : row.label;
}

function checkCell(row) {
  if (row.client === 'cat') return 'n/a';
  const ok = `${row.okRuns}/${row.runs} ok`;
  return row.problems.length ? `${ok}; ${row.problems.join('; ')}` : ok;
}

function num(value, digits, approximate = false) {
  if (value === undefined || !Number.isFinite(value)) return '—';
  const text = value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return approximate ? `~${text}` : text;
}

function ratio(value) {
  return value === undefined ? '—' : `${value.toFixed(2)}×`;
}

function table(head, rows) {
  const escape = (cell) => String(cell).replace(/\|/g, '\\|');
  const lines = [head, head.map(() => '---'), ...rows].map((cells) => `| ${cells.map(escape).join(' | ')} |`);
  return lines.join('\n');
}
