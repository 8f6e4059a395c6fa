import { deflateSync } from 'node:zlib';
import { Double, Int32, Long, Timestamp, serialize } from '../bson/bson';
import { describe, expect, it } from 'vitest';
import { BaleenError } from '../../../src-shared/domain/errors';
import { FTDC_LIMITS, decodeChunkPayload } from './chunk-decoder';
import { buildPayload, encodeDeltaStream, encodeFtdcFile, encodeVarint, referenceDecodeChunk, referenceMetrics } from './ftdc-reference.fixture';
import { METRIC_KIND } from './metric-extractor';

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5);

function sample(i: number) {
  return {
    start: new Date(T0 + i * 1000),
    serverStatus: {
      pid: new Long(1234),
      uptimeMillis: new Long(i * 1000 + 5),
      opcounters: { insert: new Long(i * i), query: new Int32(i % 3 === 0 ? 7 : 7 + i) },
      mem: { resident: new Double(100 - i / 3) },
      // Exercise 64-bit wrap-around and values beyond 2^53.
      big: Long.fromBigInt((1n << 62n) + BigInt(i) * 123_456_789_012n),
      wrap: Long.fromBigInt(BigInt.asIntN(64, (1n << 63n) - 3n + BigInt(i))),
      repl: { ok: i % 2 === 0, ts: new Timestamp({ t: 1_700_000_000 + i, i: i % 4 }) },
    },
    end: new Date(T0 + i * 1000 + 3),
  };
}

function payloadOf(samples: ReturnType<typeof sample>[]) {
  const file = encodeFtdcFile(samples);
  const chunk = file.chunks[0]!;
  const refBytes = serialize(samples[0]!);
  return { chunk, payload: buildPayload({ ref: refBytes, metricsCount: chunk.columns.length, sampleCount: samples.length - 1, stream: encodeDeltaStream(chunk.columns) }) };
}

function parseFailure(f: () => unknown): BaleenError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BaleenError);
    expect((e as BaleenError).code).toBe('E_PARSE');
    return e as BaleenError;
  }
  throw new Error('expected E_PARSE');
}

describe('decodeChunkPayload', () => {
  it('round-trips encoded samples exactly (modulo 2^64, read as int64)', () => {
    const samples = Array.from({ length: 40 }, (_, i) => sample(i));
    const { chunk, payload } = payloadOf(samples);
    const d = decodeChunkPayload(payload);
    expect(d.samples).toBe(40);
    expect(d.names).toEqual(chunk.names);
    expect(d.columns).toHaveLength(chunk.columns.length);
    chunk.columns.forEach((col, m) => {
      expect(Array.from(d.columns[m]!), chunk.names[m]).toEqual(col.map((v) => Number(v)));
    });
    const wrap = d.names.indexOf('serverStatus.wrap');
    // 2^63 - 3 + i wraps to negative at i = 3: the decoder must follow the int64 view.
    expect(d.columns[wrap]![2]).toBe(Number((1n << 63n) - 1n));
    expect(d.columns[wrap]![3]).toBe(Number(-(1n << 63n)));
    expect(d.ts).toBe(d.columns[d.timeMetric]);
    expect(Array.from(d.ts)).toEqual(samples.map((s) => s.start.getTime()));
    expect(d.kinds[d.names.indexOf('serverStatus.repl.ts.t')]).toBe(METRIC_KIND.timestampSeconds);
    expect(d.kinds[d.names.indexOf('serverStatus.repl.ok')]).toBe(METRIC_KIND.bool);
  });

  it('agrees with the BigInt reference decoder, including the first sample = reference document', () => {
    const samples = Array.from({ length: 25 }, (_, i) => sample(i * 7));
    const { payload } = payloadOf(samples);
    const ref = referenceDecodeChunk(payload);
    const d = decodeChunkPayload(payload);
    ref.columns.forEach((col, m) => expect(Array.from(d.columns[m]!)).toEqual(col.map(Number)));
    const first = referenceMetrics(serialize(samples[0]!));
    expect(d.columns.map((c) => c[0])).toEqual(first.map((m) => Number(BigInt.asIntN(64, m.value))));
  });

  it('decodes zero runs that cross metric boundaries and a run longer than the chunk (mongod ignores the excess)', () => {
    const ref = serialize({ start: new Date(T0), a: new Long(5), b: new Long(9), c: new Long(1) });
    // 3 deltas each: start +1000 ×3, then a, b all zero and c zero, zero, +2 — encoded with one run
    // for a..c's first two zeros, then a final run that says 1,000,000 more zeros.
    const stream = Buffer.from([
      ...encodeVarint(1000n), ...encodeVarint(1000n), ...encodeVarint(1000n),
      0, ...encodeVarint(7n), // 8 zeros: a (3), b (3), c (2)
      ...encodeVarint(2n),
      0, ...encodeVarint(999_999n),
    ]);
    const d = decodeChunkPayload(buildPayload({ ref, metricsCount: 4, sampleCount: 3, stream }));
    expect(Array.from(d.columns[0]!)).toEqual([T0, T0 + 1000, T0 + 2000, T0 + 3000]);
    expect(Array.from(d.columns[1]!)).toEqual([5, 5, 5, 5]);
    expect(Array.from(d.columns[2]!)).toEqual([9, 9, 9, 9]);
    expect(Array.from(d.columns[3]!)).toEqual([1, 1, 1, 3]);
  });

  it('keeps 64-bit exactness across a 10-byte varint (a negative delta)', () => {
    const ref = serialize({ start: new Date(T0), g: new Long(10) });
    const minusThree = encodeVarint(BigInt.asUintN(64, -3n));
    expect(minusThree).toHaveLength(10);
    const stream = Buffer.from([0, 1, ...minusThree, ...minusThree]); // start: 2 zeros
    const d = decodeChunkPayload(buildPayload({ ref, metricsCount: 2, sampleCount: 2, stream }));
    expect(Array.from(d.columns[1]!)).toEqual([10, 7, 4]);
  });

  it('returns just the reference sample when the sample count is 0', () => {
    const ref = serialize({ start: new Date(T0), x: new Long(3) });
    const d = decodeChunkPayload(buildPayload({ ref, metricsCount: 2, sampleCount: 0, stream: Buffer.alloc(0) }));
    expect(d.samples).toBe(1);
    expect(Array.from(d.values)).toEqual([T0, 3]);
  });

  it('reuses the previous names array when the schema is unchanged', () => {
    const { payload } = payloadOf([sample(1), sample(2)]);
    const a = decodeChunkPayload(payload);
    const b = decodeChunkPayload(payload, a);
    expect(b.names).toBe(a.names);
    const other = decodeChunkPayload(buildPayload({ ref: serialize({ start: new Date(T0) }), metricsCount: 1, sampleCount: 0, stream: Buffer.alloc(0) }), a);
    expect(other.names).toEqual(['start']);
    // Same keys in the same order but nested differently: a different schema, fresh names.
    const one = (doc: Record<string, unknown>) => decodeChunkPayload(buildPayload({ ref: serialize(doc), metricsCount: 2, sampleCount: 0, stream: Buffer.alloc(0) }));
    const x = one({ a: { b: new Long(1) }, c: new Long(2) });
    const y = decodeChunkPayload(buildPayload({ ref: serialize({ a: { b: new Long(1), c: new Long(2) } }), metricsCount: 2, sampleCount: 0, stream: Buffer.alloc(0) }), x);
    expect(x.names).toEqual(['a.b', 'c']);
    expect(y.names).toEqual(['a.b', 'a.c']);
    // Different values and skipped fields (strings) do not change the schema.
    const z = decodeChunkPayload(buildPayload({ ref: serialize({ a: { b: new Long(9), note: 'longer text' }, c: new Long(7) }), metricsCount: 2, sampleCount: 0, stream: Buffer.alloc(0) }), x);
    expect(z.names).toBe(x.names);
  });

  it('falls back to serverStatus.localTime, else NaN, for sample times', () => {
    const withLocal = serialize({ serverStatus: { localTime: new Date(T0) } });
    expect(decodeChunkPayload(buildPayload({ ref: withLocal, metricsCount: 1, sampleCount: 0, stream: Buffer.alloc(0) })).ts[0]).toBe(T0);
    const none = serialize({ x: new Long(1) });
    expect(decodeChunkPayload(buildPayload({ ref: none, metricsCount: 1, sampleCount: 0, stream: Buffer.alloc(0) })).ts[0]).toBeNaN();
  });

  describe('rejects what mongod decompressor.cpp rejects (FUZZ-2)', () => {
    const ref = serialize({ start: new Date(T0), x: new Long(1) });
    const ok = { ref, metricsCount: 2, sampleCount: 2, stream: Buffer.from([0, 3]) };

    it('accepts the baseline', () => {
      expect(decodeChunkPayload(buildPayload(ok)).samples).toBe(3);
    });

    it('FUZZ-2 a header length > 10,000,000', () => {
      expect(parseFailure(() => decodeChunkPayload(buildPayload({ ...ok, declaredLength: FTDC_LIMITS.maxUncompressedBytes + 1 }))).message).toMatch(/over the 10000000 limit/);
      expect(parseFailure(() => decodeChunkPayload(buildPayload({ ...ok, declaredLength: 0xffffffff }))).message).toMatch(/limit/);
    });

    it('FUZZ-2 a zlib bomb inflating past its declared size', () => {
      const bomb = deflateSync(Buffer.alloc(50 * 1024 * 1024));
      const payload = Buffer.concat([Buffer.from([0x40, 0x42, 0x0f, 0x00]), bomb]); // declares 1,000,000
      const before = process.memoryUsage().arrayBuffers;
      expect(parseFailure(() => decodeChunkPayload(payload)).message).toMatch(/inflates past/);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
    });

    it('FUZZ-2 metricsCount × sampleCount > 1,000,000 (exact product, no uint32 wrap)', () => {
      expect(parseFailure(() => decodeChunkPayload(buildPayload({ ...ok, sampleCount: 500_001 }))).message).toMatch(/exceeds 1000000/);
      // 65536 × 65536 wraps to 0 in mongod's uint32 arithmetic; we refuse it.
      expect(parseFailure(() => decodeChunkPayload(buildPayload({ ...ok, metricsCount: 65536, sampleCount: 65536 }))).message).toMatch(/exceeds/);
      expect(parseFailure(() => decodeChunkPayload(buildPayload({ ...ok, metricsCount: 0, sampleCount: 2_000_000 }))).message).toMatch(/exceeds/);
    });

    it('FUZZ-2 a metrics count that does not match the reference document', () => {
      expect(parseFailure(() => decodeChunkPayload(buildPayload({ ...ok, metricsCount: 3 }))).message).toMatch(/declares 3 metrics but its reference document has 2/);
    });

    it('FUZZ-2 a truncated varint stream', () => {
      expect(parseFailure(() => decodeChunkPayload(buildPayload({ ...ok, stream: Buffer.from([0]) }))).message).toMatch(/truncated/);
      expect(parseFailure(() => decodeChunkPayload(buildPayload({ ...ok, stream: Buffer.from([5, 0x80]) }))).message).toMatch(/truncated/);
      expect(parseFailure(() => decodeChunkPayload(buildPayload({ ...ok, stream: Buffer.from([1, 1, 1]) }))).message).toMatch(/truncated/);
    });

    it('FUZZ-2 an over-long varint (S2 Parse64WithLimit: 10 bytes, the 10th ≤ 1)', () => {
      const eleven = Buffer.from([...Array<number>(10).fill(0xff), 0x01]);
      expect(parseFailure(() => decodeChunkPayload(buildPayload({ ...ok, stream: eleven }))).message).toMatch(/longer than 10 bytes/);
      const tenthTooBig = Buffer.from([...Array<number>(9).fill(0xff), 0x02, 0, 5]);
      expect(parseFailure(() => decodeChunkPayload(buildPayload({ ...ok, stream: tenthTooBig }))).message).toMatch(/longer than 10 bytes/);
    });

    it('FUZZ-2 zero-run overflow is harmless: the excess is ignored, the work is bounded', () => {
      const huge = Buffer.from([0, ...encodeVarint((1n << 64n) - 1n)]);
      const d = decodeChunkPayload(buildPayload({ ...ok, stream: huge }));
      expect(Array.from(d.values)).toEqual([T0, T0, T0, 1, 1, 1]);
    });

    it('refuses a corrupt zlib stream, a short payload and a broken reference document', () => {
      const good = buildPayload(ok);
      const flipped = Buffer.from(good);
      flipped[6] = flipped[6]! ^ 0xff;
      expect(parseFailure(() => decodeChunkPayload(flipped)).message).toMatch(/inflate/);
      expect(parseFailure(() => decodeChunkPayload(good.subarray(0, good.length - 3))).message).toMatch(/inflate/);
      expect(parseFailure(() => decodeChunkPayload(Buffer.from([1, 0]))).message).toMatch(/shorter/);
      const badRef = Buffer.from(ref);
      badRef.writeInt32LE(ref.length + 100, 0);
      expect(parseFailure(() => decodeChunkPayload(buildPayload({ ...ok, ref: badRef }))).message).toMatch(/bad reference document/);
      const noCounts = Buffer.concat([Buffer.from([0, 0, 0, 0]), deflateSync(ref)]);
      noCounts.writeUInt32LE(ref.length, 0);
      expect(parseFailure(() => decodeChunkPayload(noCounts)).message).toMatch(/before its metric and sample counts/);
    });
  });
});
