import type { ChartPoint, Point } from '../samples';
import type { DerivedDef } from './catalogue';
import { counterRates, gaugePoints, rateStep, type RateOptions } from './rates';

/**
 * THE evaluation of derived series (catalogue DERIVED), used by the store's query path, rollup
 * tiers and the live charts alike, so a ratio is computed one way everywhere:
 * - counterRatio: Δnum/Δden per step, each step judged by the shared `rateStep` (a restart, a
 *   counter going back, or a gap breaks the line); a step with Δden = 0 has no ratio (a break,
 *   never a zero or an infinity);
 * - gaugeRatio: num/den at each sample; den ≤ 0 has no ratio.
 */
export function derivedPoints(def: Pick<DerivedDef, 'formula' | 'scale'>, num: readonly Point[], den: readonly Point[], opts: RateOptions = {}): ChartPoint[] {
  return def.formula === 'counterRatio' ? counterRatio(num, den, def.scale, opts) : gaugeRatio(num, den, def.scale, opts.maxGapMs);
}

function counterRatio(num: readonly Point[], den: readonly Point[], scale: number, opts: RateOptions): ChartPoint[] {
  const a = new Map(counterRates(num, opts).points);
  const out: ChartPoint[] = [];
  for (const [ts, d] of counterRates(den, opts).points) {
    const n = a.get(ts);
    // Rates share their step's duration when both come from one poll, so their ratio is Δnum/Δden.
    out.push([ts, n === undefined || n === null || d === null || !(d > 0) ? null : (n / d) * scale]);
  }
  return out;
}

function gaugeRatio(num: readonly Point[], den: readonly Point[], scale: number, maxGapMs = Infinity): ChartPoint[] {
  const d = new Map(den.map((p) => [p.ts, p.value]));
  const joined: Point[] = [];
  for (const p of num) {
    const v = d.get(p.ts);
    if (v !== undefined && v > 0 && Number.isFinite(p.value)) joined.push({ ts: p.ts, value: (p.value / v) * scale });
  }
  return gaugePoints(joined, maxGapMs);
}

/** What a rollup bucket keeps (store/rollup.ts Bucket): enough to derive a ratio exactly. */
export interface BucketAggregates {
  ts: number;
  count: number;
  sum: number;
  inc: number;
  incDt: number;
}

/**
 * The same ratios from rollup buckets: counterRatio = Σinc(num)/Σinc(den) of the bucket (the exact
 * ratio of the increases the rate function accepted), gaugeRatio = mean(num)/mean(den).
 */
export function derivedFromBuckets(def: Pick<DerivedDef, 'formula' | 'scale'>, num: readonly BucketAggregates[], den: readonly BucketAggregates[]): ChartPoint[] {
  const byTs = new Map(num.map((b) => [b.ts, b]));
  const out: ChartPoint[] = [];
  for (const b of den) {
    const a = byTs.get(b.ts);
    if (!a) continue;
    if (def.formula === 'counterRatio') out.push([b.ts, b.inc > 0 && a.incDt > 0 ? (a.inc / b.inc) * def.scale : null]);
    else {
      const dm = b.count > 0 ? b.sum / b.count : 0;
      out.push([b.ts, a.count > 0 && dm > 0 ? (a.sum / a.count / dm) * def.scale : null]);
    }
  }
  return out;
}

export type DerivedStep = { kind: 'value'; value: number } | { kind: 'break' } | { kind: 'skip' };

/** One live step: from the previous raw inputs to the current ones (null where a value is missing). */
export function derivedStep(
  def: Pick<DerivedDef, 'formula' | 'scale'>,
  prev: { num: Point; den: Point } | undefined,
  cur: { num: Point; den: Point },
  restarted: boolean,
  maxGapMs = Infinity,
): DerivedStep {
  if (def.formula === 'gaugeRatio') return cur.den.value > 0 ? { kind: 'value', value: (cur.num.value / cur.den.value) * def.scale } : { kind: 'break' };
  if (!prev) return { kind: 'skip' };
  const a = rateStep(prev.num, cur.num, restarted, maxGapMs);
  const b = rateStep(prev.den, cur.den, restarted, maxGapMs);
  if (a.kind === 'skip' || b.kind === 'skip') return { kind: 'skip' };
  if (a.kind !== 'rate' || b.kind !== 'rate' || !(b.value > 0)) return { kind: 'break' };
  return { kind: 'value', value: (a.value / b.value) * def.scale };
}
