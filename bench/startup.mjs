/**
 * Start-up cost, measured without any server: wall time of `node -e 0` (bare Node) and of our CLI's
 * `--version` and `--help`, each run `runs` times in interleaved order (A B C, A B C, …) so that a burst of
 * load on the shared machine falls on all three alike. Figures are medians; the ratio of each command to
 * bare Node is the median of the per-round ratios.
 *
 *   node bench/startup.mjs [runs] [cli]   prints the result as JSON (cli: dist/cli.js by default)
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLoadAverage } from './machine-info.mjs';
import { median } from './stats.mjs';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const STARTUP_RUNS = 20;

/**
 * Measures start-up of `cliPath` (`runs` interleaved rounds, after one unmeasured warm-up round that fills the
 * page cache and Node's compile cache). Returns `{ runs, measuredAt, loadAverageStart, loadAverageEnd, node, commands }`,
 * where each command is `{ id, display, medianMs, minMs, ratioToNode, allMs }`.
 * @throws Error when a command exits non-zero.
 */
export function measureStartup({
  cliPath = path.join(PROJECT_ROOT, 'dist', 'cli.js'),
  runs = STARTUP_RUNS,
} = {}) {
  const commands = [
    { id: 'node', display: 'node -e 0', args: ['-e', '0'] },
    { id: 'version', display: 'node dist/cli.js --version', args: [cliPath, '--version'] },
    { id: 'help', display: 'node dist/cli.js --help', args: [cliPath, '--help'] },
  ];
  const env = { ...process.env, CI: 'true', NO_COLOR: '1' };
  const loadAverageStart = readLoadAverage();
  for (const command of commands) timeOnce(command, env);
  const times = commands.map(() => []);
  for (let round = 0; round < runs; round += 1) {
    commands.forEach((command, i) => times[i].push(timeOnce(command, env)));
  }
  const ratios = (i) => times[i].map((ms, round) => ms / times[0][round]);
  return {
    runs,
    measuredAt: new Date().toISOString(),
    loadAverageStart,
    loadAverageEnd: readLoadAverage(),
    node: process.version,
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

function timeOnce(command, env) {
  const started = performance.now();
  const result = spawnSync(process.execPath, command.args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const elapsedMs = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(
      `${command.display} exited with ${result.status}: ${String(result.stderr).slice(0, 500)}`,
    );
  }
  return elapsedMs;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runs = process.argv[2] ? Number(process.argv[2]) : STARTUP_RUNS;
  const cliPath = process.argv[3] ? path.resolve(process.argv[3]) : undefined;
  process.stdout.write(
    `${JSON.stringify(measureStartup({ runs, ...(cliPath ? { cliPath } : {}) }), null, 1)}\n`,
  );
}
