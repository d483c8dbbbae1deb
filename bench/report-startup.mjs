/**
 * The start-up section of the benchmark report (issue 16: `--version`, `--help`, `status`, a dry run and a rerun
 * that sends nothing within about twice bare Node), and how it goes into docs/BENCHMARKS.md on its own when only start-up was measured.
 */

import { startupByNode } from './startup.mjs';

export const STARTUP_TITLE = 'Start-up (issue 16)';

/** The section body for a {@link measureStartup} result, with `machine` (describeMachine) when known. */
export function startupSection(startup, machine) {
  const where = machine ? ` on ${machine.cpuModel} (\`nproc\` ${machine.nproc})` : '';
  const nodes = startupByNode(startup);
  const flags = nodes
    .slice(1)
    .map(() => ' --node …')
    .join('');
  return [
    `\`node bench/startup.mjs ${startup.runs}${flags}\` (also \`npm run bench -- --startup\`)${where}, measured ` +
      `${startup.measuredAt?.slice(0, 10) ?? ''}: ${startup.runs} interleaved rounds per Node binary after one ` +
      'warm-up round, wall time of each process from spawn to exit. `status` reads the status file of a finished ' +
      'upload of three small files to bench/sink-server.mjs on 127.0.0.1; the dry run plans those files; the ' +
      'rerun decides them from the upload log and sends its one HeadBucket to the sink. Load average (1/5/15 ' +
      `min) ${startup.loadAverageStart} at the start, ${startup.loadAverageEnd} at the end: on a busy machine ` +
      "bare Node's own start-up stretches too, so the ratio is the figure to read.",
    ...nodes.flatMap(({ node, commands }) => ['', `Node ${node}:`, '', commandTable(commands)]),
  ].join('\n');
}

function commandTable(commands) {
  const rows = commands.map((c) => [
    c.id === 'node' ? `_${c.display}_` : `\`${c.display}\``,
    c.medianMs.toFixed(0),
    c.minMs.toFixed(0),
    `${c.ratioToNode.toFixed(2)}×`,
  ]);
  return table(['command', 'median ms', 'fastest ms', '÷ bare Node (median of per-round ratios)'], rows);
}

/**
 * `markdown` (the whole of docs/BENCHMARKS.md) with its start-up section replaced by `section`, or with the
 * section put before `## Chart` (or at the end) when it has none. Every other section stays as it is.
 */
export function replaceStartupSection(markdown, section) {
  const block = `## ${STARTUP_TITLE}\n\n${section}\n\n`;
  const start = markdown.indexOf(`## ${STARTUP_TITLE}`);
  if (start !== -1) {
    const next = markdown.indexOf('\n## ', start + 3);
    return markdown.slice(0, start) + block + (next === -1 ? '' : markdown.slice(next + 1));
  }
  const chart = markdown.indexOf('## Chart');
  if (chart === -1) return `${markdown.trimEnd()}\n\n${block}`;
  return markdown.slice(0, chart) + block + markdown.slice(chart);
}

function table(head, rows) {
  const lines = [head, head.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
  return lines.join('\n');
}
