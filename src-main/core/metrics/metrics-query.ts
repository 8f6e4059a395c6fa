import type { MetricsQueryInput, MetricsQueryResult, SeriesResult } from '../../../src-shared/contract';
import { displayUnit, metricDef, RESTART_METRICS } from '../../../src-shared/domain/metrics/catalogue';
import { counterRates, detectRestarts, gaugePoints } from '../../../src-shared/domain/metrics/rates';
import type { Point } from '../../../src-shared/domain/samples';
import type { TierColumn } from '../store/chunk-codec';
import { downsampleMinMax, type DisplayPoint } from '../store/downsample';
import type { MetricStore } from '../store/metric-store';
import { gapThresholdOf, TIER, type Tier } from '../store/rollup';

/**
 * What a chart shows, from the store: rates for counters (THE shared rate function, restarts from
 * uptime/pid), gauges as they are, at most `maxPoints` points per series.
 *
 * Resolution: the coarsest tier whose bucket is no wider than the range / (maxPoints / 2) (each output
 * bucket keeps a min and a max): raw, 1-min or 1-h buckets. Where that tier has not rolled a window up
 * yet (the current hour or day, a fresh import) the next finer tier answers for it, down to raw samples
 * and the writer's unflushed head. From a tier, a counter's rate is inc·1000/incDt of each bucket,
 * exactly the time-weighted mean of the raw rates; a gauge is its [min, max]. Empty buckets stay
 * breaks, never zeros. Then min/max-preserving downsampling to the budget.
 */
export const DEFAULT_MAX_POINTS = 10_000;

/** Samples further apart than this many typical intervals are not joined on a chart. */
export function gapThreshold(points: readonly Point[]): number {
  return gapThresholdOf(
    points.map((p) => p.ts),
    points.length,
  );
}

export function tierFor(from: number, to: number, maxPoints: number): Tier | 0 {
  const width = (to - from) / Math.max(1, Math.floor(maxPoints / 2));
  if (width >= TIER[2].bucketMs) return 2;
  if (width >= TIER[1].bucketMs) return 1;
  return 0;
}

const COUNTER_COLS: readonly TierColumn[] = ['count', 'inc', 'incDt', 'resets'];
const GAUGE_COLS: readonly TierColumn[] = ['count', 'min', 'max'];

class SeriesReader {
  private readonly restartCache = new Map<string, Set<number>>();
  readonly resets = new Set<number>();

  constructor(
    private readonly store: MetricStore,
    private readonly entity: string,
  ) {}

  private restarts(from: number, to: number): Set<number> {
    const key = `${from}|${to}`;
    let r = this.restartCache.get(key);
    if (!r) {
      const q = (m: string) => this.store.query(this.entity, m, from, to, { withPrevious: true });
      r = detectRestarts(q(RESTART_METRICS.uptime), q(RESTART_METRICS.pid));
      this.restartCache.set(key, r);
    }
    return r;
  }

  read(metric: string, counter: boolean, tier: Tier | 0, from: number, to: number): DisplayPoint[] {
    if (tier === 0) return this.raw(metric, counter, from, to);
    const { bucketMs } = TIER[tier];
    const r = this.store.readRollup(this.entity, metric, tier, from, to, counter ? COUNTER_COLS : GAUGE_COLS);
    const out: DisplayPoint[] = [];
    let bi = 0;
    let prevEnd: number | null = null;
    const emitBucketsBefore = (limit: number) => {
      for (; bi < r.buckets.length && r.buckets[bi]!.ts < limit; bi++) {
        const b = r.buckets[bi]!;
        if (prevEnd !== null && b.ts > prevEnd) out.push({ kind: 'break', ts: prevEnd });
        if (counter) {
          if (b.resets > 0) this.resets.add(b.ts);
          out.push(b.incDt > 0 ? { kind: 'value', ts: b.ts, value: (b.inc * 1000) / b.incDt } : { kind: 'break', ts: b.ts });
        } else out.push({ kind: 'range', ts: b.ts, lo: b.min, hi: b.max });
        prevEnd = b.ts + bucketMs;
      }
    };
    for (const p of r.pending) {
      emitBucketsBefore(p.from);
      const finer = this.read(metric, counter, (tier - 1) as Tier | 0, p.from, p.to);
      if (finer.length > 0) {
        out.push(...finer);
        prevEnd = null;
      }
    }
    emitBucketsBefore(Infinity);
    return out;
  }

  private raw(metric: string, counter: boolean, from: number, to: number): DisplayPoint[] {
    const out: DisplayPoint[] = [];
    if (counter) {
      const raw = this.store.query(this.entity, metric, from, to, { withPrevious: true });
      const r = counterRates(raw, { restarts: this.restarts(from, to), maxGapMs: gapThreshold(raw) });
      r.resets.forEach((t) => this.resets.add(t));
      for (const [ts, v] of r.points) out.push(v === null ? { kind: 'break', ts } : { kind: 'value', ts, value: v });
    } else {
      const raw = this.store.query(this.entity, metric, from, to);
      for (const [ts, v] of gaugePoints(raw, gapThreshold(raw))) out.push(v === null ? { kind: 'break', ts } : { kind: 'value', ts, value: v });
    }
    return out;
  }
}

export function queryMetrics(store: MetricStore, q: MetricsQueryInput, now: number): MetricsQueryResult {
  const unavailable = store.unavailable(q.entity);
  const budget = q.maxPoints ?? DEFAULT_MAX_POINTS;
  const reader = new SeriesReader(store, q.entity);
  const series: SeriesResult[] = q.metrics.map((metric) => {
    const def = metricDef(metric);
    const counter = def?.kind === 'counter';
    const info = store.seriesInfo(q.entity, metric);
    let points: SeriesResult['points'] = [];
    if (info && info.first !== null && info.last !== null) {
      // Resolution follows the data actually there, not a "since 1970" range.
      const from = Math.max(q.from, info.first);
      const to = Math.min(q.to, info.last);
      if (from <= to) points = downsampleMinMax(reader.read(metric, counter, tierFor(from, to, budget), from, to), from, to, budget);
    }
    return {
      metric,
      unit: def ? displayUnit(def) : '',
      kind: def?.kind ?? 'gauge',
      points,
      unavailable: unavailable[metric] ?? null,
    };
  });
  return {
    entity: q.entity,
    from: q.from,
    to: q.to,
    series,
    gaps: store.gaps(q.entity, q.from, q.to, now),
    resets: [...reader.resets].sort((a, b) => a - b),
  };
}
