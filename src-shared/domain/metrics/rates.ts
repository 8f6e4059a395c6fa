import type { ChartPoint, Point } from '../samples';

/**
 * The one function that turns raw counter samples into per-second rates, used alike by the store's
 * queries, the live charts and (later) FTDC and rollups. A restart (uptime going down or the pid
 * changing) or a counter that went backwards is a reset: the line breaks there, never a negative rate.
 */
export interface RateOptions {
  /** Timestamps of samples taken just after a restart (see detectRestarts). */
  restarts?: ReadonlySet<number>;
  /** Consecutive samples further apart than this are not joined (a gap). */
  maxGapMs?: number;
}

export type RateStep = { kind: 'rate'; value: number } | { kind: 'reset' } | { kind: 'gap' } | { kind: 'skip' };

/** One step of the rate fold: from the previous raw sample to the current one. */
export function rateStep(prev: Point, cur: Point, restarted: boolean, maxGapMs = Infinity): RateStep {
  const dt = cur.ts - prev.ts;
  if (dt <= 0) return { kind: 'skip' };
  if (restarted || cur.value < prev.value) return { kind: 'reset' };
  if (dt > maxGapMs) return { kind: 'gap' };
  return { kind: 'rate', value: ((cur.value - prev.value) * 1000) / dt };
}

export interface RateResult {
  points: ChartPoint[];
  /** Timestamps where a reset was detected. */
  resets: number[];
}

export function counterRates(points: readonly Point[], opts: RateOptions = {}): RateResult {
  const out: ChartPoint[] = [];
  const resets: number[] = [];
  let prev: Point | undefined;
  for (const cur of points) {
    if (prev === undefined) {
      prev = cur;
      continue;
    }
    const step = rateStep(prev, cur, opts.restarts?.has(cur.ts) ?? false, opts.maxGapMs);
    if (step.kind === 'skip') continue;
    if (step.kind === 'rate') out.push([cur.ts, step.value]);
    else {
      out.push([cur.ts, null]);
      if (step.kind === 'reset') resets.push(cur.ts);
    }
    prev = cur;
  }
  return { points: out, resets };
}

/** Timestamps at which the process restarted: uptime went down, or the pid changed. */
export function detectRestarts(uptime: readonly Point[], pid: readonly Point[]): Set<number> {
  const out = new Set<number>();
  for (const series of [uptime, pid]) {
    for (let i = 1; i < series.length; i++) {
      const a = series[i - 1]!;
      const b = series[i]!;
      if (series === uptime ? b.value < a.value : b.value !== a.value) out.add(b.ts);
    }
  }
  return out;
}

/** Gauges are charted as they are, with a break across gaps. */
export function gaugePoints(points: readonly Point[], maxGapMs = Infinity): ChartPoint[] {
  const out: ChartPoint[] = [];
  let prev: Point | undefined;
  for (const p of points) {
    if (prev !== undefined && p.ts - prev.ts > maxGapMs) out.push([prev.ts + 1, null]);
    out.push([p.ts, p.value]);
    prev = p;
  }
  return out;
}
