import { ConfigError, quoteValue } from '../errors.js';
import { parseBandwidth } from './parse-rate.js';

/**
 * A bandwidth limit that may change with the time of day or week, as rclone's `--bwlimit` timetable: from each
 * entry's minute of the week (0 is Monday 00:00, local time) until the next one's, `bytesPerSecond` (0: none).
 * A plain rate is one entry at minute 0.
 */
export interface BandwidthSchedule {
  /** Sorted by minute, no two alike; never empty. */
  entries: readonly ScheduleEntry[];
}

export interface ScheduleEntry {
  minuteOfWeek: number;
  bytesPerSecond: number;
  /** The rate as written (`2MB/s`), or `unlimited`. */
  label: string;
}

/** The entry in force at a moment, and when the next one starts (undefined for a plain rate). */
export interface RateInForce {
  entry: ScheduleEntry;
  until?: Date | undefined;
}

const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const ENTRY = /^(?:([a-z]{3})-)?(\d{1,2}):(\d{2}),(.+)$/i;

/** A rate that holds all week (0: no limit). */
export function plainRate(bytesPerSecond: number, label = `${bytesPerSecond} B/s`): BandwidthSchedule {
  return { entries: [entryOf(0, bytesPerSecond, label)] };
}

const EXAMPLE = '"08:00,2MB/s 18:00,off", or with days "Mon-08:00,2MB/s Sat-00:00,off"';

/**
 * Parses `max_bandwidth`: a rate (`20MB/s`, `off`; see {@link parseBandwidth}) or a timetable of
 * `[Day-]HH:MM,rate` entries separated by spaces. An entry without a day holds on every day; before the day's
 * first entry, the day before's last one holds (so `08:00,2MB/s 18:00,off` is unlimited overnight).
 * @throws ConfigError naming `source`, the entry at fault and the form to use.
 */
export function parseBandwidthSchedule(value: unknown, source: string): BandwidthSchedule {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text.includes(',')) {
    return plainRate(parseBandwidth(value, source), String(value).trim());
  }
  const byMinute = new Map<number, ScheduleEntry>();
  const weekly: ScheduleEntry[] = [];
  for (const word of text.split(/\s+/)) {
    const { day, minute, rate, label } = readEntry(word, value, source);
    if (day !== undefined) weekly.push(entryOf(day * MINUTES_PER_DAY + minute, rate, label));
    else
      for (let d = 0; d < 7; d++)
        byMinute.set(d * MINUTES_PER_DAY + minute, entryOf(d * MINUTES_PER_DAY + minute, rate, label));
  }
  // a day's own entry wins over an every-day one at the same minute, whatever the order written
  for (const entry of weekly) byMinute.set(entry.minuteOfWeek, entry);
  const sorted = [...byMinute.values()].sort((a, b) => a.minuteOfWeek - b.minuteOfWeek);
  // an entry that keeps the rate before it changes nothing: `08:00,2MB/s` alone is 2MB/s all week
  const changes = sorted.filter((entry, i) => entry.bytesPerSecond !== sorted.at(i - 1)!.bytesPerSecond);
  return { entries: changes.length > 0 ? changes : [{ ...sorted[0]!, minuteOfWeek: 0 }] };
}

function entryOf(minuteOfWeek: number, bytesPerSecond: number, label: string): ScheduleEntry {
  return { minuteOfWeek, bytesPerSecond, label: bytesPerSecond > 0 ? label : 'unlimited' };
}

function readEntry(
  word: string,
  value: unknown,
  source: string,
): { day: number | undefined; minute: number; rate: number; label: string } {
  const match = ENTRY.exec(word);
  const refuse = (problem: string) =>
    new ConfigError(
      `${source}: ${quoteValue(value)}: ${problem}; write a rate (20MB/s) or a timetable of [Day-]HH:MM,rate entries, like ${EXAMPLE}`,
    );
  if (!match) throw refuse(`${quoteValue(word)} is not an entry`);
  const [, dayName, hours = '', minutes = '', rate = ''] = match;
  const day = dayName === undefined ? undefined : DAYS.indexOf(dayName.toLowerCase());
  if (day === -1) throw refuse(`${quoteValue(dayName)} is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)`);
  if (Number(hours) > 23 || Number(minutes) > 59) throw refuse(`${hours}:${minutes} is not a time of day`);
  return {
    day,
    minute: Number(hours) * 60 + Number(minutes),
    rate: parseBandwidth(rate, `${source} at ${hours}:${minutes}`),
    label: rate,
  };
}

/** The entry in force at `date` (local time) and the moment the next one starts. */
export function rateAt(schedule: BandwidthSchedule, date: Date): RateInForce {
  const { entries } = schedule;
  const first = entries[0]!;
  if (entries.length === 1) return { entry: first };
  const now = minuteOfWeek(date);
  let at = entries.length - 1;
  while (at >= 0 && entries[at]!.minuteOfWeek > now) at--;
  const current = entries[at < 0 ? entries.length - 1 : at]!;
  const next = entries[at + 1] ?? first;
  const ahead = (next.minuteOfWeek - now + MINUTES_PER_WEEK) % MINUTES_PER_WEEK || MINUTES_PER_WEEK;
  const until = new Date(date);
  until.setSeconds(0, 0);
  until.setMinutes(until.getMinutes() + ahead);
  return { entry: current, until };
}

function minuteOfWeek(date: Date): number {
  const day = (date.getDay() + 6) % 7;
  return day * MINUTES_PER_DAY + date.getHours() * 60 + date.getMinutes();
}

/** Whether the schedule ever limits the rate. */
export function limitsAtAll(schedule: BandwidthSchedule): boolean {
  return schedule.entries.some((entry) => entry.bytesPerSecond > 0);
}

/** `2MB/s until 18:00` or `unlimited until Mon 08:00`, for the run's lines. */
export function describeRateInForce({ entry, until }: RateInForce, now: Date): string {
  const rate = entry.label;
  if (!until) return rate;
  const clock = `${pad(until.getHours())}:${pad(until.getMinutes())}`;
  const sameDay = until.toDateString() === now.toDateString();
  const day = DAYS[(until.getDay() + 6) % 7]!;
  return `${rate} until ${sameDay ? '' : `${day.charAt(0).toUpperCase()}${day.slice(1)} `}${clock}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
