/**
 * Command-line options of `npm run bench` and the dataset sizes each mode uses.
 *
 *   npm run bench [-- --quick] [--rounds N] [--sets small,large,mixed] [--sink] [--clients a,b] [--no-rerun] [--no-rss]
 *                    [--rss-rounds N] [--report-only] [--startup] [--no-startup] [--no-plan-scale]
 *                    [--node PATH ...]
 *
 * --rounds N (3; 1 with --quick) rounds of uploads and reruns; --rss-rounds N (1) rounds of the peak-RSS runs,
 * whose figure depends on buffer sizes rather than on noise. --report-only runs nothing and rewrites
 * docs/BENCHMARKS.md and docs/bench-chart.svg from the saved results (after editing bench/analysis.md).
 * --startup measures only start-up (bench/startup.mjs: the sink, no Ceph, no datasets) and writes it as the start-up
 * section of docs/BENCHMARKS.md, leaving the other sections as they are; every other run measures start-up too,
 * first, unless --no-startup; --node PATH (repeatable) measures start-up with that Node binary too. --no-plan-scale leaves out the dry runs of the planning-at-scale set (100,000 files
 * of 64 B; 10,000 with --quick), which take minutes to generate the first time.
 *
 * env: BENCH_RGW_PORT / BENCH_MON_PORT (7494 / 6784) ports of the benchmark's own Ceph RGW,
 *      BENCH_KEEP_S3=1 leave a server this run started running, BENCH_SKIP_APT=1 never install peers.
 */
import { datasetSpec } from './datasets.mjs';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
export const ALL_SETS = ['small', 'large', 'mixed'];

const USAGE =
  'usage: npm run bench -- [--quick] [--rounds N] [--sets small,large,mixed] [--sink] [--clients a,b] [--no-rerun] [--no-rss] [--rss-rounds N] [--report-only] [--startup] [--no-startup] [--no-plan-scale] [--node PATH ...]';

/**
 * Parses `argv` (without node and script). Returns `{ quick, rounds, rssRounds, sets, sink, clients, rerun,
 * rss, reportOnly, startup, startupOnly, startupNodes, planScale, rgwPort, monPort, keepServer }`. @throws Error with the usage line on an unknown or malformed option.
 */
export function parseOptions(argv, env = process.env) {
  const options = {
    quick: false,
    rounds: undefined,
    rssRounds: 1,
    sets: ALL_SETS,
    sink: false,
    clients: undefined,
    rerun: true,
    rss: true,
    reportOnly: false,
    startup: true,
    startupOnly: false,
    startupNodes: [],
    planScale: true,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = () => argv[++i] ?? fail(`${arg} needs a value`);
    if (arg === '--quick') options.quick = true;
    else if (arg === '--sink') options.sink = true;
    else if (arg === '--no-rerun') options.rerun = false;
    else if (arg === '--no-rss') options.rss = false;
    else if (arg === '--report-only') options.reportOnly = true;
    else if (arg === '--startup') options.startupOnly = true;
    else if (arg === '--no-startup') options.startup = false;
    else if (arg === '--no-plan-scale') options.planScale = false;
    else if (arg === '--node') options.startupNodes.push(value());
    else if (arg === '--rounds') options.rounds = parseRounds(value());
    else if (arg === '--rss-rounds') options.rssRounds = parseRounds(value());
    else if (arg === '--sets') options.sets = parseSets(value());
    else if (arg === '--clients') options.clients = value().split(',').filter(Boolean);
    else if (arg === '--help' || arg === '-h') fail('');
    else fail(`unknown option ${arg}`);
  }
  return {
    ...options,
    rounds: options.rounds ?? (options.quick ? 1 : 3),
    rgwPort: Number(env.BENCH_RGW_PORT || 7494),
    monPort: Number(env.BENCH_MON_PORT || 6784),
    keepServer: env.BENCH_KEEP_S3 === '1',
  };
}

function parseRounds(text) {
  const rounds = Number(text);
  if (!Number.isInteger(rounds) || rounds < 1) fail(`--rounds: '${text}' is not a whole number ≥ 1`);
  return rounds;
}

function parseSets(text) {
  const sets = text.split(',').filter(Boolean);
  const unknown = sets.filter((s) => !ALL_SETS.includes(s));
  if (sets.length === 0 || unknown.length > 0) fail(`--sets: use some of ${ALL_SETS.join(',')}`);
  return ALL_SETS.filter((s) => sets.includes(s));
}

function fail(message) {
  throw new Error(message ? `${message}\n${USAGE}` : USAGE);
}

/**
 * The datasets of a mode: the three upload sets, the single files of the peak-RSS runs, and the
 * planning-at-scale set of the dry runs (64 B files, 200 to a folder).
 * Quick mode keeps every shape (small files, multipart reels, both) at a size that runs in seconds.
 */
export function datasetSpecs(quick) {
  if (quick) {
    return {
      small: datasetSpec('quick-small', { smallFiles: 100 }),
      large: datasetSpec('quick-large', { reelBytes: [24 * MiB, 24 * MiB] }),
      mixed: datasetSpec('quick-mixed', { smallFiles: 40, reelBytes: [16 * MiB] }),
      rssSmaller: datasetSpec('quick-rss-a', { reelBytes: [16 * MiB] }),
      rssLarger: datasetSpec('quick-rss-b', { reelBytes: [64 * MiB] }),
      plan: planSpec('quick-plan', 10_000),
    };
  }
  return {
    small: datasetSpec('small', { smallFiles: 3000 }),
    large: datasetSpec('large', { reelBytes: [GiB, GiB, GiB] }),
    mixed: datasetSpec('mixed', { smallFiles: 1000, reelBytes: [384 * MiB, 384 * MiB] }),
    rssSmaller: datasetSpec('rss-1g', { reelBytes: [GiB] }),
    rssLarger: datasetSpec('rss-4g', { reelBytes: [4 * GiB] }),
    plan: planSpec('plan-100k', 100_000),
  };
}

function planSpec(name, files) {
  return datasetSpec(name, {
    smallFiles: files,
    smallMinBytes: 64,
    smallMaxBytes: 64,
    logFolders: files / 200,
  });
}
