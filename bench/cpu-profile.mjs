#!/usr/bin/env node
/**
 * Where the client's CPU goes per small file. Uploads a set of small files (4-64 KiB) with the built CLI to a
 * fresh bucket on an S3 server, once under `node --cpu-prof` for the breakdown and `--runs` more times without the
 * profiler for the client CPU (user + sys from GNU time, every thread counted) and files/s, which the profiler
 * would inflate. The profile's samples are charged to the function they landed in (self time), mapped through the
 * bundle's source map to the module it came from, and summed into buckets: the SDK's middleware, our own steps,
 * Node's http, fs and crypto, and the garbage collector.
 *
 *   node bench/cpu-profile.mjs [--files 2000] [--runs 3] [--label before] [--bucket-prefix lean-put-cpuprof]
 *        [--endpoint http://127.0.0.1:7481] [--cli dist/cli.js] [--interval-us 250]
 *   node bench/cpu-profile.mjs --summarise FILE.cpuprofile [--files N]
 *
 * Keys come from S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY (the test server's by default). The dataset is built
 * under bench/.data like the benchmark's; profiles and the summary go to bench/.data/cpu-profile/<label>/.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeOurConfig } from './clients.mjs';
import { datasetSpec, ensureDataset } from './datasets.mjs';
import { readLoadAverage } from './machine-info.mjs';
import { countObjects, createFreshBucket, deleteBucket, makeAdminClient } from './s3-admin.mjs';
import { PROJECT_ROOT } from './servers.mjs';

/**
 * Buckets by the source path a sample maps to, first match wins. SDK modules are told apart by package, Node's
 * own by internal module name, ours by folder (and the one file that owns hashing of a body).
 */
const BUCKETS = [
  [
    'SDK endpoint resolution',
    /util-endpoints|middleware-endpoint|endpoint\/(ruleset|endpointResolver)|EndpointParameters|bucketEndpoint|s3-express/,
  ],
  [
    'SDK serialisation, parsing',
    /protocols|smithy-client|xml-builder|fast-xml-parser|middleware-serde|util-uri-escape|querystring-builder|util-base64|util-utf8|protocol-http/,
  ],
  [
    'SDK signing',
    /signature-v4|httpAuthSchemes|middleware-signing|httpAuthSchemeProvider|httpAuthScheme|core\/src\/submodules\/httpAuth|credential/,
  ],
  ['SDK checksum', /flexible-checksums|md5-js|hash-node|crc32|checksum/],
  ['SDK retry', /middleware-retry|util-retry|service-error-classification/],
  ['SDK http handler', /node-http-handler/],
  ['SDK other middleware', /@smithy|@aws-sdk/],
  ['ours: plan (walk, keys)', /src\/collector\//],
  ['ours: decide', /src\/verifier\//],
  ['ours: hashing', /src\/content\/|src\/transfer\/signed-body/],
  ['ours: csv log, status', /src\/status\/|src\/log\//],
  ['ours: transfer', /src\/transfer\//],
  ['ours: remote (store)', /src\/remote\//],
  ['ours: other', /src\//],
  [
    'node: http, net',
    /^node:(_http|http|https|net|_tls|tls|internal\/(http|net|dns|stream_base|js_stream)|dns)/,
  ],
  ['node: fs', /^node:(fs|internal\/fs)/],
  ['node: crypto', /^node:(crypto|internal\/crypto)/],
  [
    'node: streams, events, timers',
    /^node:(stream|internal\/(streams|event|timers|abort|webstreams)|events|timers)/,
  ],
  [
    'node: promises, async hooks, microtasks',
    /^node:internal\/(async_hooks|process\/task_queues|process\/promises)/,
  ],
  ['node: module loading', /^node:internal\/(modules|vm|process\/esm)|^node:module/],
  ['other dependencies', /node_modules/],
  // bundle positions without a source: esbuild's helpers, mostly __name, which keepNames calls per closure made
  ['bundle runtime (esbuild helpers)', /\/dist\/lib\//],
  ['node: other', /^node:/],
];
const SPECIAL = {
  '(garbage collector)': 'GC',
  '(program)': '(program: native, outside JS)',
  '(idle)': null,
  '(root)': null,
};

const { values: args } = parseArgs({
  options: {
    files: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '3' },
    label: { type: 'string', default: 'run' },
    'bucket-prefix': { type: 'string', default: 'lean-put-cpuprof' },
    endpoint: { type: 'string', default: 'http://127.0.0.1:7481' },
    cli: { type: 'string', default: path.join(PROJECT_ROOT, 'dist', 'cli.js') },
    'interval-us': { type: 'string', default: '250' },
    summarise: { type: 'string' },
  },
});

if (args.summarise) {
  printBreakdown(summariseProfile(args.summarise), Number(args.files));
} else {
  await main();
}

async function main() {
  const fileCount = Number(args.files);
  const server = {
    endpoint: args.endpoint,
    accessKeyId: process.env.S3_ACCESS_KEY_ID ?? 'UPLOADTOS3TESTKEY001',
    secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? 'uploadToS3TestSecretKey000000000000000001',
  };
  const out = path.join(PROJECT_ROOT, 'bench', '.data', 'cpu-profile', args.label);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const dataset = await ensureDataset(
    path.join(PROJECT_ROOT, 'bench', '.data'),
    datasetSpec(`cpuprof${fileCount}`, { smallFiles: fileCount }),
    (line) => console.error(line),
  );
  const config = writeOurConfig(path.join(out, 'upload-to-s3.yaml'), server, 'placeholder-bucket');
  const admin = makeAdminClient(server);
  const loadBefore = readLoadAverage();
  const profiled = await uploadOnce({ admin, dataset, config, out, profile: true });
  const plain = [];
  for (let i = 0; i < Number(args.runs); i += 1)
    plain.push(await uploadOnce({ admin, dataset, config, out, profile: false }));
  const profileFile = readdirSync(out).find((name) => name.endsWith('.cpuprofile'));
  const breakdown = summariseProfile(path.join(out, profileFile));
  const report = {
    label: args.label,
    files: dataset.files,
    bytes: dataset.bytes,
    loadAverage: { before: loadBefore, after: readLoadAverage() },
    profiled,
    plain,
    breakdown,
  };
  writeFileSync(path.join(out, 'summary.json'), `${JSON.stringify(report, null, 2)}\n`);
  printBreakdown(breakdown, dataset.files);
  printRuns(report);
}

/** One upload of the whole set to a fresh bucket; returns GNU time's figures and the bucket check. */
async function uploadOnce({ admin, dataset, config, out, profile }) {
  const bucket = `${args['bucket-prefix']}-${Date.now()}`;
  await createFreshBucket(admin, bucket);
  const state = path.join(out, `state-${bucket}`);
  const node = profile
    ? [`--cpu-prof`, `--cpu-prof-dir=${out}`, `--cpu-prof-interval=${args['interval-us']}`]
    : [];
  const cli = [args.cli, '--config', config, '--folder', dataset.root, '--project-key', dataset.project];
  cli.push('--bucket', bucket, '--state-dir', state, '-q');
  const run = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, ...node, ...cli], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', CI: 'true' },
  });
  const [wallS, userS, sysS, rssKb] = run.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  const stored = await countObjects(admin, bucket);
  await deleteBucket(admin, bucket);
  rmSync(state, { recursive: true, force: true });
  if (run.status !== 0) throw new Error(`upload failed (${run.status}): ${run.stderr.slice(-2000)}`);
  const result = { profile, wallS, userS, sysS, rssMb: Math.round(rssKb / 1024), stored };
  console.error(JSON.stringify(result));
  return result;
}

/** Self time in ms per bucket, and the heaviest functions, of one .cpuprofile. */
function summariseProfile(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const selfUs = new Map();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const maps = new Map();
  const buckets = {};
  const functions = {};
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    const where = locate(node, byId, parentOf, maps);
    if (where === null) continue;
    buckets[where.bucket] = (buckets[where.bucket] ?? 0) + us / 1000;
    const name = `${where.bucket} | ${node.callFrame.functionName || '(anonymous)'} ${where.source}`;
    functions[name] = (functions[name] ?? 0) + us / 1000;
  }
  return { buckets, functions };
}

/**
 * The bucket and source of a profile node. A native function (no script) is charged to the nearest caller that
 * has one, so a hash's `update` counts as crypto and a socket's `writev` as http.
 */
function locate(node, byId, parentOf, maps) {
  const special = SPECIAL[node.callFrame.functionName];
  if (special !== undefined && !node.callFrame.url)
    return special === null ? null : { bucket: special, source: '' };
  let current = node;
  while (current && !current.callFrame.url) current = byId.get(parentOf.get(current.id));
  if (!current) return { bucket: 'node: other', source: '(native)' };
  const source = originalSource(current.callFrame, maps);
  const bucket = BUCKETS.find(([, pattern]) => pattern.test(source))?.[0] ?? 'unattributed';
  return { bucket, source: source.replace(/^.*node_modules\//, '').replace(/:\d+$/, '') };
}

/** The original file (and line) behind a bundle location, through its source map; the URL itself otherwise. */
function originalSource({ url, lineNumber, columnNumber }, maps) {
  if (!url.startsWith('file://')) return url;
  if (!maps.has(url)) maps.set(url, loadSourceMap(fileURLToPath(url)));
  const map = maps.get(url);
  const entry = map?.findEntry(lineNumber, columnNumber);
  if (!entry?.originalSource) return fileURLToPath(url);
  return `${entry.originalSource}:${entry.originalLine + 1}`;
}

function loadSourceMap(file) {
  try {
    return new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
  } catch {
    return undefined;
  }
}

function printBreakdown({ buckets, functions }, fileCount) {
  const total = Object.values(buckets).reduce((sum, ms) => sum + ms, 0);
  const rows = Object.entries(buckets).sort((a, b) => b[1] - a[1]);
  console.log(`\n| bucket | ms total | ms per file | share |\n| --- | --- | --- | --- |`);
  for (const [name, ms] of rows)
    console.log(
      `| ${name} | ${ms.toFixed(0)} | ${(ms / fileCount).toFixed(3)} | ${((100 * ms) / total).toFixed(1)}% |`,
    );
  console.log(`| **total (profiled)** | ${total.toFixed(0)} | ${(total / fileCount).toFixed(3)} | 100% |`);
  console.log('\nheaviest functions (self ms):');
  const top = Object.entries(functions)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 40);
  for (const [name, ms] of top) console.log(`${ms.toFixed(1).padStart(8)}  ${name}`);
}

function printRuns(report) {
  console.log(`\nload average before ${report.loadAverage.before}, after ${report.loadAverage.after}`);
  for (const run of [report.profiled, ...report.plain]) {
    const cpuS = run.userS + run.sysS;
    console.log(
      `${run.profile ? 'profiled' : 'plain   '} wall ${run.wallS} s, user ${run.userS} s, sys ${run.sysS} s, ` +
        `${((1000 * cpuS) / report.files).toFixed(2)} ms CPU per file, ${(report.files / run.wallS).toFixed(0)} files/s, ` +
        `RSS ${run.rssMb} MB, stored ${run.stored.objects}/${report.files}`,
    );
  }
}
