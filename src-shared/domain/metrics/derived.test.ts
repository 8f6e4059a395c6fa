import fc from 'fast-check';
import { CATALOGUE, CORE_GROUPS, DERIVED, derivedDef, metricDef, NS_TEMPLATES, splitNamespaced } from './catalogue';
import { derivedFromBuckets, derivedPoints, derivedStep } from './derived';
import { detectRestarts } from './rates';

const pts = (...vs: [number, number][]) => vs.map(([ts, value]) => ({ ts, value }));
const targeting = derivedDef('derived.queryTargeting.keysPerReturned')!;
const dirty = derivedDef('derived.cache.dirtyPercent')!;
const readLatency = derivedDef('derived.latency.reads')!;

describe('the catalogue', () => {
  it('covers the 17 groups of the ancestor platform, each with at least one series', () => {
    expect(CORE_GROUPS).toHaveLength(17);
    const groups = new Set([...CATALOGUE, ...NS_TEMPLATES, ...DERIVED].map((m) => m.group));
    expect(CORE_GROUPS.filter((g) => !groups.has(g))).toEqual([]);
  });

  it('names every derived input as a stored metric, and ids are unique', () => {
    for (const d of DERIVED) for (const i of d.inputs) expect(metricDef(i), `${d.id} ← ${i}`).toBeDefined();
    const ids = [...CATALOGUE, ...NS_TEMPLATES].map((m) => m.id).concat(DERIVED.map((d) => d.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('resolves namespaced instances to their template, keeping the instance id', () => {
    expect(splitNamespaced('top.readLock.time@shop.orders.archive')).toEqual({ template: 'top.readLock.time', ns: 'shop.orders.archive' });
    expect(metricDef('top.readLock.time@shop.orders')).toMatchObject({ id: 'top.readLock.time@shop.orders', kind: 'counter', unit: 'us', source: 'top' });
    expect(metricDef('dbStats.dataSize@shop')?.kind).toBe('gauge');
    expect(metricDef('nope.dataSize@shop')).toBeUndefined();
    expect(metricDef('top.readLock.time@')).toBeUndefined();
  });
});

describe('derived series (hand-computed)', () => {
  it('query targeting is Δscanned / Δreturned per step', () => {
    const scanned = pts([0, 1000], [1000, 1900], [2000, 2900], [3000, 3000]);
    const returned = pts([0, 100], [1000, 190], [2000, 290], [3000, 290]);
    // (1900-1000)/(190-100) = 10, (2900-1900)/(290-190) = 10, then no document returned: no ratio.
    expect(derivedPoints(targeting, scanned, returned)).toEqual([
      [1000, 10],
      [2000, 10],
      [3000, null],
    ]);
  });

  it('latency per op is Δlatency / Δops, and a restart breaks it (never a negative latency)', () => {
    const latency = pts([0, 50_000], [1000, 52_300], [2000, 100], [3000, 2400]);
    const ops = pts([0, 500], [1000, 510], [2000, 1], [3000, 11]);
    const uptime = pts([0, 9000], [1000, 10_000], [2000, 500], [3000, 1500]);
    expect(derivedPoints(readLatency, latency, ops, { restarts: detectRestarts(uptime, []) })).toEqual([
      [1000, 230],
      [2000, null],
      [3000, 230],
    ]);
  });

  it('cache dirty % is dirty / configured × 100 at each sample', () => {
    const d = pts([0, 5e8], [1000, 1e9]);
    const max = pts([0, 1e10], [1000, 1e10]);
    expect(derivedPoints(dirty, d, max)).toEqual([
      [0, 5],
      [1000, 10],
    ]);
  });

  it('rollup buckets give the same ratio as the raw steps they summarise', () => {
    const scanned = pts([0, 0], [1000, 30], [2000, 90], [3000, 100]);
    const returned = pts([0, 0], [1000, 3], [2000, 6], [3000, 10]);
    // One bucket over steps 1..3: Σinc = 100 / 10.
    const bucket = (inc: number) => ({ ts: 0, count: 3, sum: 0, inc, incDt: 3000 });
    expect(derivedFromBuckets(targeting, [bucket(100)], [bucket(10)])).toEqual([[0, 10]]);
    const raw = derivedPoints(targeting, scanned, returned).map(([, v]) => v!);
    expect(raw).toEqual([10, 20, 2.5]);
    expect(derivedFromBuckets(dirty, [{ ts: 0, count: 2, sum: 3e9, inc: 0, incDt: 0 }], [{ ts: 0, count: 2, sum: 2e10, inc: 0, incDt: 0 }])).toEqual([[0, 15]]);
  });

  it('a live step agrees with the batch evaluation (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 50 })), { minLength: 2, maxLength: 40 }), (incs) => {
        let a = 0;
        let b = 0;
        const num = incs.map(([x], i) => ({ ts: i * 1000, value: (a += x) }));
        const den = incs.map(([, y], i) => ({ ts: i * 1000, value: (b += y) }));
        const batch = derivedPoints(readLatency, num, den);
        const live = num.slice(1).map((n, i) => derivedStep(readLatency, { num: num[i]!, den: den[i]! }, { num: n, den: den[i + 1]! }, false));
        expect(live.map((s) => (s.kind === 'value' ? s.value : null))).toEqual(batch.map(([, v]) => v));
        for (const [, v] of batch) if (v !== null) expect(v >= 0 && Number.isFinite(v)).toBe(true);
      }),
    );
  });
});
