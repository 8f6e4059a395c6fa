/**
 * mongod timestamps, as epoch ms.
 *
 * - iso8601 (logv2 and legacy `iso8601-local` / `iso8601-utc`): `2023-09-23T16:25:03.588-04:00`,
 *   `2014-04-09T23:16:20.437-0400`, `...Z`. A time without an offset is read as UTC.
 * - ctime (legacy 2.x, and `--timeStampFormat ctime`): `Wed Mar  5 17:14:24.619`. It has no year
 *   and no zone: see CtimeYears for the year; the zone is taken as UTC (unknowable from the line).
 */

const d2 = (s: string, i: number): number => {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
};

export interface ParsedTime {
  ms: number;
  /** Index just after the timestamp text. */
  end: number;
}

/** Parses an ISO-8601 timestamp at `s[i]`; returns undefined if the text there is not one. */
export function parseIsoAt(s: string, i: number): ParsedTime | undefined {
  const y1 = d2(s, i);
  const y2 = d2(s, i + 2);
  if (y1 < 0 || y2 < 0 || s.charCodeAt(i + 4) !== 45 || s.charCodeAt(i + 7) !== 45 || s.charCodeAt(i + 10) !== 84 /* T */) return undefined;
  const year = y1 * 100 + y2;
  const month = d2(s, i + 5);
  const day = d2(s, i + 8);
  const hour = d2(s, i + 11);
  const min = d2(s, i + 14);
  const sec = d2(s, i + 17);
  if (s.charCodeAt(i + 13) !== 58 || s.charCodeAt(i + 16) !== 58) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 60) return undefined;
  let j = i + 19;
  let ms = 0;
  if (s.charCodeAt(j) === 46) {
    j++;
    let digits = 0;
    let frac = 0;
    for (;;) {
      const c = s.charCodeAt(j) - 48;
      // Written so NaN (past the end of the string) stops the loop too.
      if (!(c >= 0 && c <= 9)) break;
      if (digits < 3) frac = frac * 10 + c;
      digits++;
      j++;
    }
    if (digits === 0) return undefined;
    for (let k = digits; k < 3; k++) frac *= 10;
    ms = frac;
  }
  let offsetMin = 0;
  const z = s.charCodeAt(j);
  if (z === 90 /* Z */) j++;
  else if (z === 43 || z === 45) {
    const oh = d2(s, j + 1);
    let om: number;
    if (s.charCodeAt(j + 3) === 58) {
      om = d2(s, j + 4);
      if (oh < 0 || om < 0) return undefined;
      j += 6;
    } else {
      om = d2(s, j + 3);
      if (oh < 0 || om < 0) return undefined;
      j += 5;
    }
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (z === 45 ? -1 : 1) * (oh * 60 + om);
  }
  const t = Date.UTC(year, month - 1, day, hour, min, sec, ms) - offsetMin * 60_000;
  // Date.UTC maps years 0..99 to 1900+; the log never meant that.
  const fixed = year < 100 ? new Date(t).setUTCFullYear(year) : t;
  return Number.isFinite(fixed) ? { ms: fixed, end: j } : undefined;
}

const MONTHS: Record<string, number> = { Jan: 1, Feb: 2, Mar: 3, Apr: 4, May: 5, Jun: 6, Jul: 7, Aug: 8, Sep: 9, Oct: 10, Nov: 11, Dec: 12 };
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

export interface CtimeParts {
  weekday: number;
  month: number;
  day: number;
  hour: number;
  min: number;
  sec: number;
  ms: number;
  end: number;
}

/** `Wed Mar  5 17:14:24.619` (milliseconds optional, as 2.2 wrote it) at `s[i]`. */
export function parseCtimeAt(s: string, i: number): CtimeParts | undefined {
  const weekday = WEEKDAYS[s.slice(i, i + 3)];
  const month = MONTHS[s.slice(i + 4, i + 7)];
  if (weekday === undefined || month === undefined || s.charCodeAt(i + 3) !== 32 || s.charCodeAt(i + 7) !== 32) return undefined;
  let j = i + 8;
  if (s.charCodeAt(j) === 32) j++;
  let day = 0;
  let n = 0;
  while (n < 2) {
    const c = s.charCodeAt(j) - 48;
    if (!(c >= 0 && c <= 9)) break;
    day = day * 10 + c;
    j++;
    n++;
  }
  if (n === 0 || day < 1 || day > 31 || s.charCodeAt(j) !== 32) return undefined;
  j++;
  const hour = d2(s, j);
  const min = d2(s, j + 3);
  const sec = d2(s, j + 6);
  if (hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 60 || s.charCodeAt(j + 2) !== 58 || s.charCodeAt(j + 5) !== 58) return undefined;
  j += 8;
  let ms = 0;
  if (s.charCodeAt(j) === 46) {
    const a = d2(s, j + 1);
    const b = s.charCodeAt(j + 3) - 48;
    if (a < 0 || !(b >= 0 && b <= 9)) return undefined;
    ms = a * 10 + b;
    j += 4;
  }
  return { weekday, month, day, hour, min, sec, ms, end: j };
}

/**
 * Years for ctime lines. The weekday pins the year down to a few candidates; we take the latest
 * one not after the reference year (the file's modification year), then follow the file forward,
 * moving to the next year when the month wraps (December → January).
 */
export class CtimeYears {
  private year: number | undefined;
  private lastMonth = 0;
  constructor(private readonly referenceYear: number) {}

  resolve(p: Pick<CtimeParts, 'weekday' | 'month' | 'day'>): number {
    if (this.year !== undefined) {
      let y = this.year;
      if (p.month < this.lastMonth - 6) y++;
      for (const cand of [y, y + 1, y - 1]) {
        if (weekdayOf(cand, p.month, p.day) === p.weekday) return this.accept(cand, p.month);
      }
    }
    for (let y = this.referenceYear; y > this.referenceYear - 60; y--) {
      if (weekdayOf(y, p.month, p.day) === p.weekday) return this.accept(y, p.month);
    }
    return this.accept(this.referenceYear, p.month);
  }

  private accept(year: number, month: number): number {
    this.year = year;
    this.lastMonth = month;
    return year;
  }
}

function weekdayOf(year: number, month: number, day: number): number {
  const d = new Date(Date.UTC(year, month - 1, day));
  // Feb 30 and friends roll into the next month: that is not a match.
  return d.getUTCDate() === day ? d.getUTCDay() : -1;
}

export function ctimeToMs(p: CtimeParts, year: number): number {
  return Date.UTC(year, p.month - 1, p.day, p.hour, p.min, p.sec, p.ms);
}
