import type { MetricsQueryResult, SamplesEvent } from '../../../src-shared/contract';
import { derivedDef, metricDef, RESTART_METRICS } from '../../../src-shared/domain/metrics/catalogue';
import { derivedStep } from '../../../src-shared/domain/metrics/derived';
import { detectRestarts, rateStep } from '../../../src-shared/domain/metrics/rates';
import type { ChartPoint, Gap, Point } from '../../../src-shared/domain/samples';

/** How much history a live chart keeps: the backfill span, and what stays as samples arrive. */
export const WINDOW_MS = 15 * 60_000;
/** Samples further apart than this are not joined: three missed polls at the 10 s default. */
export const LIVE_MAX_GAP_MS = 30_000;

export interface SeriesState {
  metric: string;
  /** derived: computed from two inputs by the shared derived.ts, as the store's query does. */
  kind: 'counter' | 'gauge' | 'derived';
  /** What the chart plots: per-second rates for counters, values for gauges; null breaks the line. */
  points: ChartPoint[];
  /** The last raw value received live, from which the next rate is derived. */
  lastRaw?: Point;
  /** For a derived series: its inputs' last raw values. */
  lastInputs?: { num: Point; den: Point };
  /** Why the server does not report this metric, or null. */
  unavailable: string | null;
}

export interface LiveState {
  metrics: readonly string[];
  series: Readonly<Record<string, SeriesState>>;
  gaps: readonly Gap[];
  resets: readonly number[];
  lastUptime?: Point;
  lastPid?: Point;
  /** Timestamp of the newest live sample (not the backfill): where an open gap ends. */
  lastSampleTs?: number;
  /** Newest timestamp seen: the right edge of the window. */
  latestTs: number;
  windowMs: number;
  /** A fixed range (not live): what the x axis shows, and nothing is trimmed. */
  fixed?: { from: number; to: number };
}

export function emptyLive(metrics: readonly string[], windowMs = WINDOW_MS): LiveState {
  const series: Record<string, SeriesState> = {};
  for (const m of metrics) series[m] = { metric: m, kind: derivedDef(m) ? 'derived' : (metricDef(m)?.kind ?? 'gauge'), points: [], unavailable: null };
  return { metrics, series, gaps: [], resets: [], latestTs: 0, windowMs };
}

/** A fixed range's history (a rolling "last …" window or a custom/brushed range): no live updates follow. */
export function fixedRange(metrics: readonly string[], result: MetricsQueryResult): LiveState {
  const base = { ...emptyLive(metrics, result.to - result.from), fixed: { from: result.from, to: result.to } };
  return { ...applyBackfill(base, result), latestTs: result.to };
}

const lastTs = (points: readonly ChartPoint[]): number => (points.length ? points[points.length - 1]![0] : -Infinity);

/** History from metrics.query (counters already rates). Live raw state starts afresh after it. */
export function applyBackfill(state: LiveState, result: MetricsQueryResult): LiveState {
  const series: Record<string, SeriesState> = { ...state.series };
  let latest = Math.max(state.latestTs, result.to);
  for (const r of result.series) {
    const prev = series[r.metric];
    if (!prev) continue;
    const points = r.points.map((p): ChartPoint => [p[0], p[1]]).sort((a, b) => a[0] - b[0]);
    latest = Math.max(latest, lastTs(points));
    series[r.metric] = { metric: r.metric, kind: prev.kind, points, unavailable: r.unavailable };
  }
  const next: LiveState = {
    ...state,
    series,
    gaps: [...result.gaps],
    resets: [...new Set(result.resets)].sort((a, b) => a - b),
    lastUptime: undefined,
    lastPid: undefined,
    lastSampleTs: undefined,
    latestTs: latest,
  };
  return trim(next);
}

/**
 * One poll's raw values. Counters become rates through the shared rateStep, from the previous
 * raw sample of the same series; a restart (uptime down, pid changed) is a break and a marker.
 */
export function applySamples(state: LiveState, ev: SamplesEvent): LiveState {
  const ts = ev.ts;
  const uptime = ev.values[RESTART_METRICS.uptime];
  const pid = ev.values[RESTART_METRICS.pid];
  const cur = (v: number | undefined): Point[] => (v === undefined ? [] : [{ ts, value: v }]);
  const restarted = detectRestarts(
    [...(state.lastUptime ? [state.lastUptime] : []), ...cur(uptime)],
    [...(state.lastPid ? [state.lastPid] : []), ...cur(pid)],
  ).has(ts);

  let reset = restarted;
  const series: Record<string, SeriesState> = { ...state.series };
  for (const m of state.metrics) {
    const s = series[m];
    if (!s) continue;
    if (s.kind === 'derived') {
      const next = derivedSample(s, ev, ts, restarted);
      if (next) series[m] = next;
      continue;
    }
    const reason = ev.unavailable[m];
    const raw = ev.values[m];
    if (reason !== undefined) {
      const points = endsWithValue(s.points) && ts > lastTs(s.points) ? [...s.points, [ts, null] as ChartPoint] : s.points;
      series[m] = { ...s, points, unavailable: reason };
      continue;
    }
    if (raw === undefined || !Number.isFinite(raw)) continue;
    const point: Point = { ts, value: raw };
    const add: ChartPoint[] = [];
    let lastRaw: Point | undefined = point;
    if (s.kind === 'counter') {
      if (s.lastRaw) {
        const step = rateStep(s.lastRaw, point, restarted, LIVE_MAX_GAP_MS);
        if (step.kind === 'skip') lastRaw = s.lastRaw;
        else if (step.kind === 'rate') add.push([ts, step.value]);
        else {
          add.push([ts, null]);
          if (step.kind === 'reset') reset = true;
        }
      }
    } else {
      if (s.lastRaw && ts - s.lastRaw.ts > LIVE_MAX_GAP_MS) add.push([s.lastRaw.ts + 1, null]);
      add.push([ts, raw]);
    }
    // Points at or before what the backfill already holds are not plotted twice.
    const after = lastTs(s.points);
    const fresh = add.filter((p) => p[0] > after);
    series[m] = { ...s, points: fresh.length ? [...s.points, ...fresh] : s.points, lastRaw, unavailable: null };
  }

  const next: LiveState = {
    ...state,
    series,
    gaps: closeGaps(state.gaps, state.lastSampleTs, ts),
    lastSampleTs: Math.max(state.lastSampleTs ?? ts, ts),
    resets: reset && !state.resets.includes(ts) ? [...state.resets, ts] : state.resets,
    lastUptime: uptime !== undefined ? { ts, value: uptime } : state.lastUptime,
    lastPid: pid !== undefined ? { ts, value: pid } : state.lastPid,
    latestTs: Math.max(state.latestTs, ts),
  };
  return trim(next);
}

/** A derived series' next point, from its two inputs in this poll (absent inputs leave it as it was). */
function derivedSample(s: SeriesState, ev: SamplesEvent, ts: number, restarted: boolean): SeriesState | null {
  const def = derivedDef(s.metric)!;
  const [numId, denId] = def.inputs;
  const reason = ev.unavailable[numId] ?? ev.unavailable[denId];
  if (reason !== undefined) return { ...s, unavailable: reason, points: endsWithValue(s.points) && ts > lastTs(s.points) ? [...s.points, [ts, null]] : s.points };
  const num = ev.values[numId];
  const den = ev.values[denId];
  if (num === undefined || den === undefined || !Number.isFinite(num) || !Number.isFinite(den)) return null;
  const cur = { num: { ts, value: num }, den: { ts, value: den } };
  const step = derivedStep(def, s.lastInputs, cur, restarted, LIVE_MAX_GAP_MS);
  if (step.kind === 'skip') return { ...s, lastInputs: s.lastInputs ?? cur, unavailable: null };
  if (ts <= lastTs(s.points)) return { ...s, lastInputs: cur, unavailable: null };
  const point: ChartPoint = [ts, step.kind === 'value' ? step.value : null];
  return { ...s, points: [...s.points, point], lastInputs: cur, unavailable: null };
}

/**
 * The core reports a gap once, when it opens (`to` = the moment it noticed), and closes it in the store
 * at the next sample. Do the same live: the first sample after a gap that opened since the previous
 * sample stretches that gap to this sample, so the shaded area spans the whole outage.
 */
function closeGaps(gaps: readonly Gap[], prevSampleTs: number | undefined, ts: number): readonly Gap[] {
  if (prevSampleTs === undefined || !gaps.some((g) => g.from >= prevSampleTs && g.to < ts)) return gaps;
  return gaps.map((g) => (g.from >= prevSampleTs && g.to < ts ? { ...g, to: ts } : g));
}

/** A window when the node was unreachable: shaded on the charts, and no line is drawn across it. */
export function applyGap(state: LiveState, gap: Gap): LiveState {
  // The core may report a gap again as it grows (same start, later end): keep the latest.
  const gaps = [...state.gaps.filter((g) => g.from !== gap.from), gap].sort((a, b) => a.from - b.from);
  const series: Record<string, SeriesState> = { ...state.series };
  for (const m of state.metrics) {
    const s = series[m];
    // The core's gap usually starts at the last good sample: break just after it, so no line crosses the gap.
    const last = s ? lastTs(s.points) : Infinity;
    if (s && endsWithValue(s.points) && last <= gap.from) series[m] = { ...s, points: [...s.points, [Math.max(gap.from, last + 1), null]] };
  }
  return trim({ ...state, series, gaps, latestTs: Math.max(state.latestTs, gap.to) });
}

function endsWithValue(points: readonly ChartPoint[]): boolean {
  return points.length > 0 && points[points.length - 1]![1] !== null;
}

/** Drop what fell out of the window, so a page left open for a day stays as light as at start. */
export function trim(state: LiveState): LiveState {
  if (state.fixed) return state;
  const cutoff = state.latestTs - state.windowMs;
  const series: Record<string, SeriesState> = {};
  let changed = false;
  for (const [m, s] of Object.entries(state.series)) {
    let i = 0;
    // A leading null breaks nothing: drop it with the points that aged out.
    while (i < s.points.length && (s.points[i]![0] < cutoff || s.points[i]![1] === null)) i++;
    if (i > 0) {
      changed = true;
      series[m] = { ...s, points: s.points.slice(i) };
    } else series[m] = s;
  }
  const gaps = state.gaps.filter((g) => g.to >= cutoff);
  const resets = state.resets.filter((r) => r >= cutoff);
  if (!changed && gaps.length === state.gaps.length && resets.length === state.resets.length) return state;
  return { ...state, series: changed ? series : state.series, gaps, resets };
}
