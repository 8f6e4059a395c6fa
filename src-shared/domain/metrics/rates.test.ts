import fc from 'fast-check';
import { counterRates, detectRestarts, gaugePoints, rateStep } from './rates';

describe('counterRates', () => {
  it('derives per-second rates from raw counters', () => {
    const r = counterRates([
      { ts: 0, value: 100 },
      { ts: 1000, value: 150 },
      { ts: 3000, value: 250 },
    ]);
    expect(r.points).toEqual([
      [1000, 50],
      [3000, 50],
    ]);
    expect(r.resets).toEqual([]);
  });

  it('breaks the line at a restart (uptime down / pid change) instead of a negative rate', () => {
    const counter = [
      { ts: 0, value: 1000 },
      { ts: 1000, value: 1100 },
      { ts: 2000, value: 5 },
      { ts: 3000, value: 25 },
    ];
    const uptime = [
      { ts: 0, value: 50_000 },
      { ts: 1000, value: 51_000 },
      { ts: 2000, value: 800 },
      { ts: 3000, value: 1800 },
    ];
    const restarts = detectRestarts(uptime, []);
    expect([...restarts]).toEqual([2000]);
    const r = counterRates(counter, { restarts });
    expect(r.points).toEqual([
      [1000, 100],
      [2000, null],
      [3000, 20],
    ]);
    expect(r.resets).toEqual([2000]);
  });

  it('treats a restart that did not lower the counter as a reset too (pid changed)', () => {
    const restarts = detectRestarts([], [
      { ts: 0, value: 7 },
      { ts: 1000, value: 7 },
      { ts: 2000, value: 9 },
    ]);
    const r = counterRates(
      [
        { ts: 0, value: 10 },
        { ts: 1000, value: 20 },
        { ts: 2000, value: 5000 },
      ],
      { restarts },
    );
    expect(r.points).toEqual([
      [1000, 10],
      [2000, null],
    ]);
  });

  it('does not join samples across a gap', () => {
    const r = counterRates(
      [
        { ts: 0, value: 0 },
        { ts: 1000, value: 10 },
        { ts: 60_000, value: 20 },
      ],
      { maxGapMs: 5000 },
    );
    expect(r.points).toEqual([
      [1000, 10],
      [60_000, null],
    ]);
  });

  it('never yields a negative or non-finite rate (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dt: fc.integer({ min: -5, max: 5000 }), v: fc.double({ min: 0, max: 1e15, noNaN: true }) }), { maxLength: 200 }),
        (steps) => {
          let ts = 0;
          const pts = steps.map((s) => ({ ts: (ts += s.dt), value: s.v }));
          for (const [, v] of counterRates(pts).points) {
            if (v !== null) expect(v >= 0 && Number.isFinite(v)).toBe(true);
          }
        },
      ),
    );
  });

  it('skips out-of-order samples', () => {
    expect(rateStep({ ts: 10, value: 1 }, { ts: 5, value: 2 }, false)).toEqual({ kind: 'skip' });
  });
});

describe('gaugePoints', () => {
  it('inserts a break across a gap', () => {
    expect(
      gaugePoints(
        [
          { ts: 0, value: 1 },
          { ts: 10_000, value: 2 },
        ],
        5000,
      ),
    ).toEqual([
      [0, 1],
      [1, null],
      [10_000, 2],
    ]);
  });
});

describe('rates of the issue-4 counters', () => {
  // Every new counter goes through the same function: a restart of mongod zeroes them all together.
  const uptime = [
    { ts: 0, value: 90_000 },
    { ts: 1000, value: 91_000 },
    { ts: 2000, value: 400 },
    { ts: 3000, value: 1400 },
  ];
  it.each([
    ['serverStatus.opLatencies.reads.latency', [5_000_000, 5_023_000, 900, 23_900], [23_000, null, 23_000]],
    ['serverStatus.wiredTiger.cache.bytes read into cache', [7e9, 7.0001e9, 1e5, 2e5], [1e5, null, 1e5]],
    ['serverStatus.metrics.queryExecutor.scanned', [123_456, 124_456, 10, 1010], [1000, null, 1000]],
    ['top.readLock.time@shop.orders', [1e6, 1.5e6, 0, 5e5], [5e5, null, 5e5]],
  ] as const)('%s: per-second rate, a break at the restart', (_metric, values, expected) => {
    const series = values.map((value, i) => ({ ts: i * 1000, value }));
    const r = counterRates(series, { restarts: detectRestarts(uptime, []) });
    expect(r.points.map(([, v]) => (v === null ? null : Math.round(v)))).toEqual(expected);
    expect(r.resets).toEqual([2000]);
  });

  it('top counters reset without a restart (the server cleared them): a reset, not a negative rate', () => {
    const r = counterRates([
      { ts: 0, value: 500 },
      { ts: 10_000, value: 900 },
      { ts: 20_000, value: 40 },
    ]);
    expect(r.points).toEqual([
      [10_000, 40],
      [20_000, null],
    ]);
    expect(r.resets).toEqual([20_000]);
  });
});
