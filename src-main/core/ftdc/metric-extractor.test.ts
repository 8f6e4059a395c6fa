import { Decimal128, Double, Int32, Long, Timestamp, serialize } from '../bson/bson';
import { describe, expect, it } from 'vitest';
import { referenceMetrics } from './ftdc-reference.fixture';
import { METRIC_KIND, decimal128ToInt64, doubleToInt64Halves, extractReferenceMetrics } from './metric-extractor';
import { BsonFormatError } from '../bson/raw-bson';

const LIMITS = { maxMetrics: 100_000, maxNameChars: 1 << 20, maxDepth: 10 };

function extract(doc: Record<string, unknown>, limits = LIMITS) {
  const bytes = Buffer.from(serialize(doc));
  return { bytes, r: extractReferenceMetrics(bytes, 0, bytes.length, limits) };
}

const asBig = (hi: number, lo: number) => BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo));

describe('extractReferenceMetrics (mongod extractMetricsFromDocument)', () => {
  it('flattens numbers, bools, dates and timestamps in document order with dotted names', () => {
    const { bytes, r } = extract({
      start: new Date(1_700_000_000_123),
      serverStatus: {
        host: 'skipped string',
        pid: new Long(4242),
        uptime: new Double(12.9),
        opcounters: { insert: new Int32(-3), query: Long.fromString('9007199254740993') },
        repl: { ok: true, lastWrite: new Timestamp({ t: 1_700_000_000, i: 7 }) },
        oid: { $oid: 'not an ObjectId, just a nested doc' },
        list: [new Int32(5), 'x', { deep: false }],
      },
      end: new Date(1_700_000_000_200),
    });
    expect(r.names).toEqual([
      'start',
      'serverStatus.pid',
      'serverStatus.uptime',
      'serverStatus.opcounters.insert',
      'serverStatus.opcounters.query',
      'serverStatus.repl.ok',
      'serverStatus.repl.lastWrite.t',
      'serverStatus.repl.lastWrite.i',
      'serverStatus.list.0',
      'serverStatus.list.2.deep',
      'end',
    ]);
    expect([...r.kinds.subarray(0, r.count)]).toEqual([
      METRIC_KIND.date,
      METRIC_KIND.number,
      METRIC_KIND.number,
      METRIC_KIND.number,
      METRIC_KIND.number,
      METRIC_KIND.bool,
      METRIC_KIND.timestampSeconds,
      METRIC_KIND.timestampIncrement,
      METRIC_KIND.number,
      METRIC_KIND.bool,
      METRIC_KIND.date,
    ]);
    const values = Array.from({ length: r.count }, (_, i) => asBig(r.hi[i]!, r.lo[i]!));
    expect(values).toEqual([1_700_000_000_123n, 4242n, 12n, -3n, 9007199254740993n, 1n, 1_700_000_000n, 7n, 5n, 0n, 1_700_000_000_200n]);
    // The independent reference walk agrees on names and values.
    const ref = referenceMetrics(bytes);
    expect(ref.map((m) => m.name)).toEqual(r.names);
    expect(ref.map((m) => m.value)).toEqual(values);
    expect(r.docEnd).toBe(bytes.length);
  });

  it('converts doubles as mongod does: truncate toward zero, NaN → 0, clamp to int64', () => {
    const cases: [number, bigint][] = [
      [1.9, 1n],
      [-1.9, -1n],
      [Number.NaN, 0n],
      [Number.POSITIVE_INFINITY, (1n << 63n) - 1n],
      [Number.NEGATIVE_INFINITY, -(1n << 63n)],
      [1e300, (1n << 63n) - 1n],
      [-(2 ** 63), -(1n << 63n)],
      [2 ** 62 + 2 ** 40, (1n << 62n) + (1n << 40n)],
      [-(2 ** 53) - 2, -(1n << 53n) - 2n],
    ];
    for (const [x, want] of cases) {
      const [hi, lo] = doubleToInt64Halves(x);
      expect(asBig(hi, lo), String(x)).toBe(want);
    }
  });

  it('rounds decimal128 half to even and maps NaN/Inf/overflow to INT64_MIN', () => {
    const d = (s: string) => {
      const bytes = Decimal128.fromString(s).bytes;
      return decimal128ToInt64(bytes, 0);
    };
    expect(d('2.5')).toBe(2n);
    expect(d('3.5')).toBe(4n);
    expect(d('-2.5')).toBe(-2n);
    expect(d('2.51')).toBe(3n);
    expect(d('1.5E+3')).toBe(1500n);
    expect(d('-0')).toBe(0n);
    expect(d('9223372036854775807')).toBe((1n << 63n) - 1n);
    expect(d('9223372036854775808')).toBe(-(1n << 63n));
    expect(d('NaN')).toBe(-(1n << 63n));
    expect(d('-Infinity')).toBe(-(1n << 63n));
    expect(d('1E+6144')).toBe(-(1n << 63n));
    expect(d('1E-6143')).toBe(0n);
  });

  it('refuses nesting deeper than mongod kMaxRecursion (10)', () => {
    let ok: Record<string, unknown> = { x: 1 };
    for (let i = 0; i < 9; i++) ok = { a: ok };
    expect(extract({ a: ok }).r.names).toEqual([`${'a.'.repeat(10)}x`]);
    expect(() => extract({ a: { a: ok } })).toThrow(BsonFormatError);
  });

  it('enforces the metric and name budgets before growing further', () => {
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    expect(() => extract(many, { ...LIMITS, maxMetrics: 49 })).toThrow(/more than 49 metrics/);
    expect(() => extract(many, { ...LIMITS, maxNameChars: 100 })).toThrow(/budget/);
    expect(extract(many, { ...LIMITS, maxMetrics: 50 }).r.count).toBe(50);
    // Sub-documents cost memory even without metrics: they count against the same cap.
    const empties = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`o${i}`, {}]));
    expect(() => extract(empties, { ...LIMITS, maxMetrics: 50 })).toThrow(/sub-documents/);
  });

  it('rejects malformed documents with the offending offset', () => {
    const bytes = Buffer.from(serialize({ a: 1, b: 'text' }));
    const overlong = Buffer.from(bytes);
    overlong.writeInt32LE(bytes.length + 10, 0);
    expect(() => extractReferenceMetrics(overlong, 0, overlong.length, LIMITS)).toThrow(/runs past/);
    const badString = Buffer.from(bytes);
    badString.writeInt32LE(1000, bytes.indexOf('text') - 4);
    expect(() => extractReferenceMetrics(badString, 0, badString.length, LIMITS)).toThrow(/bad string length/);
    const badType = Buffer.from(bytes);
    badType[4] = 0x42;
    expect(() => extractReferenceMetrics(badType, 0, badType.length, LIMITS)).toThrow(/unknown BSON type/);
    const badBool = Buffer.from(serialize({ f: true }));
    badBool[badBool.length - 2] = 7;
    expect(() => extractReferenceMetrics(badBool, 0, badBool.length, LIMITS)).toThrow(/boolean/);
  });
});
