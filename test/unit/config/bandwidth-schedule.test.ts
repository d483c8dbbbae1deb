import { describe, expect, it } from 'vitest';
import {
  describeRateInForce,
  parseBandwidthSchedule,
  rateAt,
} from '../../../src/config/bandwidth-schedule.js';

/** 2026-12-07 is a Monday; dates are local time, as the timetable is. */
function monday(hours: number, minutes = 0): Date {
  return new Date(2026, 11, 7, hours, minutes, 30);
}

function day(offset: number, hours: number, minutes = 0): Date {
  return new Date(2026, 11, 7 + offset, hours, minutes);
}

const office = parseBandwidthSchedule('08:00,2MB/s 18:00,off', 'max_bandwidth');

describe('parseBandwidthSchedule', () => {
  it('reads a plain rate as one entry that holds all week, and off as no limit', () => {
    expect(parseBandwidthSchedule('20MB/s', '--max-bandwidth').entries).toEqual([
      { minuteOfWeek: 0, bytesPerSecond: 20_000_000, label: '20MB/s' },
    ]);
    expect(parseBandwidthSchedule('off', '--max-bandwidth').entries).toEqual([
      { minuteOfWeek: 0, bytesPerSecond: 0, label: 'unlimited' },
    ]);
  });

  it('gives each every-day entry to all seven days', () => {
    expect(office.entries.map((entry) => [entry.minuteOfWeek, entry.bytesPerSecond])).toEqual(
      [0, 1, 2, 3, 4, 5, 6].flatMap((d) => [
        [d * 1440 + 8 * 60, 2_000_000],
        [d * 1440 + 18 * 60, 0],
      ]),
    );
  });

  it("lets a day's own entry win over an every-day one at the same minute, whatever the order", () => {
    const schedule = parseBandwidthSchedule('Sat-08:00,off 08:00,1MB/s 18:00,off', 'max_bandwidth');
    expect(rateAt(schedule, day(5, 9)).entry.label).toBe('unlimited');
    expect(rateAt(schedule, day(4, 9)).entry.label).toBe('1MB/s');
  });

  it('drops entries that keep the rate before them: one rate at every time is a plain rate', () => {
    const schedule = parseBandwidthSchedule('08:00,2MB/s 18:00,2MB/s', 'max_bandwidth');
    expect(schedule.entries).toEqual([{ minuteOfWeek: 0, bytesPerSecond: 2_000_000, label: '2MB/s' }]);
    expect(rateAt(schedule, monday(3))).toEqual({ entry: schedule.entries[0] });
  });

  it.each([
    ['08:00,2MB/s 25:00,off', '25:00 is not a time of day'],
    ['08:00,2MB/s 18:60,off', '18:60 is not a time of day'],
    ['Mox-08:00,2MB/s', "'Mox' is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)"],
    ['08:00,2MB/s 18:00', "'18:00' is not an entry"],
    ['08:00-2MB/s, 18:00,off', "'08:00-2MB/s,' is not an entry"],
  ])('refuses %j, naming the entry and the form to use', (value, problem) => {
    expect(() => parseBandwidthSchedule(value, '--max-bandwidth')).toThrow(
      `--max-bandwidth: '${value}': ${problem}; write a rate (20MB/s) or a timetable of [Day-]HH:MM,rate entries, like "08:00,2MB/s 18:00,off", or with days "Mon-08:00,2MB/s Sat-00:00,off"`,
    );
  });

  it('refuses a rate in an entry as a plain one is refused, naming its time', () => {
    expect(() => parseBandwidthSchedule('08:00,2MB 18:00,off', 'max_bandwidth')).toThrow(
      /^max_bandwidth at 08:00: '2MB' is ambiguous/,
    );
  });
});

describe('rateAt', () => {
  it('holds an entry from its time until the next one', () => {
    expect(rateAt(office, monday(9, 15))).toEqual({ entry: office.entries[0], until: day(0, 18) });
    expect(rateAt(office, monday(17, 59)).until).toEqual(new Date(2026, 11, 7, 18, 0, 0));
    expect(rateAt(office, monday(18)).entry.bytesPerSecond).toBe(0);
  });

  it("holds the day before's last entry before the day's first one, across the end of the week", () => {
    const early = rateAt(office, monday(3));
    expect(early.entry.bytesPerSecond).toBe(0);
    expect(early.until).toEqual(new Date(2026, 11, 7, 8, 0, 0));
    const weekend = parseBandwidthSchedule('Mon-08:00,1MB/s Fri-18:00,off', 'max_bandwidth');
    expect(rateAt(weekend, day(6, 12))).toMatchObject({ entry: { bytesPerSecond: 0 }, until: day(7, 8) });
    expect(rateAt(weekend, monday(7, 59)).entry.bytesPerSecond).toBe(0);
    expect(rateAt(weekend, day(3, 23)).entry.label).toBe('1MB/s');
  });
});

describe('describeRateInForce', () => {
  it('names the rate as written and when it ends, with the day when that is not today', () => {
    expect(describeRateInForce(rateAt(office, monday(9)), monday(9))).toBe('2MB/s until 18:00');
    expect(describeRateInForce(rateAt(office, monday(19)), monday(19))).toBe('unlimited until Tue 08:00');
    const plain = parseBandwidthSchedule('160Mbit/s', '--max-bandwidth');
    expect(describeRateInForce(rateAt(plain, monday(9)), monday(9))).toBe('160Mbit/s');
  });
});
