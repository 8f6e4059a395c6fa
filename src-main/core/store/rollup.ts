import { rateStep } from '../../../src-shared/domain/metrics/rates';
import type { Point } from '../../../src-shared/domain/samples';
import type { TierColumns } from './chunk-codec';

/**
 * Rollup tiers. Tier 1 keeps one bucket per minute, stored one hour (a window) per row; tier 2 one
 * bucket per hour, one day per row, so a tier-1 window is exactly one tier-2 bucket.
 *
 * A bucket keeps what lets a chart derive its values exactly, for any kind of metric:
 * - count, min, max, sum of the raw values (gauges: min/max/avg);
 * - inc, incDt, resets: for counters, the sum of increases over the steps the shared rate function
 *   (rates.ts `rateStep`) calls a rate, the sum of those steps' durations, and how many steps were
 *   resets. inc·1000/incDt is then exactly the time-weighted mean of the raw rates in the bucket, and
 *   every aggregate is additive, so tier 2 is derived from tier 1 exactly and buckets merge.
 * A step belongs to the bucket of its later sample (as a rate point is stamped at its later sample),
 * so a window's rollup reads the sample before the window too. An empty bucket is not stored: a gap
 * stays a gap, never a zero.
 */
export const TIER = {
  1: { bucketMs: 60_000, windowMs: 3_600_000 },
  2: { bucketMs: 3_600_000, windowMs: 86_400_000 },
} as const;
export type Tier = keyof typeof TIER;

export const windowOf = (tier: Tier, ts: number): number => Math.floor(ts / TIER[tier].windowMs) * TIER[tier].windowMs;

/** Samples further apart than this many typical intervals are not joined (a chart line, a rate step). */
const GAP_FACTOR = 3;

/** max(2 s, 3 × the median interval) of a run of sample times; Infinity for fewer than 3 samples. */
export function gapThresholdOf(ts: ArrayLike<number>, n: number): number {
  if (n < 3) return Infinity;
  const dts = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) dts[i - 1] = ts[i]! - ts[i - 1]!;
  dts.sort();
  return Math.max(2000, GAP_FACTOR * dts[Math.floor(dts.length / 2)]!);
}

export interface SampleRun {
  n: number;
  ts: ArrayLike<number>;
  vals: ArrayLike<number>;
}

export interface RollupOptions {
  /** Compute inc/incDt/resets (everything not known to be a gauge). */
  counter: boolean;
  /** Sample times right after a process restart (detectRestarts over uptime and pid). */
  restarts?: ReadonlySet<number>;
  maxGapMs?: number;
}

function emptyColumns(n: number): TierColumns {
  return {
    n: 0,
    ts: new Float64Array(n),
    count: new Float64Array(n),
    min: new Float64Array(n),
    max: new Float64Array(n),
    sum: new Float64Array(n),
    inc: new Float64Array(n),
    incDt: new Float64Array(n),
    resets: new Float64Array(n),
  };
}

/**
 * Buckets of `bucketMs` for the samples in [windowStart, windowEnd). `run` is in time order and may
 * start before the window (the previous sample, for the first step). Returns null when no sample
 * falls in the window.
 */
export function rollupSamples(run: SampleRun, windowStart: number, windowEnd: number, bucketMs: number, opts: RollupOptions): TierColumns | null {
  const slots = Math.ceil((windowEnd - windowStart) / bucketMs);
  const c = emptyColumns(slots);
  const used = new Uint8Array(slots);
  const prev: Point = { ts: 0, value: 0 };
  const cur: Point = { ts: 0, value: 0 };
  let havePrev = false;
  let any = false;
  for (let i = 0; i < run.n; i++) {
    const t = run.ts[i]!;
    const v = run.vals[i]!;
    if (t >= windowEnd) break;
    const inWindow = t >= windowStart;
    const b = inWindow ? Math.floor((t - windowStart) / bucketMs) : -1;
    if (inWindow) {
      any = true;
      if (used[b] === 0) {
        used[b] = 1;
        c.ts[b] = windowStart + b * bucketMs;
        c.min[b] = v;
        c.max[b] = v;
      } else {
        if (v < c.min[b]!) c.min[b] = v;
        if (v > c.max[b]!) c.max[b] = v;
      }
      c.count[b]! += 1;
      c.sum[b]! += v;
    }
    if (!opts.counter) continue;
    if (!havePrev) {
      prev.ts = t;
      prev.value = v;
      havePrev = true;
      continue;
    }
    cur.ts = t;
    cur.value = v;
    // The same fold as counterRates: a skipped step (time not advancing) keeps the previous sample.
    const step = rateStep(prev, cur, opts.restarts?.has(t) ?? false, opts.maxGapMs);
    if (step.kind === 'skip') continue;
    if (inWindow) {
      if (step.kind === 'rate') {
        c.inc[b]! += v - prev.value;
        c.incDt[b]! += t - prev.ts;
      } else if (step.kind === 'reset') c.resets[b]! += 1;
    }
    prev.ts = t;
    prev.value = v;
  }
  if (!any) return null;
  return compact(c, used);
}

function compact(c: TierColumns, used: Uint8Array): TierColumns {
  let n = 0;
  for (let b = 0; b < used.length; b++) {
    if (!used[b]) continue;
    if (n !== b) {
      c.ts[n] = c.ts[b]!;
      c.count[n] = c.count[b]!;
      c.min[n] = c.min[b]!;
      c.max[n] = c.max[b]!;
      c.sum[n] = c.sum[b]!;
      c.inc[n] = c.inc[b]!;
      c.incDt[n] = c.incDt[b]!;
      c.resets[n] = c.resets[b]!;
    }
    n++;
  }
  return {
    n,
    ts: c.ts.subarray(0, n),
    count: c.count.subarray(0, n),
    min: c.min.subarray(0, n),
    max: c.max.subarray(0, n),
    sum: c.sum.subarray(0, n),
    inc: c.inc.subarray(0, n),
    incDt: c.incDt.subarray(0, n),
    resets: c.resets.subarray(0, n),
  };
}

export interface Bucket {
  ts: number;
  count: number;
  min: number;
  max: number;
  sum: number;
  inc: number;
  incDt: number;
  resets: number;
}

/** Folds finer buckets (in time order) into buckets of `bucketMs`: every aggregate is additive. */
export function combineBuckets(parts: readonly Bucket[], bucketMs: number): Bucket[] {
  const out: Bucket[] = [];
  let cur: Bucket | undefined;
  for (const p of parts) {
    const ts = Math.floor(p.ts / bucketMs) * bucketMs;
    if (cur?.ts !== ts) {
      cur = { ts, count: 0, min: Infinity, max: -Infinity, sum: 0, inc: 0, incDt: 0, resets: 0 };
      out.push(cur);
    }
    cur.count += p.count;
    if (p.min < cur.min) cur.min = p.min;
    if (p.max > cur.max) cur.max = p.max;
    cur.sum += p.sum;
    cur.inc += p.inc;
    cur.incDt += p.incDt;
    cur.resets += p.resets;
  }
  return out;
}

export function bucketsOf(c: Partial<TierColumns> & { ts: Float64Array; n: number }): Bucket[] {
  const out: Bucket[] = new Array<Bucket>(c.n);
  for (let i = 0; i < c.n; i++) {
    out[i] = {
      ts: c.ts[i]!,
      count: c.count?.[i] ?? 0,
      min: c.min?.[i] ?? 0,
      max: c.max?.[i] ?? 0,
      sum: c.sum?.[i] ?? 0,
      inc: c.inc?.[i] ?? 0,
      incDt: c.incDt?.[i] ?? 0,
      resets: c.resets?.[i] ?? 0,
    };
  }
  return out;
}

export function columnsOf(buckets: readonly Bucket[]): TierColumns {
  const c = emptyColumns(buckets.length);
  buckets.forEach((b, i) => {
    c.ts[i] = b.ts;
    c.count[i] = b.count;
    c.min[i] = b.min;
    c.max[i] = b.max;
    c.sum[i] = b.sum;
    c.inc[i] = b.inc;
    c.incDt[i] = b.incDt;
    c.resets[i] = b.resets;
  });
  c.n = buckets.length;
  return c;
}
