import type { ChartPoint } from '../../../src-shared/domain/samples';

/**
 * Min/max-preserving downsampling (the "min-max" half of M4): the time range is cut into equal
 * buckets and each bucket keeps its lowest and highest point at their own times, so spikes and dips
 * survive at any zoom. A break (gap, restart) in a bucket is kept too, so a line never joins across
 * a gap: with breaks present each bucket may emit three points, and the bucket count shrinks to fit.
 */
export type DisplayPoint =
  | { kind: 'value'; ts: number; value: number }
  /** A rollup bucket of a gauge: its [min, max] envelope. */
  | { kind: 'range'; ts: number; lo: number; hi: number }
  | { kind: 'break'; ts: number };

function expand(points: readonly DisplayPoint[]): ChartPoint[] {
  const out: ChartPoint[] = [];
  for (const p of points) {
    if (p.kind === 'value') out.push([p.ts, p.value]);
    else if (p.kind === 'break') out.push([p.ts, null]);
    else if (p.lo === p.hi) out.push([p.ts, p.lo]);
    else out.push([p.ts, p.lo], [p.ts, p.hi]);
  }
  return out;
}

export function naturalSize(points: readonly DisplayPoint[]): number {
  let n = 0;
  for (const p of points) n += p.kind === 'range' && p.lo !== p.hi ? 2 : 1;
  return n;
}

export function downsampleMinMax(points: readonly DisplayPoint[], from: number, to: number, maxPoints: number): ChartPoint[] {
  if (naturalSize(points) <= maxPoints) return expand(points);
  const hasBreak = points.some((p) => p.kind === 'break');
  const k = Math.max(1, Math.floor(maxPoints / (hasBreak ? 3 : 2)));
  const width = (to - from + 1) / k;
  const minV = new Float64Array(k).fill(Infinity);
  const minT = new Float64Array(k);
  const maxV = new Float64Array(k).fill(-Infinity);
  const maxT = new Float64Array(k);
  const brk = new Float64Array(k).fill(NaN);
  const slot = (ts: number) => Math.min(k - 1, Math.max(0, Math.floor((ts - from) / width)));
  for (const p of points) {
    const b = slot(p.ts);
    if (p.kind === 'break') {
      if (Number.isNaN(brk[b]!)) brk[b] = p.ts;
      continue;
    }
    const lo = p.kind === 'value' ? p.value : p.lo;
    const hi = p.kind === 'value' ? p.value : p.hi;
    if (lo < minV[b]!) {
      minV[b] = lo;
      minT[b] = p.ts;
    }
    if (hi > maxV[b]!) {
      maxV[b] = hi;
      maxT[b] = p.ts;
    }
  }
  const out: ChartPoint[] = [];
  for (let b = 0; b < k; b++) {
    const pts: ChartPoint[] = [];
    if (minV[b]! !== Infinity) {
      pts.push([minT[b]!, minV[b]!]);
      if (maxT[b] !== minT[b] || maxV[b] !== minV[b]) pts.push([maxT[b]!, maxV[b]!]);
    }
    if (!Number.isNaN(brk[b]!)) pts.push([brk[b]!, null]);
    // Same time: min before max, values before the break.
    pts.sort((x, y) => x[0] - y[0] || (x[1] === null ? 1 : y[1] === null ? -1 : x[1] - y[1]));
    out.push(...pts);
  }
  return out;
}
