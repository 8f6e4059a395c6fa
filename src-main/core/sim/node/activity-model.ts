import { hashString, unit3 } from './seeded-random';

/** Per-second increments wander by ±jitter around the configured rate (0.3 → 70 %..130 %). */
export const DEFAULT_JITTER = 0.3;

const BUCKET_MS = 1000;

interface CounterState {
  readonly key: number;
  perSecond: number;
  jitter: number;
  /** Time up to which `value` has been integrated. */
  atMs: number;
  value: number;
}

/**
 * Monotonic counters driven by simulated time. Each counter's increment over simulated second `b`
 * is `rate × (1 + jitter × noise(seed, counter, b))`, so a value is a pure function of the seed,
 * the rate history and the time: reading often or rarely gives the same numbers. Values are
 * integrated forward incrementally (amortised O(1) per read; a clock jump of N seconds costs O(N)).
 */
export class CounterBank {
  private readonly counters = new Map<string, CounterState>();

  constructor(
    private readonly seed: number,
    private readonly originMs: number,
  ) {}

  define(id: string, perSecond: number, jitter = DEFAULT_JITTER): void {
    checkRate(id, perSecond);
    this.counters.set(id, { key: hashString(id), perSecond, jitter: clampJitter(jitter), atMs: this.originMs, value: 0 });
  }

  has(id: string): boolean {
    return this.counters.has(id);
  }

  ids(): string[] {
    return [...this.counters.keys()];
  }

  /** Change a rate from `atMs` on; what was counted before stays counted. */
  setRate(id: string, perSecond: number, atMs: number): void {
    checkRate(id, perSecond);
    const c = this.state(id);
    this.advance(c, atMs);
    c.perSecond = perSecond;
  }

  rate(id: string): number {
    return this.state(id).perSecond;
  }

  /** The counter at `atMs` as a real number (never decreasing). */
  value(id: string, atMs: number): number {
    const c = this.state(id);
    this.advance(c, atMs);
    return c.value;
  }

  /** The counter at `atMs` as the integer a server would report. */
  count(id: string, atMs: number): number {
    return Math.floor(this.value(id, atMs));
  }

  private state(id: string): CounterState {
    const c = this.counters.get(id);
    if (c === undefined) throw new Error(`simulator counter "${id}" is not defined`);
    return c;
  }

  private advance(c: CounterState, toMs: number): void {
    // A read "in the past" (a clock that went backwards) sees the last value: counters never go down.
    if (!(toMs > c.atMs)) return;
    if (c.perSecond === 0) {
      c.atMs = toMs;
      return;
    }
    let t = c.atMs;
    let acc = 0;
    // Step by bucket index, not by recomputing the bucket from t: with a fractional origin (monotonic
    // clocks are) rounding can put a bucket's end exactly on t, and recomputing would never move on.
    for (let bucket = Math.floor((t - this.originMs) / BUCKET_MS); t < toMs; bucket++) {
      const end = Math.min(toMs, Math.max(t, this.originMs + (bucket + 1) * BUCKET_MS));
      const noise = 2 * unit3(this.seed, c.key, bucket) - 1;
      acc += ((end - t) / BUCKET_MS) * c.perSecond * (1 + c.jitter * noise);
      t = end;
    }
    c.value += acc;
    c.atMs = toMs;
  }
}

interface GaugeDef {
  readonly key: number;
  min: number;
  max: number;
  periodMs: number;
}

/**
 * Gauges that wander smoothly inside [min, max]: smooth value noise (cosine-interpolated seeded knots,
 * a slow and a fast octave). Stateless: a gauge's value is a pure function of the seed and the time.
 */
export class GaugeBank {
  private readonly gauges = new Map<string, GaugeDef>();

  constructor(
    private readonly seed: number,
    private readonly originMs: number,
  ) {}

  define(id: string, min: number, max: number, periodMs = 60_000): void {
    if (!(Number.isFinite(min) && Number.isFinite(max) && min <= max)) throw new RangeError(`gauge "${id}": bad range [${min}, ${max}]`);
    if (!(periodMs > 0)) throw new RangeError(`gauge "${id}": period must be > 0`);
    this.gauges.set(id, { key: hashString(id), min, max, periodMs });
  }

  setRange(id: string, min: number, max: number): void {
    const g = this.def(id);
    if (!(Number.isFinite(min) && Number.isFinite(max) && min <= max)) throw new RangeError(`gauge "${id}": bad range [${min}, ${max}]`);
    g.min = min;
    g.max = max;
  }

  value(id: string, atMs: number): number {
    const g = this.def(id);
    const t = Math.max(0, atMs - this.originMs);
    const slow = this.smooth(g.key, t / g.periodMs, 0);
    const fast = this.smooth(g.key, (t * 5) / g.periodMs, 1);
    return g.min + (g.max - g.min) * (0.75 * slow + 0.25 * fast);
  }

  private def(id: string): GaugeDef {
    const g = this.gauges.get(id);
    if (g === undefined) throw new Error(`simulator gauge "${id}" is not defined`);
    return g;
  }

  private smooth(key: number, x: number, octave: number): number {
    const k = Math.floor(x);
    const f = x - k;
    const a = unit3(this.seed ^ (octave * 0x632be5ab), key, k);
    const b = unit3(this.seed ^ (octave * 0x632be5ab), key, k + 1);
    const s = (1 - Math.cos(Math.PI * f)) / 2;
    return a + (b - a) * s;
  }
}

function checkRate(id: string, perSecond: number): void {
  if (!(Number.isFinite(perSecond) && perSecond >= 0)) throw new RangeError(`counter "${id}": rate must be a finite number ≥ 0, got ${perSecond}`);
}

function clampJitter(j: number): number {
  // Above 1 an increment could be negative and the counter would go down.
  return Number.isFinite(j) ? Math.min(0.95, Math.max(0, j)) : DEFAULT_JITTER;
}
