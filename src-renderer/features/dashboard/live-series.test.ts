import type { MetricsQueryResult, SamplesEvent } from '../../../src-shared/contract';
import { applyBackfill, applyGap, applySamples, emptyLive, LIVE_MAX_GAP_MS } from './live-series';

const INSERT = 'serverStatus.opcounters.insert';
const CONN = 'serverStatus.connections.current';
const UPTIME = 'serverStatus.uptimeMillis';
const PID = 'serverStatus.pid';
const T0 = 1_700_000_000_000;

const sample = (ts: number, values: Record<string, number>, unavailable: Record<string, string> = {}): SamplesEvent => ({
  entity: 'node:rs0/a:27017',
  ts,
  values,
  unavailable,
});

describe('live series', () => {
  it('derives counter rates from consecutive raw samples, and plots gauges as they are', () => {
    let s = emptyLive([INSERT, CONN]);
    s = applySamples(s, sample(T0, { [INSERT]: 100, [CONN]: 5, [UPTIME]: 1000, [PID]: 7 }));
    expect(s.series[INSERT]!.points).toEqual([]); // a rate needs two samples
    expect(s.series[CONN]!.points).toEqual([[T0, 5]]);
    s = applySamples(s, sample(T0 + 1000, { [INSERT]: 130, [CONN]: 6, [UPTIME]: 2000, [PID]: 7 }));
    s = applySamples(s, sample(T0 + 3000, { [INSERT]: 150, [CONN]: 6, [UPTIME]: 4000, [PID]: 7 }));
    expect(s.series[INSERT]!.points).toEqual([
      [T0 + 1000, 30],
      [T0 + 3000, 10],
    ]);
    expect(s.resets).toEqual([]);
  });

  it('breaks the line at a restart instead of plotting a negative rate', () => {
    let s = emptyLive([INSERT]);
    s = applySamples(s, sample(T0, { [INSERT]: 5000, [UPTIME]: 90_000, [PID]: 7 }));
    s = applySamples(s, sample(T0 + 1000, { [INSERT]: 5010, [UPTIME]: 91_000, [PID]: 7 }));
    // The process restarted: uptime went down and the counter started again from a small value.
    s = applySamples(s, sample(T0 + 2000, { [INSERT]: 3, [UPTIME]: 500, [PID]: 8 }));
    s = applySamples(s, sample(T0 + 3000, { [INSERT]: 8, [UPTIME]: 1500, [PID]: 8 }));
    expect(s.series[INSERT]!.points).toEqual([
      [T0 + 1000, 10],
      [T0 + 2000, null],
      [T0 + 3000, 5],
    ]);
    expect(s.resets).toEqual([T0 + 2000]);
    expect(s.series[INSERT]!.points.every(([, v]) => v === null || v >= 0)).toBe(true);
  });

  it('treats a pid change as a restart even when the counter happens to be higher', () => {
    let s = emptyLive([INSERT]);
    s = applySamples(s, sample(T0, { [INSERT]: 10, [UPTIME]: 1000, [PID]: 7 }));
    s = applySamples(s, sample(T0 + 1000, { [INSERT]: 20, [UPTIME]: 2000, [PID]: 7 }));
    s = applySamples(s, sample(T0 + 2000, { [INSERT]: 50, [UPTIME]: 5000, [PID]: 9 }));
    expect(s.series[INSERT]!.points).toEqual([
      [T0 + 1000, 10],
      [T0 + 2000, null],
    ]);
    expect(s.resets).toEqual([T0 + 2000]);
  });

  it('does not join samples across a long silence', () => {
    let s = emptyLive([INSERT, CONN]);
    s = applySamples(s, sample(T0, { [INSERT]: 1, [CONN]: 1 }));
    s = applySamples(s, sample(T0 + 1000, { [INSERT]: 2, [CONN]: 1 }));
    s = applySamples(s, sample(T0 + 1000 + LIVE_MAX_GAP_MS + 1, { [INSERT]: 100, [CONN]: 2 }));
    expect(s.series[INSERT]!.points.at(-1)).toEqual([T0 + 1000 + LIVE_MAX_GAP_MS + 1, null]);
    expect(s.series[CONN]!.points.map((p) => p[1])).toEqual([1, 1, null, 2]);
  });

  it('continues live after a backfill without plotting the same instant twice', () => {
    const result: MetricsQueryResult = {
      entity: 'node:rs0/a:27017',
      from: T0 - 60_000,
      to: T0,
      series: [
        { metric: INSERT, unit: 'ops/s', kind: 'counter', points: [[T0 - 2000, 4], [T0 - 1000, null], [T0, 6]], unavailable: null },
        { metric: CONN, unit: 'connections', kind: 'gauge', points: [[T0, 3]], unavailable: null },
      ],
      gaps: [{ from: T0 - 50_000, to: T0 - 40_000, reason: 'connection refused' }],
      resets: [T0 - 1000],
    };
    let s = applyBackfill(emptyLive([INSERT, CONN]), result);
    expect(s.series[INSERT]!.points).toHaveLength(3);
    expect(s.gaps).toHaveLength(1);
    expect(s.resets).toEqual([T0 - 1000]);
    // The live stream repeats the last instant; then the next sample gives the first live rate.
    s = applySamples(s, sample(T0, { [INSERT]: 1000, [CONN]: 3 }));
    s = applySamples(s, sample(T0 + 1000, { [INSERT]: 1007, [CONN]: 4 }));
    expect(s.series[INSERT]!.points.slice(-2)).toEqual([
      [T0, 6],
      [T0 + 1000, 7],
    ]);
    expect(s.series[CONN]!.points).toEqual([
      [T0, 3],
      [T0 + 1000, 4],
    ]);
  });

  it('records a metric the server does not report with its reason, and breaks the line', () => {
    let s = emptyLive([INSERT, CONN]);
    s = applySamples(s, sample(T0, { [CONN]: 3 }, { [INSERT]: 'FerretDB does not report opcounters' }));
    expect(s.series[INSERT]!.unavailable).toBe('FerretDB does not report opcounters');
    expect(s.series[INSERT]!.points).toEqual([]);
    s = applySamples(s, sample(T0 + 1000, { [CONN]: 3, [INSERT]: 1 }));
    expect(s.series[INSERT]!.unavailable).toBeNull();
    s = applySamples(s, sample(T0 + 2000, { [CONN]: 3, [INSERT]: 2 }));
    s = applySamples(s, sample(T0 + 3000, { [CONN]: 3 }, { [INSERT]: 'gone' }));
    expect(s.series[INSERT]!.points).toEqual([
      [T0 + 2000, 1],
      [T0 + 3000, null],
    ]);
  });

  it('keeps gaps (updating one that grows) and breaks lines at their start', () => {
    let s = emptyLive([CONN]);
    s = applySamples(s, sample(T0, { [CONN]: 3 }));
    s = applyGap(s, { from: T0 + 1000, to: T0 + 5000, reason: 'connection refused' });
    s = applyGap(s, { from: T0 + 1000, to: T0 + 9000, reason: 'connection refused' });
    expect(s.gaps).toEqual([{ from: T0 + 1000, to: T0 + 9000, reason: 'connection refused' }]);
    expect(s.series[CONN]!.points).toEqual([
      [T0, 3],
      [T0 + 1000, null],
    ]);
  });

  it('drops points, gaps and resets that fall out of the window', () => {
    let s = emptyLive([CONN], 10_000);
    s = applyGap(s, { from: T0 - 30_000, to: T0 - 20_000, reason: 'x' });
    for (let i = 0; i <= 30; i++) s = applySamples(s, sample(T0 + i * 1000, { [CONN]: i }));
    const pts = s.series[CONN]!.points;
    expect(pts[0]![0]).toBe(T0 + 20_000);
    expect(pts.at(-1)![0]).toBe(T0 + 30_000);
    expect(pts).toHaveLength(11);
    expect(s.gaps).toEqual([]);
  });

  it('stretches a gap the core opened to the first sample after it, as the store closes it', () => {
    let s = emptyLive([CONN]);
    s = applySamples(s, sample(T0, { [CONN]: 3 }));
    s = applyGap(s, { from: T0, to: T0 + 500, reason: 'connection refused' });
    s = applySamples(s, sample(T0 + 15_000, { [CONN]: 4 }));
    expect(s.gaps).toEqual([{ from: T0, to: T0 + 15_000, reason: 'connection refused' }]);
    s = applySamples(s, sample(T0 + 16_000, { [CONN]: 4 }));
    expect(s.gaps).toEqual([{ from: T0, to: T0 + 15_000, reason: 'connection refused' }]);
    // And no line is drawn across it.
    expect(s.series[CONN]!.points).toEqual([
      [T0, 3],
      [T0 + 1, null],
      [T0 + 15_000, 4],
      [T0 + 16_000, 4],
    ]);
  });
});

describe('derived series, live', () => {
  const SCANNED = 'serverStatus.metrics.queryExecutor.scanned';
  const RETURNED = 'serverStatus.metrics.document.returned';
  const TARGETING = 'derived.queryTargeting.keysPerReturned';
  const DIRTY = 'derived.cache.dirtyPercent';
  const D = 'serverStatus.wiredTiger.cache.tracked dirty bytes in the cache';
  const MAX = 'serverStatus.wiredTiger.cache.maximum bytes configured';

  it('computes Δscanned / Δreturned from the raw samples, as the store does, and breaks at a restart', () => {
    let s = emptyLive([TARGETING, DIRTY]);
    expect(s.series[TARGETING]!.kind).toBe('derived');
    s = applySamples(s, sample(T0, { [SCANNED]: 1000, [RETURNED]: 100, [D]: 10, [MAX]: 1000, [UPTIME]: 1000, [PID]: 1 }));
    expect(s.series[TARGETING]!.points).toEqual([]);
    expect(s.series[DIRTY]!.points).toEqual([[T0, 1]]);
    s = applySamples(s, sample(T0 + 1000, { [SCANNED]: 1900, [RETURNED]: 190, [D]: 20, [MAX]: 1000, [UPTIME]: 2000, [PID]: 1 }));
    expect(s.series[TARGETING]!.points).toEqual([[T0 + 1000, 10]]);
    s = applySamples(s, sample(T0 + 2000, { [SCANNED]: 5, [RETURNED]: 1, [D]: 20, [MAX]: 1000, [UPTIME]: 10, [PID]: 2 }));
    expect(s.series[TARGETING]!.points.at(-1)).toEqual([T0 + 2000, null]);
    s = applySamples(s, sample(T0 + 3000, { [SCANNED]: 45, [RETURNED]: 5, [D]: 20, [MAX]: 1000, [UPTIME]: 1010, [PID]: 2 }));
    expect(s.series[TARGETING]!.points.at(-1)).toEqual([T0 + 3000, 10]);
    expect(s.series[DIRTY]!.points.at(-1)).toEqual([T0 + 3000, 2]);
  });

  it('says why when an input is not reported', () => {
    let s = emptyLive([DIRTY]);
    s = applySamples(s, sample(T0, {}, { [D]: 'serverStatus.wiredTiger is not returned by FerretDB 1.24.2' }));
    expect(s.series[DIRTY]!.unavailable).toMatch(/FerretDB/);
    expect(s.series[DIRTY]!.points).toEqual([]);
  });
});
