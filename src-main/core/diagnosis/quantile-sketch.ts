import { BaleenError } from '../../../src-shared/domain/errors';

/**
 * DDSketch (Masson, Rim & Lee, VLDB 2019) over non-negative values, e.g. durations in ms.
 *
 * Guarantee: for any quantile q, `quantile(q)` is within `relativeAccuracy` (default 1 %) of the
 * value of rank ⌊q·(n−1)⌋ in the exact sorted data, as long as no bins were collapsed. Bins are
 * logarithmic (γ = (1+α)/(1−α)); with the default α, 2048 bins span 1 µs .. 10^15 ms, so durations
 * never collapse in practice. If they must, the lowest bins are merged (the high quantiles we
 * report stay exact to α). Sketches with the same α merge exactly: merge(a, b) == sketch(a ∪ b).
 */
export interface QuantileSketchJSON {
  alpha: number;
  maxBins: number;
  count: number;
  zeroCount: number;
  sum: number;
  min: number;
  max: number;
  offset: number;
  bins: number[];
}

/** Values below this are counted as zero (a zero-duration operation is common: slowms 0). */
const MIN_INDEXABLE = 1e-9;

export class QuantileSketch {
  readonly alpha: number;
  readonly maxBins: number;
  private readonly gamma: number;
  private readonly lnGamma: number;
  private count_ = 0;
  private zeroCount = 0;
  private sum_ = 0;
  private min_ = Infinity;
  private max_ = -Infinity;
  /** Dense counts; bins[i] holds index offset + i. */
  private bins: number[] = [];
  private offset = 0;

  constructor(relativeAccuracy = 0.01, maxBins = 2048) {
    if (!(relativeAccuracy > 0 && relativeAccuracy < 1)) throw new BaleenError('E_INVALID_INPUT', `relative accuracy must be in (0, 1), got ${relativeAccuracy}`);
    if (!Number.isInteger(maxBins) || maxBins < 16) throw new BaleenError('E_INVALID_INPUT', `maxBins must be an integer ≥ 16, got ${maxBins}`);
    this.alpha = relativeAccuracy;
    this.maxBins = maxBins;
    this.gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.lnGamma = Math.log(this.gamma);
  }

  get count(): number {
    return this.count_;
  }
  get sum(): number {
    return this.sum_;
  }
  get min(): number {
    return this.count_ === 0 ? NaN : this.min_;
  }
  get max(): number {
    return this.count_ === 0 ? NaN : this.max_;
  }

  /** Adds a value `weight` times. Negative and non-finite values are refused: a duration cannot be. */
  add(value: number, weight = 1): void {
    if (!Number.isFinite(value) || value < 0) throw new BaleenError('E_INVALID_INPUT', `sketch values must be finite and ≥ 0, got ${value}`);
    if (!(weight > 0)) return;
    this.count_ += weight;
    this.sum_ += value * weight;
    if (value < this.min_) this.min_ = value;
    if (value > this.max_) this.max_ = value;
    if (value < MIN_INDEXABLE) {
      this.zeroCount += weight;
      return;
    }
    this.addToBin(Math.ceil(Math.log(value) / this.lnGamma), weight);
  }

  private addToBin(index: number, weight: number): void {
    const bins = this.bins;
    if (bins.length === 0) {
      this.offset = index;
      bins.push(weight);
      return;
    }
    if (index < this.offset) {
      // Grow downwards, unless that would exceed maxBins: then the value joins the lowest bin.
      const grow = this.offset - index;
      if (bins.length + grow > this.maxBins) {
        const room = this.maxBins - bins.length;
        if (room > 0) {
          bins.unshift(...new Array<number>(room).fill(0));
          this.offset -= room;
        }
        bins[0]! += weight;
        return;
      }
      bins.unshift(...new Array<number>(grow).fill(0));
      this.offset = index;
      bins[0]! += weight;
      return;
    }
    let i = index - this.offset;
    if (i >= bins.length) {
      const needed = i + 1;
      if (needed > this.maxBins) this.collapseLowest(needed - this.maxBins);
      i = index - this.offset;
      while (bins.length <= i) bins.push(0);
    }
    bins[i]! += weight;
  }

  /** Merges the `n` lowest bins into the next one so high bins fit. */
  private collapseLowest(n: number): void {
    const bins = this.bins;
    const k = Math.min(n, bins.length - 1);
    let folded = 0;
    for (let j = 0; j < k; j++) folded += bins[j]!;
    bins.splice(0, k);
    bins[0]! += folded;
    this.offset += k;
  }

  /** The estimated value at quantile q ∈ [0, 1]; NaN when empty. */
  quantile(q: number): number {
    if (this.count_ === 0 || !(q >= 0 && q <= 1)) return NaN;
    const rank = q * (this.count_ - 1);
    let seen = this.zeroCount;
    if (rank < seen) return 0;
    const bins = this.bins;
    for (let i = 0; i < bins.length; i++) {
      seen += bins[i]!;
      if (seen > rank) {
        const v = (2 * Math.pow(this.gamma, this.offset + i)) / (this.gamma + 1);
        return Math.min(Math.max(v, this.min_), this.max_);
      }
    }
    return this.max_;
  }

  /** Adds every value of `other` into this sketch. Both must share α. */
  merge(other: QuantileSketch): void {
    if (other.alpha !== this.alpha) throw new BaleenError('E_INVALID_INPUT', `cannot merge sketches with different accuracy (${this.alpha} vs ${other.alpha})`);
    if (other.count_ === 0) return;
    this.count_ += other.count_;
    this.zeroCount += other.zeroCount;
    this.sum_ += other.sum_;
    if (other.min_ < this.min_) this.min_ = other.min_;
    if (other.max_ > this.max_) this.max_ = other.max_;
    for (let i = 0; i < other.bins.length; i++) {
      const w = other.bins[i]!;
      if (w > 0) this.addToBin(other.offset + i, w);
    }
  }

  toJSON(): QuantileSketchJSON {
    return {
      alpha: this.alpha,
      maxBins: this.maxBins,
      count: this.count_,
      zeroCount: this.zeroCount,
      sum: this.sum_,
      min: this.count_ === 0 ? 0 : this.min_,
      max: this.count_ === 0 ? 0 : this.max_,
      offset: this.offset,
      bins: this.bins.slice(),
    };
  }

  /** Rebuilds a sketch sent across a worker boundary; refuses anything inconsistent. */
  static fromJSON(j: QuantileSketchJSON): QuantileSketch {
    const s = new QuantileSketch(j.alpha, j.maxBins);
    const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
    if (!finite(j.count) || !finite(j.zeroCount) || !finite(j.sum) || !finite(j.min) || !finite(j.max) || !Number.isInteger(j.offset) || !Array.isArray(j.bins) || j.bins.length > j.maxBins) {
      throw new BaleenError('E_PARSE', 'invalid quantile sketch');
    }
    let total = j.zeroCount;
    for (const b of j.bins) {
      if (!finite(b) || b < 0) throw new BaleenError('E_PARSE', 'invalid quantile sketch bin');
      total += b;
    }
    if (Math.abs(total - j.count) > 1e-6 * Math.max(1, j.count)) throw new BaleenError('E_PARSE', 'quantile sketch counts do not add up');
    s.count_ = j.count;
    s.zeroCount = j.zeroCount;
    s.sum_ = j.sum;
    s.min_ = j.count === 0 ? Infinity : j.min;
    s.max_ = j.count === 0 ? -Infinity : j.max;
    s.offset = j.offset;
    s.bins = j.bins.slice();
    return s;
  }
}
