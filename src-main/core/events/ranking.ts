import type { MetricMover } from '../../../src-shared/contract/events.contract';
import { RESTART_METRICS, seriesLabel } from '../../../src-shared/domain/metrics/catalogue';
import { queryMetrics } from '../metrics/metrics-query';
import type { MetricStore } from '../store/metric-store';
import type { EventStore } from './event.store';

/**
 * "What moved most?" for a brushed window: each ranking source compares the window with the
 * preceding window of equal length and scores its series by how far the mean moved, in units of
 * the preceding window's spread. Sources plug in here (node metrics today; host metrics and the
 * profiler later) and their results are merged by score.
 */
export interface RankingWindow {
  from: number;
  to: number;
  baselineFrom: number;
  baselineTo: number;
  /** Metric entities (`node:<NodeId>`, later `host:<target>`) the window is about. */
  entities: string[];
  /** Event-store node names the window is about (for log-derived sources); undefined = all. */
  logNodes: number[] | undefined;
}

export interface RankingSource {
  readonly id: string;
  rank(w: RankingWindow, signal?: AbortSignal): MetricMover[] | Promise<MetricMover[]>;
}

/** Series a window needs at least this many points of, on each side, to be ranked. */
const MIN_POINTS = 2;
const MAX_SERIES_PER_ENTITY = 400;
const SCORE_CAP = 1e6;

interface Stats {
  n: number;
  mean: number;
  sd: number;
}

function stats(values: number[]): Stats | null {
  if (values.length < MIN_POINTS) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const v = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { n: values.length, mean, sd: Math.sqrt(v) };
}

/**
 * The score of a move from `before` to `after`: |Δ| in units of the two windows' pooled spread (an
 * effect size), so a sporadic series (a few lines now and then) scores low however its mean moves,
 * and a steady one that steps scores high. The spread is floored at 1 % of the level so a perfectly
 * flat series does not score infinitely.
 */
export function moverScore(before: Stats, after: Stats): number {
  const change = after.mean - before.mean;
  if (change === 0) return 0;
  const pooled = Math.sqrt((before.sd ** 2 + after.sd ** 2) / 2);
  const floor = Math.max(pooled, 0.01 * ((Math.abs(before.mean) + Math.abs(after.mean)) / 2), 1e-9);
  return Math.min(SCORE_CAP, Math.abs(change) / floor);
}

export function mover(source: string, entity: string, metric: string, label: string, unit: string, before: number[], after: number[]): MetricMover | null {
  const b = stats(before);
  const a = stats(after);
  if (b === null || a === null) return null;
  const score = moverScore(b, a);
  if (score === 0) return null;
  return {
    source,
    entity,
    metric,
    label,
    unit,
    before: b.mean,
    after: a.mean,
    change: a.mean - b.mean,
    relative: b.mean !== 0 ? (a.mean - b.mean) / Math.abs(b.mean) : null,
    score,
  };
}

/** Every stored series of the window's entities, as charts show them (counters as rates, restarts broken). */
export class MetricStoreRanking implements RankingSource {
  readonly id = 'metrics';
  constructor(
    private readonly store: MetricStore,
    private readonly now: () => number,
  ) {}

  rank(w: RankingWindow, signal?: AbortSignal): MetricMover[] {
    const out: MetricMover[] = [];
    const skip = new Set<string>([RESTART_METRICS.uptime, RESTART_METRICS.pid]);
    for (const entity of w.entities) {
      const metrics = this.store
        .listSeries(entity)
        .filter((s) => !skip.has(s.metric) && s.last !== null && s.first !== null && s.last >= w.baselineFrom && s.first <= w.to)
        .slice(0, MAX_SERIES_PER_ENTITY)
        .map((s) => s.metric);
      for (let i = 0; i < metrics.length; i += 64) {
        if (signal?.aborted) return out;
        const res = queryMetrics(this.store, { entity, metrics: metrics.slice(i, i + 64), from: w.baselineFrom, to: w.to, maxPoints: 2000 }, this.now());
        for (const s of res.series) {
          const before: number[] = [];
          const after: number[] = [];
          for (const [ts, v] of s.points) {
            if (v === null || !Number.isFinite(v)) continue;
            if (ts >= w.from && ts <= w.to) after.push(v);
            else if (ts >= w.baselineFrom && ts < w.baselineTo) before.push(v);
          }
          const m = mover(this.id, entity, s.metric, seriesLabel(s.metric)?.label ?? s.metric, s.unit, before, after);
          if (m !== null) out.push(m);
        }
      }
    }
    return out;
  }
}

/** Log lines per minute by component: a log-only import still says which part of mongod got loud. */
export class LogRateRanking implements RankingSource {
  readonly id = 'log-rates';
  constructor(private readonly events: EventStore) {}

  rank(w: RankingWindow): MetricMover[] {
    const MINUTE = 60_000;
    const where = ['minute >= ?', 'minute <= ?'];
    const params: unknown[] = [Math.floor(w.baselineFrom / MINUTE), Math.floor(w.to / MINUTE)];
    if (w.logNodes !== undefined) {
      if (w.logNodes.length === 0) return [];
      where.push(`node_ix IN (${w.logNodes.map(() => '?').join(', ')})`);
      params.push(...w.logNodes);
    }
    const rows = this.events.db
      .prepare<unknown[], { minute: number; comp: string; n: number }>(`SELECT minute, comp, sum(n) AS n FROM buckets WHERE ${where.join(' AND ')} GROUP BY minute, comp`)
      .all(...params);
    const byComp = new Map<string, Map<number, number>>();
    for (const r of rows) {
      let m = byComp.get(r.comp);
      if (!m) byComp.set(r.comp, (m = new Map()));
      m.set(r.minute, r.n);
    }
    const minutes = (from: number, to: number) => {
      const out: number[] = [];
      for (let m = Math.floor(from / MINUTE); m * MINUTE < to; m++) out.push(m);
      return out;
    };
    const beforeMin = minutes(w.baselineFrom, w.baselineTo);
    const afterMin = minutes(w.from, w.to);
    const out: MetricMover[] = [];
    for (const [comp, counts] of byComp) {
      const m = mover(
        this.id,
        'log',
        `log.${comp}`,
        `${comp} log lines`,
        'lines/min',
        beforeMin.map((k) => counts.get(k) ?? 0),
        afterMin.map((k) => counts.get(k) ?? 0),
      );
      if (m !== null) out.push(m);
    }
    return out;
  }
}

/** Runs every source (one failing never hides the others) and keeps the top movers by score. */
export async function rankMovers(sources: readonly RankingSource[], w: RankingWindow, limit: number, signal?: AbortSignal): Promise<{ movers: MetricMover[]; errors: { source: string; message: string }[] }> {
  const all: MetricMover[] = [];
  const errors: { source: string; message: string }[] = [];
  for (const s of sources) {
    try {
      all.push(...(await s.rank(w, signal)));
    } catch (e) {
      errors.push({ source: s.id, message: e instanceof Error ? e.message : String(e) });
    }
  }
  all.sort((a, b) => b.score - a.score || Math.abs(b.relative ?? 0) - Math.abs(a.relative ?? 0) || (a.metric < b.metric ? -1 : 1));
  return { movers: all.slice(0, limit), errors };
}
