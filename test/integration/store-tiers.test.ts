// Rollup tiers, queries and imported sets of the metrics store, on real SQLite:
// REL-D8 (tier aggregates equal what raw gives; gaps stay gaps), stitched tier/raw queries at a point
// budget, imported sets (appendColumns, listSeries, deleteImport), REL-D10 clock jumps.
import fc from 'fast-check';
import { join } from 'node:path';
import { RESTART_METRICS } from '../../src-shared/domain/metrics/catalogue';
import { counterRates, detectRestarts, rateStep } from '../../src-shared/domain/metrics/rates';
import type { Point } from '../../src-shared/domain/samples';
import { gapThreshold, queryMetrics } from '../../src-main/core/metrics/metrics-query';
import { betterSqliteDriver } from '../../src-main/core/store/better-sqlite3.driver';
import { ChunkStore } from '../../src-main/core/store/chunk.store';
import { downsampleMinMax, type DisplayPoint } from '../../src-main/core/store/downsample';
import { ManualClock } from '../helpers/manual-clock';
import { tempDir } from '../helpers/tmp';

const driver = betterSqliteDriver();
const ENTITY = 'node:d/t:1';
const COUNTER = 'serverStatus.opcounters.insert';
const GAUGE = 'serverStatus.connections.current';
const FLOAT = 'custom.float';
const H = 3_600_000;
const MIN = 60_000;

interface Generated {
  ts: number[];
  uptime: number[];
  pid: number[];
  counter: number[];
  gauge: number[];
  float: number[];
}

const genSpec = fc.record({
  start: fc.integer({ min: 0, max: 3 * H }),
  interval: fc.constantFrom(1000, 2000, 5000, 10_000),
  jitter: fc.integer({ min: 0, max: 300 }),
  hours: fc.integer({ min: 2, max: 4 }),
  gaps: fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), minutes: fc.integer({ min: 1, max: 50 }) }), { maxLength: 3 }),
  restarts: fc.array(fc.double({ min: 0.05, max: 0.95, noNaN: true }), { maxLength: 2 }),
  backwards: fc.array(fc.double({ min: 0.05, max: 0.95, noNaN: true }), { maxLength: 1 }),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});

type Spec = typeof genSpec extends fc.Arbitrary<infer T> ? T : never;

function generate(spec: Spec, t0: number): Generated {
  const g: Generated = { ts: [], uptime: [], pid: [], counter: [], gauge: [], float: [] };
  const total = spec.hours * H;
  let seed = spec.seed;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  let t = t0 + spec.start;
  let up = 1000;
  let pid = 7;
  let c = 1_000_000;
  let restartIdx = 0;
  const restartsAt = spec.restarts.map((r) => t0 + spec.start + r * total).sort((a, b) => a - b);
  const backAt = spec.backwards.map((r) => t0 + spec.start + r * total);
  while (t < t0 + spec.start + total) {
    const inGap = spec.gaps.some((gp) => {
      const a = t0 + spec.start + gp.at * total;
      return t >= a && t < a + gp.minutes * MIN;
    });
    const dt = spec.interval + Math.floor(rand() * spec.jitter);
    if (!inGap) {
      if (restartIdx < restartsAt.length && t >= restartsAt[restartIdx]!) {
        restartIdx++;
        up = 0;
        pid++;
        c = 0;
      }
      if (backAt.some((b) => t >= b && t < b + dt)) c = Math.max(0, c - 5000); // a counter going backwards without a restart
      g.ts.push(t);
      g.uptime.push((up += dt));
      g.pid.push(pid);
      g.counter.push((c += Math.floor(rand() * 500)));
      g.gauge.push(10 + Math.floor(rand() * 90));
      g.float.push(rand() * 1000 - 500);
    }
    t += dt;
  }
  return g;
}

function write(store: ChunkStore, g: Generated): void {
  const b = store.openBatch('live');
  g.ts.forEach((ts, i) => {
    store.append(b, ENTITY, ts, { [RESTART_METRICS.uptime]: g.uptime[i]!, [RESTART_METRICS.pid]: g.pid[i]!, [COUNTER]: g.counter[i]!, [GAUGE]: g.gauge[i]!, [FLOAT]: g.float[i]! });
  });
  store.flush();
}

interface Expected {
  count: number;
  min: number;
  max: number;
  sum: number;
  inc: number;
  incDt: number;
  resets: number;
}

/** What a tier-1 bucket must hold, computed straight from the generated samples with the shared functions. */
function expectedMinutes(ts: number[], vals: number[], counter: boolean, g: Generated): Map<number, Expected> {
  const out = new Map<number, Expected>();
  const pts = (arr: number[]): Point[] => ts.map((t, i) => ({ ts: t, value: arr[i]! }));
  const all = pts(vals);
  const windows = new Set(ts.map((t) => Math.floor(t / H) * H));
  for (const w of windows) {
    const inWin = all.filter((p) => p.ts >= w && p.ts < w + H);
    const before = all.filter((p) => p.ts < w).at(-1);
    const run = before ? [before, ...inWin] : inWin;
    const maxGapMs = gapThreshold(run);
    const span = (arr: number[]) => {
      const p = pts(arr).filter((x) => x.ts < w + H);
      const k = p.findIndex((x) => x.ts >= w);
      return p.slice(Math.max(0, k - 1));
    };
    const restarts = detectRestarts(span(g.uptime), span(g.pid));
    for (let i = 0; i < run.length; i++) {
      const p = run[i]!;
      if (p.ts < w) continue;
      const b = Math.floor(p.ts / MIN) * MIN;
      const e = out.get(b) ?? { count: 0, min: Infinity, max: -Infinity, sum: 0, inc: 0, incDt: 0, resets: 0 };
      e.count++;
      e.min = Math.min(e.min, p.value);
      e.max = Math.max(e.max, p.value);
      e.sum += p.value;
      if (counter && i > 0) {
        const step = rateStep(run[i - 1]!, p, restarts.has(p.ts), maxGapMs);
        if (step.kind === 'rate') {
          e.inc += p.value - run[i - 1]!.value;
          e.incDt += p.ts - run[i - 1]!.ts;
        } else if (step.kind === 'reset') e.resets++;
      }
      out.set(b, e);
    }
  }
  return out;
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

describe('REL-D8: rollup tiers', () => {
  const dir = tempDir('baleen-tiers-');
  let n = 0;

  it('tier-1 buckets equal the raw aggregates (min/max/count exact, sum within 1e-9), tier 2 equals raw per hour, empty minutes have no bucket', async () => {
    await fc.assert(
      fc.asyncProperty(genSpec, async (spec) => {
        const t0 = Date.UTC(2026, 2, 1);
        const g = generate(spec, t0);
        fc.pre(g.ts.length > 10);
        const clock = new ManualClock(t0 + spec.start + (spec.hours + 30) * H);
        const store = new ChunkStore(driver, join(dir, `p${n++}.db`), { clock, maintenanceIntervalMs: 0, rawChunkSamples: 97 });
        try {
          write(store, g);
          const report = await store.runMaintenance();
          expect(report.rolledWindows).toBeGreaterThan(0);
          for (const [metric, vals, counter] of [
            [COUNTER, g.counter, true],
            [GAUGE, g.gauge, false],
            [FLOAT, g.float, true],
          ] as const) {
            const want = expectedMinutes(g.ts, vals, counter, g);
            const got = store.readRollup(ENTITY, metric, 1, 0, clock.now()).buckets;
            expect(got.map((b) => b.ts)).toEqual([...want.keys()].sort((a, b) => a - b));
            for (const b of got) {
              const e = want.get(b.ts)!;
              expect([b.count, b.min, b.max, b.resets], `${metric} @${b.ts}`).toEqual([e.count, e.min, e.max, counter ? e.resets : 0]);
              expect(close(b.sum, e.sum), `${metric} sum @${b.ts}: ${b.sum} vs ${e.sum}`).toBe(true);
              if (counter) {
                expect(close(b.inc, e.inc), `${metric} inc @${b.ts}`).toBe(true);
                expect(b.incDt).toBe(e.incDt);
              }
            }
            const hours = store.readRollup(ENTITY, metric, 2, 0, clock.now()).buckets;
            const byHour = new Map<number, Expected[]>();
            for (const [ts, e] of want) byHour.set(Math.floor(ts / H) * H, [...(byHour.get(Math.floor(ts / H) * H) ?? []), e]);
            expect(hours.map((h) => h.ts)).toEqual([...byHour.keys()].sort((a, b) => a - b));
            for (const h of hours) {
              const es = byHour.get(h.ts)!;
              expect(h.count).toBe(es.reduce((a, e) => a + e.count, 0));
              expect(h.min).toBe(Math.min(...es.map((e) => e.min)));
              expect(h.max).toBe(Math.max(...es.map((e) => e.max)));
              expect(close(h.sum, es.reduce((a, e) => a + e.sum, 0))).toBe(true);
              if (counter) expect(close(h.inc, es.reduce((a, e) => a + e.inc, 0))).toBe(true);
            }
          }
        } finally {
          store.close();
        }
      }),
      { numRuns: 12 },
    );
  }, 300_000);

  it('charts from a tier: exact mean rates, breaks across gaps (never zeros), resets, at most maxPoints', async () => {
    const t0 = Date.UTC(2026, 2, 1);
    const g = generate({ start: 0, interval: 1000, jitter: 0, hours: 30, gaps: [{ at: 0.5, minutes: 90 }], restarts: [0.25], backwards: [], seed: 9 }, t0);
    const clock = new ManualClock(t0 + 30 * H + 10 * MIN);
    const store = new ChunkStore(driver, join(dir, 'chart.db'), { clock, maintenanceIntervalMs: 0 });
    try {
      write(store, g);
      await store.runMaintenance();
      const q = (maxPoints: number, from = t0, to = clock.now()) =>
        queryMetrics(store, { entity: ENTITY, metrics: [COUNTER, GAUGE], from, to, maxPoints }, clock.now());
      const r = q(400);
      const [c, gauge] = r.series;
      expect(c!.points.length).toBeLessThanOrEqual(400);
      expect(gauge!.points.length).toBeLessThanOrEqual(400);
      // The outage (15 h → 16.5 h) is a break in both lines and no point falls inside it.
      const gapFrom = t0 + 15 * H;
      const gapTo = gapFrom + 90 * MIN;
      for (const s of [c!, gauge!]) {
        const inside = s.points.filter(([ts]) => ts > gapFrom + 2 * MIN && ts < gapTo - MIN);
        expect(inside.every(([, v]) => v === null), s.metric).toBe(true);
        expect(s.points.some(([ts, v]) => v === null && ts >= gapFrom - H && ts <= gapTo), s.metric).toBe(true);
        expect(s.points.every(([, v]) => v === null || Number.isFinite(v))).toBe(true);
      }
      expect(r.resets.some((t) => Math.abs(t - (t0 + 7.5 * H)) < H)).toBe(true);
      // Rates from the tier are the exact mean of the raw rates in their bucket; every raw rate lies in the envelope.
      const raw = counterRates(
        store.query(ENTITY, COUNTER, t0, clock.now()),
        { restarts: detectRestarts(store.query(ENTITY, RESTART_METRICS.uptime, t0, clock.now()), store.query(ENTITY, RESTART_METRICS.pid, t0, clock.now())), maxGapMs: 3000 },
      ).points.filter((p): p is [number, number] => p[1] !== null);
      const vals = c!.points.map(([, v]) => v).filter((v): v is number => v !== null);
      const rawVals = raw.map(([, v]) => v);
      expect(Math.min(...vals)).toBeGreaterThanOrEqual(Math.min(...rawVals) - 1e-9);
      expect(Math.max(...vals)).toBeLessThanOrEqual(Math.max(...rawVals) + 1e-9);
      const hour = t0 + 3 * H;
      const oneHour = store.readRollup(ENTITY, COUNTER, 2, hour, hour).buckets[0]!;
      const inHour = raw.filter(([ts]) => ts >= hour && ts < hour + H);
      expect(close((oneHour.inc * 1000) / oneHour.incDt, inHour.reduce((a, [, v]) => a + v, 0) / inHour.length)).toBe(true);
      // The last hour is not rolled up yet: raw samples answer for it, right to the end.
      const lastTs = g.ts.at(-1)!;
      expect(c!.points.some(([ts]) => ts > lastTs - 30 * MIN)).toBe(true);
      // Small ranges stay raw: identical to the shared rate function over the raw samples.
      const narrow = q(100_000, t0 + 2 * H, t0 + 2 * H + 10 * MIN).series[0]!;
      expect(narrow.points).toEqual(
        counterRates(store.query(ENTITY, COUNTER, t0 + 2 * H - 1000, t0 + 2 * H + 10 * MIN), { maxGapMs: 3000, restarts: new Set() }).points,
      );
    } finally {
      store.close();
    }
  });
});

describe('min/max downsampling', () => {
  it('keeps every spike, every break, and the budget', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1_000_000 }), fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { freq: 8 })), { minLength: 1, maxLength: 3000 }),
        fc.integer({ min: 10, max: 500 }),
        (raw, budget) => {
          const pts: DisplayPoint[] = [...raw].sort((a, b) => a[0] - b[0]).map(([ts, v]) => (v === null ? { kind: 'break', ts } : { kind: 'value', ts, value: v }));
          const out = downsampleMinMax(pts, 0, 1_000_000, budget);
          expect(out.length).toBeLessThanOrEqual(Math.max(budget, pts.length));
          if (pts.length > budget) expect(out.length).toBeLessThanOrEqual(budget);
          const values = pts.filter((p): p is Extract<DisplayPoint, { kind: 'value' }> => p.kind === 'value').map((p) => p.value);
          const outValues = out.map(([, v]) => v).filter((v): v is number => v !== null);
          if (values.length > 0) {
            expect(Math.max(...outValues)).toBe(Math.max(...values));
            expect(Math.min(...outValues)).toBe(Math.min(...values));
          }
          expect(out.some(([, v]) => v === null)).toBe(pts.some((p) => p.kind === 'break'));
          for (let i = 1; i < out.length; i++) expect(out[i]![0]).toBeGreaterThanOrEqual(out[i - 1]![0]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('imported sets', () => {
  const dir = tempDir('baleen-import-');

  it('appendColumns stores a whole column at once; listSeries and listImports show it; deleteImport removes it and its rollups, never live data', async () => {
    const t0 = Date.UTC(2026, 3, 1);
    const clock = new ManualClock(t0 + 5 * 86_400_000);
    const store = new ChunkStore(driver, join(dir, 'imp.db'), { clock, maintenanceIntervalMs: 0 });
    try {
      const live = store.openBatch('live', 'node');
      for (let i = 0; i < 7200; i++) store.append(live, ENTITY, t0 + i * 1000, { [GAUGE]: i % 10 });
      const imp = store.openBatch('ftdc', 'customer diagnostic.data');
      const n = 300;
      let total = 0;
      for (let c = 0; c < 24; c++) {
        const ts = Float64Array.from({ length: n }, (_, i) => t0 + 86_400_000 + c * n * 1000 + i * 1000 + (i % 3));
        const cols = [
          { metric: GAUGE, values: Float64Array.from({ length: n }, (_, i) => 100 + (i % 5)) },
          { metric: 'ftdc.only', values: Float64Array.from({ length: n }, (_, i) => (i === 7 ? Number.NaN : c * n + i)) },
        ];
        total += store.appendColumns(imp, ENTITY, ts, cols).samples;
      }
      expect(total).toBe(24 * (2 * n - 1));
      expect(store.listImports()).toEqual([{ id: imp, source: 'ftdc', label: 'customer diagnostic.data', createdAt: clock.now() }]);
      const listed = Object.fromEntries(store.listSeries(ENTITY).map((s) => [s.metric, s]));
      expect(listed[GAUGE]).toMatchObject({ count: 7200 + 24 * n, first: t0 });
      expect(listed['ftdc.only']).toMatchObject({ count: 24 * (n - 1), first: t0 + 86_400_000 });
      await store.runMaintenance();
      expect(store.readRollup(ENTITY, 'ftdc.only', 1, 0, clock.now()).buckets.length).toBe(120);
      // Invalid input is refused with a typed error and stores nothing.
      expect(() => store.appendColumns(imp, ENTITY, new Float64Array(3), [{ metric: 'x', values: new Float64Array(2) }])).toThrow(expect.objectContaining({ code: 'E_INVALID_INPUT' }));
      expect(() => store.appendColumns(999, ENTITY, new Float64Array(1), [])).toThrow(expect.objectContaining({ code: 'E_INVALID_INPUT' }));
      await expect(store.deleteImport(live)).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
      const removed = await store.deleteImport(imp);
      expect(removed.samples).toBe(total);
      expect(store.query(ENTITY, 'ftdc.only', 0, clock.now())).toEqual([]);
      expect(store.readRollup(ENTITY, 'ftdc.only', 1, 0, clock.now()).buckets).toEqual([]);
      expect(store.query(ENTITY, GAUGE, 0, clock.now())).toHaveLength(7200);
      expect(store.listImports()).toEqual([]);
      expect(store.listSeries(ENTITY).map((s) => [s.metric, s.count, s.first, s.last])).toEqual([[GAUGE, 7200, t0, t0 + 7199 * 1000]]);
      await expect(store.deleteImport(imp)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    } finally {
      store.close();
    }
  });
});

describe('REL-D10: clock jumps', () => {
  const dir = tempDir('baleen-clock-');

  it('an NTP step back (1 h) and a resume (8 h forward): no key conflict, later writes win, retention keeps new data', async () => {
    const clock = new ManualClock(Date.UTC(2026, 4, 1, 12));
    const store = new ChunkStore(driver, join(dir, 'clock.db'), { clock, maintenanceIntervalMs: 0, retention: { rawMs: 30 * MIN } });
    try {
      const b = store.openBatch('live');
      const tick = (v: number) => store.append(b, ENTITY, Math.floor(clock.now() / 1000) * 1000, { [GAUGE]: v });
      for (let i = 0; i < 120; i++) {
        tick(1);
        await clock.advance(1000);
      }
      const beforeJump = clock.now();
      clock.jumpWall(-H);
      for (let i = 0; i < 120; i++) {
        expect(() => tick(2)).not.toThrow();
        await clock.advance(1000);
      }
      store.flush();
      const all = store.query(ENTITY, GAUGE, 0, beforeJump + H);
      expect(all.filter((p) => p.value === 1)).toHaveLength(120);
      expect(all.filter((p) => p.value === 2)).toHaveLength(120);
      expect(all.every((p, i) => i === 0 || p.ts > all[i - 1]!.ts)).toBe(true);
      // The same tick time written again after the step: the later write wins.
      store.append(b, ENTITY, all[0]!.ts, { [GAUGE]: 3 });
      expect(store.query(ENTITY, GAUGE, all[0]!.ts, all[0]!.ts)).toEqual([{ ts: all[0]!.ts, value: 3 }]);
      // Retention after the step back: the cut-off moved back too, nothing written "in the future" is lost.
      await store.runMaintenance();
      expect(store.query(ENTITY, GAUGE, 0, beforeJump + H)).toHaveLength(240);
      clock.jumpWall(8 * H);
      for (let i = 0; i < 60; i++) {
        tick(4);
        await clock.advance(1000);
      }
      await store.runMaintenance();
      // 8 h later the old samples are past the 30 min raw retention; the new ones all stay.
      const after = store.query(ENTITY, GAUGE, 0, clock.now());
      expect(after.map((p) => p.value)).toEqual(new Array(60).fill(4));
    } finally {
      store.close();
    }
  });
});
