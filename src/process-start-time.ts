import { readFile } from 'node:fs/promises';

/** Linux reports process times in USER_HZ ticks, which is 100 on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/**
 * When process `pid` started, in ms since the epoch, where the OS tells it cheaply: on Linux from
 * `/proc/<pid>/stat` (field 22, ticks since boot) and `/proc/stat` (`btime`, boot time). Undefined on
 * other systems, for a process that is gone, or when `/proc` cannot be read. Never throws.
 */
export async function readProcessStartTimeMs(
  pid: number,
  platform: NodeJS.Platform = process.platform,
): Promise<number | undefined> {
  if (platform !== 'linux') return undefined;
  try {
    const [stat, system] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile('/proc/stat', 'utf8'),
    ]);
    const ticks = parseStartTicks(stat);
    const bootSec = parseBootTimeSec(system);
    if (ticks === undefined || bootSec === undefined) return undefined;
    return bootSec * 1000 + Math.round((ticks * 1000) / TICKS_PER_SECOND);
  } catch {
    return undefined;
  }
}

/**
 * Field 22 (`starttime`) of a `/proc/<pid>/stat` line. The command name (field 2) is in parentheses and
 * may itself hold spaces and parentheses, so fields are counted from the last `)`.
 */
export function parseStartTicks(statLine: string): number | undefined {
  const afterName = statLine
    .slice(statLine.lastIndexOf(')') + 1)
    .trim()
    .split(/\s+/);
  // afterName[0] is field 3 (state)
  return toCount(afterName[22 - 3]);
}

/** Field 3 (`state`) of a `/proc/<pid>/stat` line: `R`, `S`, `D`, ..., `Z` for a zombie. */
export function parseProcessState(statLine: string): string | undefined {
  return statLine
    .slice(statLine.lastIndexOf(')') + 1)
    .trim()
    .split(/\s+/)[0];
}

/** The `btime` line of `/proc/stat`: boot time in seconds since the epoch. */
export function parseBootTimeSec(procStat: string): number | undefined {
  return toCount(/^btime\s+(\d+)\s*$/m.exec(procStat)?.[1]);
}

function toCount(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}
