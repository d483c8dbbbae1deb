#!/usr/bin/env node
/**
 * `npm run bench`: datasets → server → upload rounds → reruns → peak RSS → report.
 *
 * Results go to bench/.results/<run>.json, .md and .svg, where <run> is rgw, sink, quick-rgw or quick-sink,
 * and the Markdown is printed on stdout. A run that is not --quick also rewrites docs/BENCHMARKS.md and
 * docs/bench-chart.svg from the latest rgw and sink results (with bench/analysis.md as its Analysis).
 * Progress goes to stderr.
 */
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AWS_BIN,
  PLAN_CLIENTS,
  RERUN_CLIENTS,
  RSS_CLIENTS,
  UPLOAD_CLIENTS,
  awsTuningCommands,
  detectTools,
  writeClientConfigs,
} from './clients.mjs';
import { ensureDataset } from './datasets.mjs';
import { describeMachine, readLoadAverage } from './machine-info.mjs';
import { killRunningClients } from './measure.mjs';
import { datasetSpecs, parseOptions } from './options.mjs';
import { runPlanPhase, runRerunPhase, runRssPhase, runUploadPhase } from './phases.mjs';
import { renderChart } from './report-chart.mjs';
import { renderMarkdown } from './report-markdown.mjs';
import { replaceStartupSection, startupSection } from './report-startup.mjs';
import { warmUp } from './s3-admin.mjs';
import { PROJECT_ROOT, startRgw, startSink } from './servers.mjs';
import { STARTUP_RUNS, measureStartup, startupByNode } from './startup.mjs';

const DATA_DIR = path.join(PROJECT_ROOT, 'bench', '.data');
const RESULTS_DIR = path.join(PROJECT_ROOT, 'bench', '.results');
const DOCS_DIR = path.join(PROJECT_ROOT, 'docs');
const started = performance.now();
// the SDK's Node 20 end-of-support notice would interrupt the progress lines
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function log(message) {
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0)}s] ${message}\n`);
}

async function main() {
  const argv = process.argv.slice(2);
  const options = parseOptions(argv);
  if (options.reportOnly) return writeDocs();
  if (options.startupOnly) return writeStartupOnly(options.startupNodes);
  // before any server starts: start-up needs none, and measures best on a machine that runs nothing of ours
  const startup = options.startup
    ? await runStartup(options.quick ? 5 : STARTUP_RUNS, options.startupNodes)
    : undefined;
  const runName = `${options.quick ? 'quick-' : ''}${options.sink ? 'sink' : 'rgw'}`;
  const tools = detectTools();
  const clients = selectClients(UPLOAD_CLIENTS, tools, options);
  const datasets = await prepareDatasets(options);
  const machine = { ...describeMachine(), loadAverageStart: readLoadAverage() };
  const startedAt = new Date().toISOString();
  const server = options.sink
    ? await startSink({ log })
    : await startRgw({ ...options, keep: options.keepServer, log });
  stopOnSignal(server);
  let records;
  try {
    records = await runPhases({ runName, options, tools, clients, datasets, server });
  } finally {
    await server.stop();
  }
  const results = {
    argv,
    quick: options.quick,
    rounds: options.rounds,
    rssRounds: options.rssRounds,
    sets: options.sets,
    ...(startup ? { startup } : {}),
    serverKind: server.kind,
    serverDescription: server.describe,
    startedAt,
    durationSeconds: (performance.now() - started) / 1000,
    machine: { ...machine, loadAverageEnd: readLoadAverage() },
    tools,
    awsTuning: awsTuningCommands(),
    datasets: describeDatasets(datasets),
    commands: collectCommands(records),
    sampledAny: Object.values(records)
      .flat()
      .some((r) => r.sampled),
    records,
  };
  await writeOutputs(runName, results, options);
}

async function runStartup(runs = STARTUP_RUNS, extraNodes = []) {
  log(`start-up: bare Node and six commands, ${runs} interleaved rounds per Node binary`);
  const startup = await measureStartup({ runs, nodes: [process.execPath, ...extraNodes] });
  for (const { node, commands } of startupByNode(startup))
    for (const c of commands)
      log(
        `  ${node} ${c.display}: median ${c.medianMs.toFixed(0)} ms, ${c.ratioToNode.toFixed(2)}× bare Node`,
      );
  return startup;
}

/**
 * `--startup`: measures start-up alone, saves it as bench/.results/startup.json (which later full reports use
 * when it is the newer), and writes its section into docs/BENCHMARKS.md, leaving the other sections as they are.
 */
async function writeStartupOnly(extraNodes) {
  const startup = await runStartup(STARTUP_RUNS, extraNodes);
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(path.join(RESULTS_DIR, 'startup.json'), `${JSON.stringify(startup, null, 1)}\n`);
  const docsPath = path.join(DOCS_DIR, 'BENCHMARKS.md');
  const section = startupSection(startup, describeMachine());
  const current = await readFile(docsPath, 'utf8').catch(() => '# Benchmarks\n');
  await writeFile(docsPath, await formatMarkdown(replaceStartupSection(current, section)));
  process.stdout.write(`${section}\n`);
  log('wrote the start-up section of docs/BENCHMARKS.md');
}

/** Ctrl+C or SIGTERM: kill the running client, stop the server (as the normal end would), exit 130. */
function stopOnSignal(server) {
  const stop = (signal) => {
    log(`${signal}: stopping the client and the server`);
    killRunningClients();
    server.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function selectClients(all, tools, options) {
  return all.filter((client) => {
    if (options.clients && !options.clients.includes(client.id)) return false;
    if (tools[client.tool]) return true;
    log(
      `skipping ${client.id}: ${client.tool === 'aws' ? `${AWS_BIN} (AWS CLI v2)` : client.tool} is not installed`,
    );
    return false;
  });
}

async function prepareDatasets(options) {
  const specs = datasetSpecs(options.quick);
  const wanted = new Set(options.sets);
  if (options.rerun && !options.sink) wanted.add('mixed');
  if (options.rss) wanted.add('rssSmaller').add('rssLarger');
  if (isPlanRun(options)) wanted.add('plan');
  const datasets = {};
  for (const name of wanted) datasets[name] = await ensureDataset(DATA_DIR, specs[name], log);
  return datasets;
}

/** Dry runs send nothing but one listing of an empty bucket, so on the sink they would repeat the Ceph run's figures. */
function isPlanRun(options) {
  return options.planScale && !options.sink;
}

async function runPhases({ runName, options, tools, clients, datasets, server }) {
  const tag = `b${Date.now().toString(36).slice(-6)}`;
  const workDir = await mkdtemp(path.join(os.tmpdir(), `upload-to-s3-bench-${tag}-`));
  try {
    await mkdir(RESULTS_DIR, { recursive: true });
    const partial = path.join(RESULTS_DIR, `${runName}.partial.json`);
    const done = [];
    const onRecord = (record) => {
      done.push(record);
      writeFileSync(partial, `${JSON.stringify(done, null, 1)}\n`);
    };
    const work = await prepareWork(workDir, server, clients);
    const ctx = { server, tag, log, onRecord, runsDir: path.join(workDir, 'runs'), work };
    await warmUp(server.admin, `${tag}-warm-up`);
    const { rounds, rssRounds } = options;
    const uploads = await runUploadPhase({ sets: options.sets, datasets, clients, rounds, ctx });
    const rerunClients = RERUN_CLIENTS.filter((c) => clients.some((u) => u.id === c.seed));
    const reruns =
      options.rerun && !options.sink
        ? await runRerunPhase({ dataset: datasets.mixed, uploadClients: clients, rerunClients, rounds, ctx })
        : [];
    const rssClients = RSS_CLIENTS.filter((c) => clients.some((u) => u.id === c.id));
    const rssSets = [datasets.rssSmaller, datasets.rssLarger];
    const rss = options.rss
      ? await runRssPhase({ datasets: rssSets, clients: rssClients, rounds: rssRounds, ctx })
      : [];
    const planClients = PLAN_CLIENTS.filter(
      (c) => tools[c.tool] && (!options.clients || options.clients.includes(c.base)),
    );
    const plan = isPlanRun(options)
      ? await runPlanPhase({ dataset: datasets.plan, clients: planClients, rounds, ctx })
      : [];
    return { uploads, reruns, rss, plan };
  } finally {
    await rm(workDir, { recursive: true, force: true }).catch(() => {});
  }
}

/**
 * The run's work folder, outside the repository (so linters never see it): client configs, per-run state and
 * logs, and a copy of dist/, so a rebuild by someone else during a long run cannot change our tool between
 * rounds. The copy finds its packages through a node_modules link and its version in a package.json copy.
 */
async function prepareWork(workDir, server, clients) {
  await cp(path.join(PROJECT_ROOT, 'dist'), path.join(workDir, 'dist'), { recursive: true });
  await cp(path.join(PROJECT_ROOT, 'package.json'), path.join(workDir, 'package.json'));
  await symlink(path.join(PROJECT_ROOT, 'node_modules'), path.join(workDir, 'node_modules'), 'dir');
  const configs = writeClientConfigs(
    workDir,
    server,
    clients.some((c) => c.tool === 'aws'),
  );
  return { configs, ourCli: path.join(workDir, 'dist', 'cli.js') };
}

function describeDatasets(datasets) {
  const described = {};
  for (const [key, d] of Object.entries(datasets)) {
    const label = key.startsWith('rss') ? `one ${formatSize(d.reelBytes[0])} reel` : undefined;
    described[key] = {
      name: d.name,
      files: d.files,
      bytes: d.bytes,
      reelBytes: d.reelBytes,
      ...(label ? { label } : {}),
    };
  }
  return described;
}

/** One display command per client, preferring the mixed set's last round, with the project root made relative. */
function collectCommands(records) {
  const commands = {};
  const uploads = records.uploads;
  const all = [
    ...uploads.filter((r) => r.set !== 'mixed'),
    ...uploads.filter((r) => r.set === 'mixed'),
    ...records.reruns.filter((r) => r.set === 'rerun'),
    ...(records.plan ?? []),
  ];
  for (const record of all) commands[record.client] = record.display.split(`${PROJECT_ROOT}/`).join('');
  return commands;
}

async function writeOutputs(runName, results, options) {
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(path.join(RESULTS_DIR, `${runName}.json`), `${JSON.stringify(results, null, 1)}\n`);
  const markdown = await formatMarkdown(renderMarkdown({ main: results, chartFile: `${runName}.svg` }));
  await writeFile(path.join(RESULTS_DIR, `${runName}.md`), markdown);
  await writeFile(path.join(RESULTS_DIR, `${runName}.svg`), renderChart(results));
  process.stdout.write(markdown);
  log(`results in ${path.relative(PROJECT_ROOT, RESULTS_DIR)}/${runName}.{json,md,svg}`);
  if (!options.quick) await writeDocs();
}

/** docs/BENCHMARKS.md and docs/bench-chart.svg from the latest full rgw run, with the sink run beside it. */
async function writeDocs() {
  const load = async (name) =>
    JSON.parse(await readFile(path.join(RESULTS_DIR, `${name}.json`), 'utf8').catch(() => 'null'));
  const [rgw, sink, startupAlone] = [await load('rgw'), await load('sink'), await load('startup')];
  const main = rgw ?? sink;
  if (!main) throw new Error('no results in bench/.results yet; run npm run bench first');
  const startup = [main.startup, startupAlone]
    .filter(Boolean)
    .sort((a, b) => b.measuredAt.localeCompare(a.measuredAt))[0];
  const analysis = await readFile(path.join(PROJECT_ROOT, 'bench', 'analysis.md'), 'utf8').catch(
    () => undefined,
  );
  const markdown = renderMarkdown({
    main,
    sink: rgw ? (sink ?? undefined) : undefined,
    startup,
    analysis,
    chartFile: 'bench-chart.svg',
  });
  await writeFile(path.join(DOCS_DIR, 'BENCHMARKS.md'), await formatMarkdown(markdown));
  await writeFile(path.join(DOCS_DIR, 'bench-chart.svg'), renderChart(main));
  log('wrote docs/BENCHMARKS.md and docs/bench-chart.svg');
  return markdown;
}

/** Prettier's Markdown formatting (aligned tables), so `npm run lint` accepts the generated file as it is. */
async function formatMarkdown(markdown) {
  try {
    const prettier = await import('prettier');
    const config = (await prettier.resolveConfig(path.join(DOCS_DIR, 'BENCHMARKS.md'))) ?? {};
    return await prettier.format(markdown, { ...config, parser: 'markdown' });
  } catch {
    return markdown;
  }
}

function formatSize(bytes) {
  const GiB = 1024 ** 3;
  return bytes >= GiB ? `${bytes / GiB} GiB` : `${bytes / 1024 ** 2} MiB`;
}

main().catch((error) => {
  log(`failed: ${error?.stack ?? error}`);
  process.exit(1);
});
