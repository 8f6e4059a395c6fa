import type { MetricsQueryInput, MetricsQueryResult, SeriesResult } from '../../../src-shared/contract';
import { displayUnit, metricDef, RESTART_METRICS } from '../../../src-shared/domain/metrics/catalogue';
import { counterRates, detectRestarts, gaugePoints } from '../../../src-shared/domain/metrics/rates';
import type { Point } from '../../../src-shared/domain/samples';
import type { MetricStore } from '../store/metric-store';

/** Samples further apart than this many typical intervals are not joined on a chart. */
const GAP_FACTOR = 3;

export function gapThreshold(points: readonly Point[]): number {
  if (points.length < 3) return Infinity;
  const dts: number[] = [];
  for (let i = 1; i < points.length; i++) dts.push(points[i]!.ts - points[i - 1]!.ts);
  dts.sort((a, b) => a - b);
  return Math.max(2000, GAP_FACTOR * dts[Math.floor(dts.length / 2)]!);
}

/** Reads raw samples and derives what a chart shows: rates for counters (with resets), gauges as they are. */
export function queryMetrics(store: MetricStore, q: MetricsQueryInput, now: number): MetricsQueryResult {
  const unavailable = store.unavailable(q.entity);
  let restarts: Set<number> | undefined;
  const resets = new Set<number>();
  const series: SeriesResult[] = q.metrics.map((metric) => {
    const def = metricDef(metric);
    const raw = store.query(q.entity, metric, q.from, q.to);
    const maxGapMs = gapThreshold(raw);
    let points;
    if (def?.kind === 'counter') {
      restarts ??= detectRestarts(store.query(q.entity, RESTART_METRICS.uptime, q.from, q.to), store.query(q.entity, RESTART_METRICS.pid, q.from, q.to));
      const r = counterRates(raw, { restarts, maxGapMs });
      r.resets.forEach((t) => resets.add(t));
      points = r.points;
    } else {
      points = gaugePoints(raw, maxGapMs);
    }
    return {
      metric,
      unit: def ? displayUnit(def) : '',
      kind: def?.kind ?? 'gauge',
      points,
      unavailable: unavailable[metric] ?? null,
    };
  });
  return { entity: q.entity, from: q.from, to: q.to, series, gaps: store.gaps(q.entity, q.from, q.to, now), resets: [...resets].sort((a, b) => a - b) };
}
