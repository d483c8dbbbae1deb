/**
 * Linux /proc readings the benchmark is built on: CPU seconds of a set of processes (the server's daemons),
 * and the I/O counters of this process, which include those of every child it has reaped.
 */
import { readFile } from 'node:fs/promises';

/** Kernel clock ticks per second (USER_HZ): 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/**
 * utime + stime of one process in seconds, or 0 when it is gone. Fields 14 and 15 of /proc/<pid>/stat,
 * counted after the `)` that closes the command name (which may itself hold spaces).
 */
export async function readCpuSeconds(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / TICKS_PER_SECOND;
}

/** Sum of {@link readCpuSeconds} over `pids`. */
export async function readTotalCpuSeconds(pids) {
  const seconds = await Promise.all(pids.map((pid) => readCpuSeconds(pid)));
  return seconds.reduce((sum, s) => sum + s, 0);
}

/**
 * /proc/self/io as numbers: `rchar` (bytes passed through read() and friends, page cache hits included)
 * and `readBytes` (bytes the block layer fetched from storage). The kernel adds a reaped child's counters
 * to its parent's, so the difference across a child's run is what the child read.
 */
export async function readSelfIo() {
  const text = await readFile('/proc/self/io', 'utf8');
  const value = (name) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { rchar: value('rchar'), readBytes: value('read_bytes') };
}

/** One sample of a running process: CPU seconds of it and its reaped children, and its peak RSS so far. */
export async function sampleProcess(pid) {
  const [stat, status] = await Promise.all([
    readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''),
    readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''),
  ]);
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = [11, 12, 13, 14].map((i) => Number(fields[i] ?? 0));
  const hwmKiB = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
  return {
    userSeconds: (ticks[0] + ticks[2]) / TICKS_PER_SECOND,
    systemSeconds: (ticks[1] + ticks[3]) / TICKS_PER_SECOND,
    peakRssBytes: hwmKiB * 1024,
  };
}

/**
 * CPU seconds the whole machine spent busy (all CPUs; user, nice, system, irq, softirq, steal from
 * /proc/stat). Across a run, this minus the client's and the server's CPU is what other processes took.
 */
export async function readMachineBusySeconds() {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}
