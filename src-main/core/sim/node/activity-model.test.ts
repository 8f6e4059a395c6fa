import fc from 'fast-check';
import { CounterBank, GaugeBank } from './activity-model';

describe('CounterBank: counters advance with the configured rates', () => {
  it('accumulates rate × elapsed time, within the jitter, and stays put at rate 0', () => {
    const bank = new CounterBank(7, 1_000);
    bank.define('insert', 100);
    bank.define('idle', 0);
    expect(bank.count('insert', 500)).toBe(0);
    expect(bank.count('insert', 1_000)).toBe(0);
    // 60 s of ±30 % uniform per-second noise: σ ≈ 134 around 6 000, so ±10 % is a 4σ band.
    expect(bank.count('insert', 1_000 + 60_000)).toBeGreaterThan(5_400);
    expect(bank.count('insert', 1_000 + 60_000)).toBeLessThan(6_600);
    expect(bank.count('insert', 1_000 + 3_600_000)).toBeGreaterThan(360_000 * 0.97);
    expect(bank.count('insert', 1_000 + 3_600_000)).toBeLessThan(360_000 * 1.03);
    expect(bank.count('idle', 1_000 + 3_600_000)).toBe(0);
  });

  it('has real per-second noise: increments differ, but average to the rate', () => {
    const bank = new CounterBank(3, 0);
    bank.define('q', 50);
    const inc: number[] = [];
    let prev = 0;
    for (let s = 1; s <= 600; s++) {
      const v = bank.value('q', s * 1000);
      inc.push(v - prev);
      prev = v;
    }
    const mean = inc.reduce((a, b) => a + b, 0) / inc.length;
    const sd = Math.sqrt(inc.reduce((a, b) => a + (b - mean) ** 2, 0) / inc.length);
    expect(mean).toBeGreaterThan(48);
    expect(mean).toBeLessThan(52);
    // Uniform ±30 % has σ = 50 × 0.3 / √3 ≈ 8.7.
    expect(sd).toBeGreaterThan(6);
    expect(sd).toBeLessThan(11);
    expect(Math.min(...inc)).toBeGreaterThanOrEqual(50 * 0.7 - 1e-9);
    expect(Math.max(...inc)).toBeLessThanOrEqual(50 * 1.3 + 1e-9);
  });

  it('is deterministic per seed and does not depend on how often it is read', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 120_000 }), { maxLength: 30 }), fc.integer({ min: 0, max: 2 ** 31 }), (reads, seed) => {
        const often = new CounterBank(seed, 0);
        const once = new CounterBank(seed, 0);
        often.define('c', 37.5);
        once.define('c', 37.5);
        let last = 0;
        for (const t of [...reads].sort((a, b) => a - b)) {
          const v = often.value('c', t);
          expect(v).toBeGreaterThanOrEqual(last);
          last = v;
        }
        expect(often.value('c', 120_000)).toBeCloseTo(once.value('c', 120_000), 6);
      }),
      { numRuns: 100 },
    );
    const a = new CounterBank(1, 0);
    const b = new CounterBank(2, 0);
    a.define('c', 100);
    b.define('c', 100);
    expect(a.value('c', 10_000)).not.toBe(b.value('c', 10_000));
  });

  it('never goes down, even when asked about an earlier time', () => {
    const bank = new CounterBank(1, 0);
    bank.define('c', 10);
    const later = bank.value('c', 50_000);
    expect(bank.value('c', 10_000)).toBe(later);
  });

  it('keeps what was counted when the rate changes', () => {
    const bank = new CounterBank(9, 0);
    bank.define('c', 10);
    bank.setRate('c', 1_000, 100_000);
    const v = bank.value('c', 200_000);
    expect(v).toBeGreaterThan(1_000 * 0.9 + 100_000 * 0.97);
    expect(v).toBeLessThan(1_000 * 1.1 + 100_000 * 1.03);
    expect(() => bank.setRate('c', -1, 200_000)).toThrow(RangeError);
    expect(() => bank.define('d', Number.NaN)).toThrow(RangeError);
    expect(() => bank.value('nope', 0)).toThrow(/not defined/);
  });
});

describe('GaugeBank: gauges wander plausibly', () => {
  it('stays inside its range, moves, and moves smoothly', () => {
    const g = new GaugeBank(5, 0);
    g.define('resident', 1_000, 1_200, 60_000);
    const values: number[] = [];
    for (let s = 0; s <= 3_600; s++) values.push(g.value('resident', s * 1000));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(1_000);
    expect(Math.max(...values)).toBeLessThanOrEqual(1_200);
    // It wanders over an hour...
    expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(50);
    // ...without jumping from one second to the next.
    const steps = values.slice(1).map((v, i) => Math.abs(v - values[i]!));
    expect(Math.max(...steps)).toBeLessThan(200 * 0.1);
    const same = new GaugeBank(5, 0);
    const other = new GaugeBank(6, 0);
    same.define('resident', 1_000, 1_200, 60_000);
    other.define('resident', 1_000, 1_200, 60_000);
    expect(same.value('resident', 1_234_567)).toBe(g.value('resident', 1_234_567));
    expect(other.value('resident', 1_234_567)).not.toBe(g.value('resident', 1_234_567));
  });

  it('rejects bad ranges', () => {
    const g = new GaugeBank(1, 0);
    expect(() => g.define('x', 2, 1)).toThrow(RangeError);
    expect(() => g.define('x', 0, 1, 0)).toThrow(RangeError);
  });
});

describe('CounterBank with a fractional origin (monotonic clocks)', () => {
  it('always finishes advancing, even when a bucket end rounds onto the read time', () => {
    // Found by search: with this origin, origin + 62421 × 1000 rounds to exactly t.
    const origin = 5638092.8810452;
    const t = 68059092.88104519;
    const bank = new CounterBank(1, origin);
    bank.define('x', 10, 0);
    expect(bank.value('x', t)).toBeCloseTo(((t - origin) / 1000) * 10, 6);
    expect(bank.value('x', t + 2500)).toBeCloseTo(((t + 2500 - origin) / 1000) * 10, 6);
  });

  it('finishes for any fractional origin and read times (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.array(fc.double({ min: 0, max: 5e4, noNaN: true }), { maxLength: 20 }), (origin, steps) => {
        const bank = new CounterBank(3, origin);
        bank.define('x', 5, 0);
        let at = origin;
        for (const s of steps) {
          at += s;
          expect(bank.value('x', at)).toBeCloseTo(((at - origin) / 1000) * 5, 3);
        }
      }),
    );
  });
});
