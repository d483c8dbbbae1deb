/**
 * Start-up cost: wall time of `node -e 0` (bare Node) and of the CLI's `--version`, `--help`, `status` of a
 * finished run's status file, a dry run of a three-file project and a rerun of it that sends nothing but its one
 * HeadBucket. The project is uploaded first to bench/sink-server.mjs (started here, on 127.0.0.1), so the rerun
 * has an upload log to decide from and a bucket to ask; no Ceph is involved. Each Node binary given runs every
 * command `runs` times in interleaved order (A B C ..., A B C ...) so that a burst of load on the shared machine
 * falls on all alike. Figures are medians; the ratio of each command to bare Node is the median of the per-round
 * ratios, bare Node being the same binary.
 *
 *   node bench/startup.mjs [runs] [--cli dist/cli.js] [--node /path/to/node ...]   prints the result as JSON
 *     --node adds a Node binary to the one running this script (e.g. Node 24 beside the machine's Node 20)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeOurConfig } from './clients.mjs';
import { readLoadAverage } from './machine-info.mjs';
import { startSink } from './servers.mjs';
import { median } from './stats.mjs';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const STARTUP_RUNS = 20;
const BUCKET = 'startup-bucket';
const PROJECT_KEY = 'STARTUP';

/**
 * Measures start-up of `cliPath` with each binary in `nodes` (`runs` interleaved rounds each, after one
 * unmeasured warm-up round that fills the page cache and Node's compile cache). Returns `{ runs, measuredAt,
 * loadAverageStart, loadAverageEnd, node, commands, otherNodes }`: `node` and `commands` for the first binary,
 * `otherNodes` as `[{ node, commands }]` for the rest, each command `{ id, display, medianMs, minMs, ratioToNode,
 * allMs }`.
 * @throws Error when a command exits non-zero.
 */
export async function measureStartup({
  cliPath = path.join(PROJECT_ROOT, 'dist', 'cli.js'),
  runs = STARTUP_RUNS,
  nodes = [process.execPath],
} = {}) {
  const work = mkdtempSync(path.join(os.tmpdir(), 'upload-to-s3-startup-'));
  const sink = await startSink({ log: () => {} });
  try {
    const fixture = prepareFixture(work, sink, cliPath, nodes[0]);
    const loadAverageStart = readLoadAverage();
    const measured = nodes.map((nodePath) => measureNode(nodePath, commandsFor(cliPath, fixture), runs));
    const [first, ...others] = measured;
    return {
      runs,
      measuredAt: new Date().toISOString(),
      loadAverageStart,
      loadAverageEnd: readLoadAverage(),
      node: first.node,
      commands: first.commands,
      otherNodes: others,
    };
  } finally {
    await sink.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Each Node binary of a {@link measureStartup} result with its commands, the first binary first. */
export function startupByNode(startup) {
  return [{ node: startup.node, commands: startup.commands }, ...(startup.otherNodes ?? [])];
}

/** A three-file project, a config for the sink, and one upload of it, so status and rerun have a run to read. */
function prepareFixture(work, sink, cliPath, nodePath) {
  const project = path.join(work, PROJECT_KEY);
  mkdirSync(path.join(project, 'logs'), { recursive: true });
  for (const name of ['a', 'b', 'c']) writeFileSync(path.join(project, 'logs', `${name}.txt`), `${name}\n`);
  const config = writeOurConfig(path.join(work, 'upload-to-s3.yaml'), sink, BUCKET);
  const statusJson = path.join(work, 'status.json');
  const upload = ['--config', config, '--folder', project, '--project-key', PROJECT_KEY];
  upload.push('--state-dir', path.join(work, 'state'), '--quiet');
  run(nodePath, { display: 'first upload', args: [cliPath, ...upload, '--status-json', statusJson] });
  return { upload, statusJson };
}

function commandsFor(cliPath, { upload, statusJson }) {
  return [
    { id: 'node', display: 'node -e 0', args: ['-e', '0'] },
    { id: 'version', display: 'node dist/cli.js --version', args: [cliPath, '--version'] },
    { id: 'help', display: 'node dist/cli.js --help', args: [cliPath, '--help'] },
    { id: 'status', display: 'node dist/cli.js status status.json', args: [cliPath, 'status', statusJson] },
    {
      id: 'dry-run',
      display: 'node dist/cli.js --config … --dry-run (3 files)',
      args: [cliPath, ...upload, '--dry-run'],
    },
    { id: 'rerun', display: 'node dist/cli.js --config … (rerun of 3 files)', args: [cliPath, ...upload] },
  ];
}

function measureNode(nodePath, commands, runs) {
  for (const command of commands) run(nodePath, command);
  const times = commands.map(() => []);
  for (let round = 0; round < runs; round += 1) {
    commands.forEach((command, i) => times[i].push(run(nodePath, command)));
  }
  const ratios = (i) => times[i].map((ms, round) => ms / times[0][round]);
  const version = String(spawnSync(nodePath, ['--version']).stdout).trim();
  return {
    node: version,
    commands: commands.map((command, i) => ({
      id: command.id,
      display: command.display,
      medianMs: median(times[i]),
      minMs: Math.min(...times[i]),
      ratioToNode: median(ratios(i)),
      allMs: times[i].map((ms) => Math.round(ms * 10) / 10),
    })),
  };
}

/** Runs one command to its end; returns its wall time in ms. */
function run(nodePath, command) {
  const env = { ...process.env, CI: 'true', NO_COLOR: '1' };
  const started = performance.now();
  const result = spawnSync(nodePath, command.args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const elapsedMs = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(
      `${command.display} exited with ${result.status}: ${String(result.stderr).slice(0, 500)}`,
    );
  }
  return elapsedMs;
}

/** `[runs] [--cli FILE] [--node BIN ...]` from the command line. */
function parseArgs(argv) {
  const options = { nodes: [process.execPath] };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--cli') options.cliPath = path.resolve(argv[++i]);
    else if (argv[i] === '--node') options.nodes.push(path.resolve(argv[++i]));
    else options.runs = Number(argv[i]);
  }
  return options;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // the sink's admin client is the SDK's; its Node 20 end-of-support notice is not a measurement
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const result = await measureStartup(parseArgs(process.argv.slice(2)));
  process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
}
