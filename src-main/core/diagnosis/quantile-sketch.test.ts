import fc from 'fast-check';
import { BaleenError } from '../../../src-shared/domain/errors';
import { QuantileSketch } from './quantile-sketch';

/** The value of rank ⌊q·(n−1)⌋ in sorted data: what the sketch's guarantee is stated against. */
function exact(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

const durations = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 10 }), fc.double({ min: 0.001, max: 1e7, noNaN: true })), { minLength: 1, maxLength: 400 });

describe('QuantileSketch (DDSketch)', () => {
  it('keeps every quantile within its relative accuracy of the exact rank value', () => {
    fc.assert(
      fc.property(durations, fc.constantFrom(0.01, 0.02, 0.05), (values, alpha) => {
        const s = new QuantileSketch(alpha);
        for (const v of values) s.add(v);
        const sorted = [...values].sort((a, b) => a - b);
        for (const q of [0, 0.1, 0.5, 0.9, 0.95, 0.99, 1]) {
          const want = exact(sorted, q);
          const got = s.quantile(q);
          expect(Math.abs(got - want)).toBeLessThanOrEqual(alpha * want + 1e-9);
        }
        expect(s.count).toBe(values.length);
        expect(s.min).toBe(sorted[0]);
        expect(s.max).toBe(sorted[sorted.length - 1]);
      }),
      { numRuns: 200 },
    );
  });

  it('merges exactly: merge(a, b) answers like one sketch fed a ∪ b', () => {
    fc.assert(
      fc.property(durations, durations, (a, b) => {
        const sa = new QuantileSketch();
        const sb = new QuantileSketch();
        const all = new QuantileSketch();
        for (const v of a) {
          sa.add(v);
          all.add(v);
        }
        for (const v of b) {
          sb.add(v);
          all.add(v);
        }
        sa.merge(sb);
        for (const q of [0, 0.25, 0.5, 0.95, 1]) expect(sa.quantile(q)).toBe(all.quantile(q));
        expect(sa.count).toBe(all.count);
        expect(sa.sum).toBeCloseTo(all.sum, 6);
      }),
      { numRuns: 100 },
    );
  });

  it('survives a JSON round trip (worker boundary) and refuses a forged one', () => {
    const s = new QuantileSketch();
    for (let i = 0; i < 1000; i++) s.add(i * 1.7);
    const back = QuantileSketch.fromJSON(JSON.parse(JSON.stringify(s.toJSON())) as ReturnType<QuantileSketch['toJSON']>);
    for (const q of [0, 0.5, 0.99]) expect(back.quantile(q)).toBe(s.quantile(q));
    const forged = { ...s.toJSON(), count: 5 };
    expect(() => QuantileSketch.fromJSON(forged)).toThrow(BaleenError);
    expect(() => QuantileSketch.fromJSON({ ...s.toJSON(), bins: [-1] })).toThrow(BaleenError);
  });

  it('stays bounded: with few bins, low values collapse but the high quantiles keep their accuracy', () => {
    const s = new QuantileSketch(0.01, 64);
    const values: number[] = [];
    for (let i = 0; i < 5000; i++) values.push(Math.exp((i % 500) / 20));
    for (const v of values) s.add(v);
    expect(s.toJSON().bins.length).toBeLessThanOrEqual(64);
    const sorted = values.sort((a, b) => a - b);
    for (const q of [0.95, 0.99, 1]) expect(Math.abs(s.quantile(q) - exact(sorted, q))).toBeLessThanOrEqual(0.01 * exact(sorted, q));
  });

  it('rejects values a duration cannot have, with a typed error', () => {
    const s = new QuantileSketch();
    for (const bad of [-1, NaN, Infinity]) expect(() => s.add(bad)).toThrow(BaleenError);
    expect(Number.isNaN(s.quantile(0.5))).toBe(true);
    expect(() => new QuantileSketch(0)).toThrow(BaleenError);
    expect(() => new QuantileSketch(0.01).merge(new QuantileSketch(0.02))).toThrow(BaleenError);
  });
});
