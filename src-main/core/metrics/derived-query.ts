import type { MetricsQueryInput, MetricsQueryResult, SeriesResult } from '../../../src-shared/contract';
import { derivedDef, RESTART_METRICS, type DerivedDef } from '../../../src-shared/domain/metrics/catalogue';
import { derivedFromBuckets, derivedPoints } from '../../../src-shared/domain/metrics/derived';
import { detectRestarts } from '../../../src-shared/domain/metrics/rates';
import type { ChartPoint } from '../../../src-shared/domain/samples';
import type { TierColumn } from '../store/chunk-codec';
import { downsampleMinMax, type DisplayPoint } from '../store/downsample';
import type { MetricStore } from '../store/metric-store';
import { TIER, type Tier } from '../store/rollup';
import { DEFAULT_MAX_POINTS, gapThreshold, queryMetrics, tierFor } from './metrics-query';

/**
 * metrics.query with derived series (catalogue DERIVED): stored metrics are answered by the store's
 * query (metrics-query.ts); each derived one is computed here from its inputs by the shared
 * `derived.ts`, from raw samples or from rollup buckets at the same tier the store would pick, then
 * downsampled the same way. (Folding this into metrics-query.ts is one call per series there.)
 */
const COLS: readonly TierColumn[] = ['count', 'sum', 'inc', 'incDt'];

export function queryWithDerived(store: MetricStore, q: MetricsQueryInput, now: number): MetricsQueryResult {
  const derived = q.metrics.filter((m) => derivedDef(m) !== undefined);
  if (derived.length === 0) return queryMetrics(store, q, now);
  const stored = q.metrics.filter((m) => derivedDef(m) === undefined);
  const base = queryMetrics(store, { ...q, metrics: stored }, now);
  const byId = new Map(base.series.map((s) => [s.metric, s]));
  const unavailable = store.unavailable(q.entity);
  for (const id of derived) byId.set(id, derivedSeries(store, q, derivedDef(id)!, unavailable));
  return { ...base, series: q.metrics.map((m) => byId.get(m)!) };
}

function derivedSeries(store: MetricStore, q: MetricsQueryInput, def: DerivedDef, unavailable: Record<string, string>): SeriesResult {
  const [num, den] = def.inputs;
  const why = unavailable[num] ?? unavailable[den] ?? null;
  const result: SeriesResult = { metric: def.id, unit: def.unit, kind: 'gauge', points: [], unavailable: why };
  const a = store.seriesInfo(q.entity, num);
  const b = store.seriesInfo(q.entity, den);
  if (!a || !b || a.first === null || b.first === null || a.last === null || b.last === null) return result;
  const from = Math.max(q.from, a.first, b.first);
  const to = Math.min(q.to, a.last, b.last);
  if (from > to) return result;
  const budget = q.maxPoints ?? DEFAULT_MAX_POINTS;
  const points = read(store, q.entity, def, tierFor(from, to, budget), from, to);
  result.points = downsampleMinMax(points.map(toDisplay), from, to, budget);
  return result;
}

const toDisplay = ([ts, v]: ChartPoint): DisplayPoint => (v === null ? { kind: 'break', ts } : { kind: 'value', ts, value: v });

function read(store: MetricStore, entity: string, def: DerivedDef, tier: Tier | 0, from: number, to: number): ChartPoint[] {
  const [num, den] = def.inputs;
  if (tier === 0) {
    if (def.formula === 'gaugeRatio') {
      const d = store.query(entity, den, from, to);
      return derivedPoints(def, store.query(entity, num, from, to), d, { maxGapMs: gapThreshold(d) });
    }
    const q = (m: string) => store.query(entity, m, from, to, { withPrevious: true });
    const d = q(den);
    return derivedPoints(def, q(num), d, { restarts: detectRestarts(q(RESTART_METRICS.uptime), q(RESTART_METRICS.pid)), maxGapMs: gapThreshold(d) });
  }
  const ra = store.readRollup(entity, num, tier, from, to, COLS);
  const rb = store.readRollup(entity, den, tier, from, to, COLS);
  const out = derivedFromBuckets(def, ra.buckets, rb.buckets);
  // Windows a tier has not rolled up yet are answered by the next finer tier, as the store's query does.
  const pending = [...ra.pending, ...rb.pending].sort((x, y) => x.from - y.from);
  let covered = -Infinity;
  for (const p of pending) {
    const start = Math.max(p.from, covered);
    if (start > p.to) continue;
    const inRange = (ts: number) => ts >= start && ts <= p.to;
    for (let i = out.length - 1; i >= 0; i--) if (inRange(out[i]![0])) out.splice(i, 1);
    out.push(...read(store, entity, def, (tier - 1) as Tier | 0, start, p.to));
    covered = p.to + 1;
  }
  out.sort((x, y) => x[0] - y[0]);
  // Buckets further apart than one bucket are a gap: break the line there.
  const withBreaks: ChartPoint[] = [];
  const bucketMs = TIER[tier].bucketMs;
  for (const p of out) {
    const prev = withBreaks[withBreaks.length - 1];
    if (prev && prev[1] !== null && p[0] - prev[0] > 2 * bucketMs && p[1] !== null) withBreaks.push([prev[0] + bucketMs, null]);
    withBreaks.push(p);
  }
  return withBreaks;
}
