/**
 * From run records to the figures the report shows: medians per set and client over the rounds, and each
 * client's ratio to our tool computed within each round (same server state, same minute) before the median.
 */

const GiB = 1024 ** 3;

/** The median of the finite numbers in `values`, or undefined for none. */
export function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Per-run derived rates: MB/s (10^6 bytes), files/s, client CPU seconds per GiB sent. */
export function ratesOf(record) {
  return {
    mbPerSec: record.bytes / 1e6 / record.wallSeconds,
    filesPerSec: record.files / record.wallSeconds,
    cpuPerGiB: record.clientCpuSeconds / (record.bytes / GiB),
    serverCpuPerGiB: record.serverCpuSeconds / (record.bytes / GiB),
  };
}

/**
 * One row per (set, client) in first-seen order, with medians over the good runs and, when `ourId` ran in
 * the same set and round, the medians of `speedVsOurs` (their MB/s ÷ ours) and `cpuVsOurs` (their CPU-s/GiB
 * ÷ ours) and `timeVsOurs` (their wall time ÷ ours).
 */
export function summarise(records, ourId) {
  const rows = new Map();
  for (const record of records) {
    const key = `${record.set}\u0000${record.client}`;
    if (!rows.has(key)) rows.set(key, []);
    rows.get(key).push(record);
  }
  return [...rows.values()].map((runs) => summariseRuns(runs, records, ourId));
}

function summariseRuns(runs, all, ourId) {
  const good = runs.filter((r) => r.ok);
  const first = runs[0];
  const pick = (f) => median(good.map(f));
  const ratio = (f) =>
    median(
      good.map((r) => {
        const ours = all.find((o) => o.set === r.set && o.round === r.round && o.client === ourId && o.ok);
        return ours ? f(r, ours) : NaN;
      }),
    );
  return {
    set: first.set,
    client: first.client,
    label: first.label,
    role: first.role,
    display: first.display,
    runs: runs.length,
    okRuns: good.length,
    problems: runs.filter((r) => !r.ok).map((r) => `round ${r.round}: ${r.problem}`),
    sampled: runs.some((r) => r.sampled),
    bytes: first.bytes,
    files: first.files,
    wallSeconds: pick((r) => r.wallSeconds),
    mbPerSec: pick((r) => ratesOf(r).mbPerSec),
    filesPerSec: pick((r) => ratesOf(r).filesPerSec),
    clientCpuSeconds: pick((r) => r.clientCpuSeconds),
    userSeconds: pick((r) => r.userSeconds),
    systemSeconds: pick((r) => r.systemSeconds),
    cpuPerGiB: pick((r) => ratesOf(r).cpuPerGiB),
    peakRssBytes: pick((r) => r.peakRssBytes),
    maxPeakRssBytes: good.length ? Math.max(...good.map((r) => r.peakRssBytes)) : undefined,
    rcharBytes: pick((r) => r.rcharBytes),
    diskReadBytes: pick((r) => r.diskReadBytes),
    serverCpuSeconds: pick((r) => r.serverCpuSeconds),
    serverCpuPerGiB: pick((r) => ratesOf(r).serverCpuPerGiB),
    otherCpuSeconds: pick((r) => r.otherCpuSeconds),
    requests: pick((r) => r.requests),
    putBytes: pick((r) => r.putBytes),
    speedVsOurs: ratio((r, o) => ratesOf(r).mbPerSec / ratesOf(o).mbPerSec),
    cpuVsOurs: ratio((r, o) => ratesOf(r).cpuPerGiB / ratesOf(o).cpuPerGiB),
    timeVsOurs: ratio((r, o) => r.wallSeconds / o.wallSeconds),
  };
}
