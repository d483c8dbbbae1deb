/**
 * The start-up section of the benchmark report (issue 16: `--version` and `--help` within about twice bare
 * Node), and how it goes into docs/BENCHMARKS.md on its own when only start-up was measured.
 */

export const STARTUP_TITLE = 'Start-up (issue 16)';

/** The section body for a {@link measureStartup} result, with `machine` (describeMachine) when known. */
export function startupSection(startup, machine) {
  const rows = startup.commands.map((c) => [
    c.id === 'node' ? `_${c.display}_` : `\`${c.display}\``,
    c.medianMs.toFixed(0),
    c.minMs.toFixed(0),
    `${c.ratioToNode.toFixed(2)}×`,
  ]);
  const head = ['command', 'median ms', 'fastest ms', '÷ bare Node (median of per-round ratios)'];
  const where = machine
    ? ` on ${machine.cpuModel} (\`nproc\` ${machine.nproc}), Node ${startup.node}`
    : `, Node ${startup.node}`;
  return [
    `\`node bench/startup.mjs ${startup.runs}\` (also \`npm run bench -- --startup\`)${where}, measured ` +
      `${startup.measuredAt?.slice(0, 10) ?? ''}: ${startup.runs} interleaved rounds after one warm-up round, ` +
      'wall time of each process from spawn to exit. No server is involved. Load average (1/5/15 min) ' +
      `${startup.loadAverageStart} at the start, ${startup.loadAverageEnd} at the end: on a busy machine bare ` +
      "Node's own start-up stretches too, so the ratio is the figure to read.",
    '',
    table(head, rows),
  ].join('\n');
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
