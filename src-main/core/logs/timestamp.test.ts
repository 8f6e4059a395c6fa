import { CtimeYears, ctimeToMs, parseCtimeAt, parseIsoAt } from './timestamp';

describe('mongod timestamps', () => {
  it('reads the ISO-8601 forms mongod writes', () => {
    const cases: [string, string][] = [
      ['2023-09-23T16:25:03.588-04:00', '2023-09-23T20:25:03.588Z'],
      ['2014-04-09T23:16:20.437-0400', '2014-04-10T03:16:20.437Z'],
      ['2018-02-08T13:21:09.966Z', '2018-02-08T13:21:09.966Z'],
      ['2017-10-10T16:46:52.602+0530', '2017-10-10T11:16:52.602Z'],
      ['2020-02-07T11:59:07.616+1100', '2020-02-07T00:59:07.616Z'],
      ['2024-03-18T10:49:06.979123-04:00', '2024-03-18T14:49:06.979Z'],
      ['2024-03-18T10:49:06', '2024-03-18T10:49:06.000Z'],
    ];
    for (const [text, want] of cases) {
      const t = parseIsoAt(text, 0);
      expect(t, text).toBeDefined();
      expect(new Date(t!.ms).toISOString()).toBe(want);
      expect(t!.end).toBe(text.length);
    }
    for (const bad of ['2014-04-09T23:16:26.', 'Wed Mar  5 17:14:24.6', '2014-04-0 [conn48]', '2014-13-09T23:16:20.437Z', '2014-04-09 23:16:20', 'Wed Mar  5', '2014-04-09T23:16:20.Z']) expect(parseIsoAt(bad, 0), bad).toBeUndefined();
  });

  it('reads ctime with and without milliseconds', () => {
    expect(parseCtimeAt('Wed Mar  5 17:14:24.619 [conn4]', 0)).toMatchObject({ weekday: 3, month: 3, day: 5, hour: 17, min: 14, sec: 24, ms: 619, end: 23 });
    expect(parseCtimeAt('Mon Aug  5 20:21:42 [initandlisten]', 0)).toMatchObject({ month: 8, day: 5, ms: 0, end: 19 });
    expect(parseCtimeAt('Thu Oct 19 15:20:19.328 x', 0)).toMatchObject({ day: 19 });
    expect(parseCtimeAt('Xyz Mar  5 17:14:24', 0)).toBeUndefined();
    // Cut at the end of the text (the fuzzer's find: NaN must stop every digit loop).
    expect(parseCtimeAt('Wed Mar  5 17:14:24.6', 0)).toBeUndefined();
    expect(parseCtimeAt('Wed Mar  5', 0)).toBeUndefined();
  });

  it('infers the year from the weekday and follows a December → January rollover', () => {
    const years = new CtimeYears(2014);
    const dec30 = parseCtimeAt('Mon Dec 30 00:13:01.661', 0)!;
    const jan1 = parseCtimeAt('Wed Jan  1 00:01:26.542', 0)!;
    expect(years.resolve(dec30)).toBe(2013);
    expect(years.resolve(jan1)).toBe(2014);
    expect(new Date(ctimeToMs(jan1, 2014)).toISOString()).toBe('2014-01-01T00:01:26.542Z');
    // A later reference finds the latest matching calendar; the rollover still follows.
    const later = new CtimeYears(2025);
    expect(later.resolve(dec30)).toBe(2024);
    expect(later.resolve(jan1)).toBe(2025);
    // Feb 29 only exists in leap years.
    expect(new CtimeYears(2025).resolve(parseCtimeAt('Thu Feb 29 10:00:00', 0)!)).toBe(2024);
  });
});
